/**
 * Malformed HTTP requests for the gateway fuzz test, built from its route
 * inventory (collected with an onRoute hook). Every request is refused for
 * at least one certain reason (bad credentials, a body no parser or schema
 * accepts, a parameter its pattern refuses, a route that does not exist),
 * whatever else random it carries, so any answer but 4xx problem JSON is a bug.
 */
import type { InjectOptions } from 'fastify';
import { hostileString, junkValue, malformedJsonBody, Rng, violating } from './fuzzInputs';

export type RouteAuth = 'public' | 'preflight' | 'session' | 'socket' | 'staff' | 'visitor' | 'apiKey' | 'unknown';

export interface FuzzRoute {
  method: string;
  url: string;
  auth: RouteAuth;
  schema: { body?: Record<string, unknown>; params?: Record<string, unknown>; querystring?: Record<string, unknown> };
}

/** Headers that authenticate, by kind; `bad` ones never do, `wrongFor` ones are valid somewhere else. */
export interface Credentials {
  staff: Record<string, string>;
  visitor: Record<string, string>;
  apiKey: Record<string, string>;
  bad: Record<string, string>[];
  /** Valid credentials of a kind the route refuses (403/401). */
  wrongFor: (route: FuzzRoute) => Record<string, string>[];
}

export interface FuzzRequest extends InjectOptions {
  label: string;
  method: NonNullable<InjectOptions['method']>;
  url: string;
}

/** Probes, API documents and the browser apps' files: open to anyone, so a request to them may well succeed. */
const PUBLIC = /^\/(healthz|readyz|openapi\.json|asyncapi\.json|docs|widget|desk|demo)(\/|$)/;

/** How a route authenticates, from its OpenAPI security and what the gateway knows of a few. */
export function classify(method: string, url: string, schema: unknown): RouteAuth {
  if (method === 'OPTIONS') return 'preflight';
  if (PUBLIC.test(url)) return 'public';
  if (url === '/v1/visitor/sessions') return 'session';
  if (url === '/v1/realtime') return 'socket';
  const names = ((schema as { security?: Record<string, unknown>[] } | undefined)?.security ?? []).flatMap((s) => Object.keys(s));
  if (names.includes('apiKey') && names.length === 1) return 'apiKey';
  if (names.includes('visitorToken')) return 'visitor';
  if (names.includes('agentToken')) return 'staff';
  return 'unknown';
}

const validFor = (route: FuzzRoute, c: Credentials): Record<string, string> | undefined =>
  route.auth === 'staff' || route.auth === 'socket' ? c.staff : route.auth === 'visitor' ? c.visitor : route.auth === 'apiKey' ? c.apiKey : route.auth === 'session' ? {} : undefined;

const PARAM = /:([A-Za-z0-9_]+)/g;
const fill = (url: string, value: (name: string) => string) => url.replace(PARAM, (_m, name: string) => pct(value(name)));
/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates included, as U+FFFD), unlike encodeURIComponent, which throws on them. */
const pct = (s: string) => [...Buffer.from(s)].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
const hasBody = (method: string) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method);

function junkQuery(rng: Rng): string {
  if (!rng.chance(0.4)) return '';
  return `?${rng.pick(['%', 'a=%zz', '__proto__[admin]=1', 'constructor[prototype][x]=1', `${rng.word()}=${pct(hostileString(rng))}`, 'a=1&'.repeat(200)])}`;
}
function junkHeaders(rng: Rng): Record<string, string> {
  const out: Record<string, string> = {};
  if (rng.chance(0.3)) out['x-request-id'] = rng.pick(['', 'a'.repeat(200), '../../x', '<script>', rng.word()]);
  if (rng.chance(0.2)) out.accept = rng.pick(['text/html', '*/*', 'application/xml', 'garbage']);
  if (rng.chance(0.2)) out.origin = rng.pick(['https://evil.example', 'null', 'http://localhost:1', rng.word()]);
  if (rng.chance(0.1)) out['x-forwarded-for'] = rng.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1']);
  return out;
}
function randomBody(rng: Rng): Pick<InjectOptions, 'payload' | 'headers'> {
  const kind = rng.int(0, 3);
  if (kind === 0) return {};
  if (kind === 1) return { payload: JSON.stringify(junkValue(rng)), headers: { 'content-type': 'application/json' } };
  if (kind === 2) return { payload: malformedJsonBody(rng), headers: { 'content-type': 'application/json' } };
  return { payload: hostileString(rng), headers: { 'content-type': rng.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']) } };
}

/** A request to `route` with credentials that cannot work, and junk everywhere else. */
function badCredentials(route: FuzzRoute, rng: Rng, c: Credentials): FuzzRequest {
  const credential = rng.pick([...c.bad, ...c.wrongFor(route)]);
  const body = hasBody(route.method) ? randomBody(rng) : {};
  return {
    label: `bad credentials ${route.method} ${route.url}`,
    method: route.method as FuzzRequest['method'],
    url: fill(route.url, () => (rng.chance(0.5) ? rng.word() : hostileString(rng).slice(0, 60))) + junkQuery(rng),
    payload: body.payload,
    headers: { ...junkHeaders(rng), ...body.headers, ...credential },
  };
}

/** Valid credentials, a body no JSON parser (or fastify's poisoning guard) accepts. */
function unparseableBody(route: FuzzRoute, rng: Rng, c: Credentials): FuzzRequest {
  const oversized = rng.chance(0.1);
  return {
    label: `unparseable body ${route.method} ${route.url}`,
    method: route.method as FuzzRequest['method'],
    url: fill(route.url, () => rng.word()),
    payload: oversized ? JSON.stringify({ text: 'x'.repeat(65 * 1024 + rng.int(0, 4096)) }) : malformedJsonBody(rng),
    headers: { ...junkHeaders(rng), 'content-type': rng.pick(['application/json', 'application/json; charset=utf-8']), ...validFor(route, c) },
  };
}

/** Valid credentials, a JSON body the route's schema certainly refuses (wrong type, missing or unknown field, bad pattern, too long). */
function schemaViolation(route: FuzzRoute, rng: Rng, c: Credentials): FuzzRequest | undefined {
  const bad = violating(route.schema.body, rng);
  if (!bad) return undefined;
  return {
    label: `schema violation ${route.method} ${route.url}`,
    method: route.method as FuzzRequest['method'],
    url: fill(route.url, () => rng.word()),
    payload: JSON.stringify(bad.value),
    headers: { ...junkHeaders(rng), 'content-type': 'application/json', ...validFor(route, c) },
  };
}

/** Valid credentials, a path parameter or query its schema certainly refuses. */
function badParameters(route: FuzzRoute, rng: Rng, c: Credentials): FuzzRequest | undefined {
  const params = (route.schema.params?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const query = route.schema.querystring;
  const badParams = Object.keys(params).flatMap((name) => {
    const bad = violating(params[name], rng);
    return bad && typeof bad.value === 'string' && bad.value.length > 0 ? [[name, bad.value] as const] : [];
  });
  const useQuery = query?.additionalProperties === false && (badParams.length === 0 || rng.chance(0.3));
  if (!badParams.length && !useQuery) return undefined;
  const [badName, badValue] = badParams.length && !useQuery ? rng.pick(badParams) : ['', ''];
  const url = fill(route.url, (name) => (name === badName ? badValue : rng.word()));
  const qs = useQuery ? `?fz_${rng.word()}=${pct(hostileString(rng))}` : junkQuery(rng);
  return { label: `bad parameters ${route.method} ${route.url}`, method: route.method as FuzzRequest['method'], url: url + qs, headers: { ...junkHeaders(rng), ...validFor(route, c) } };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

/**
 * A path no route has (traversal, bad encodings, very long, junk under /v1), any method, any
 * credentials; or junk under a real route's path, which may match a route with a parameter
 * (`/v1/conversations/fz-…`), so with credentials that cannot work.
 */
function noSuchRoute(routes: FuzzRoute[], rng: Rng, c: Credentials): FuzzRequest {
  const underRoute = rng.chance(0.3);
  const path = underRoute
    ? `${fill(rng.pick(routes).url, () => rng.word()).replace(/\*$/, '').replace(/\/$/, '')}/fz-${rng.word()}`
    : rng.pick([
        () => `/fz-${rng.word()}`,
        () => `/v1/fz-${rng.word()}/${pct(hostileString(rng))}`,
        () => rng.pick(['/v1/../admin/fz', '/v1/%2e%2e/%2e%2e/etc/passwd', '//v1//fz', '/v1/conversations/fz/../../admin/fz', '/v1/fz\\..\\admin']),
        () => rng.pick(['/v1/%', '/v1/%zz', '/v1/%C0%AF', '/v1/%ED%A0%80', '/v1/fz%00', '/v1/%FF%FE']),
        () => `/v1/fz-${'a'.repeat(rng.int(200, 8000))}`,
      ])();
  const credential = underRoute ? rng.pick(c.bad) : rng.pick([c.staff, c.visitor, c.apiKey, ...c.bad]);
  return { label: underRoute ? 'junk under a route' : 'no such route', method: rng.pick(METHODS), url: path + junkQuery(rng), headers: { ...junkHeaders(rng), ...credential } };
}

/** The next malformed request, by category; categories that cannot apply to the picked route fall back to bad credentials. */
export function nextRequest(routes: FuzzRoute[], rng: Rng, c: Credentials): FuzzRequest {
  const fuzzable = routes.filter((r) => r.auth !== 'public' && r.auth !== 'preflight');
  const route = rng.pick(fuzzable);
  const roll = rng.next();
  const authenticated = route.auth !== 'unknown';
  if (roll < 0.1) return noSuchRoute(routes, rng, c);
  if (roll < 0.3 && authenticated && hasBody(route.method)) return unparseableBody(route, rng, c);
  if (roll < 0.55 && authenticated) {
    const req = schemaViolation(route, rng, c) ?? badParameters(route, rng, c);
    if (req) return req;
  }
  if (roll < 0.65 && authenticated) {
    const req = badParameters(route, rng, c);
    if (req) return req;
  }
  return route.auth === 'session' ? (schemaViolation(route, rng, c) ?? unparseableBody(route, rng, c)) : badCredentials(route, rng, c);
}
