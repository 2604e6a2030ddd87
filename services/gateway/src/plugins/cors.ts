import cors, { type FastifyCorsOptions } from '@fastify/cors';
import { ForbiddenError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normalizeOrigin } from '../schemas/origins';
import type { WidgetKeys } from '../store/widgetKeys';
import { presentedBearerToken, verifiedPrincipal } from './auth';

export interface CorsPolicy {
  /** Origins of staff web apps (CORS_STAFF_ORIGINS) that may call the non-visitor routes from a browser; none by default. */
  staffOrigins: readonly string[];
  widgetKeys: WidgetKeys;
}

const VISITOR_PATH = /^\/v1\/visitor\//;
const SESSION_PATH = '/v1/visitor/sessions';
const PREFLIGHT_MAX_AGE_SECONDS = 600;
const VISITOR_METHODS = ['GET', 'POST', 'PUT'];
const STAFF_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const VISITOR_HEADERS = ['Content-Type', 'Authorization', 'X-Request-Id'];
const STAFF_HEADERS = [...VISITOR_HEADERS, 'X-API-Key', 'Last-Event-ID'];
/** Beyond the safelisted response headers, a page may read when to retry after a 429. */
const EXPOSED_HEADERS = ['Retry-After'];
const NO_CORS: FastifyCorsOptions = { origin: false };

/** How a visitor request's Origin compares with its widget key's allowed origins; `undecided` when the route will refuse the request anyway (no or bad credentials). */
type Verdict = 'allowed' | 'refused' | 'undecided';

const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!;

/**
 * Cross-origin access from browsers.
 *
 * Visitor routes (`/v1/visitor/…`, the customer widget on a tenant's site):
 * a response carries `Access-Control-Allow-Origin` only when the page's
 * Origin is one of its widget key's `allowedOrigins`. The key comes from the
 * visitor session token (its `wk` claim) or, when creating a session, from
 * the body. A request whose Origin is not allowed is refused with 403 before
 * the route runs, so a page of another site writes nothing either.
 * Preflights cannot carry credentials, so they cannot name the key: they are
 * answered for any origin, for the widget's methods and headers, and grant
 * nothing by themselves; the actual request is where the key is checked.
 *
 * Every other route: only the configured staff origins (none by default).
 * WebSockets are not subject to CORS; /v1/realtime authenticates by token.
 */
export async function corsPlugin(app: FastifyInstance, policy: CorsPolicy): Promise<void> {
  await app.register(cors, {
    hook: 'onRequest',
    delegator: async (request: FastifyRequest): Promise<FastifyCorsOptions> => {
      const origin = request.headers.origin;
      const preflight = request.method === 'OPTIONS' && typeof request.headers['access-control-request-method'] === 'string';
      // An OPTIONS that is not a preflight gets no CORS treatment: a 404 problem like any unknown route.
      if (typeof origin !== 'string' || (request.method === 'OPTIONS' && !preflight)) return NO_CORS;
      if (VISITOR_PATH.test(pathOf(request))) {
        // The actual request's ACAO depends on its widget key: set in onSend below. `null` and
        // other malformed origins get no preflight: no widget key could ever allow them.
        return preflight && normalizeOrigin(origin) === origin ? { origin, methods: VISITOR_METHODS, allowedHeaders: VISITOR_HEADERS, maxAge: PREFLIGHT_MAX_AGE_SECONDS } : NO_CORS;
      }
      if (!policy.staffOrigins.includes(origin)) return NO_CORS;
      return { origin, methods: STAFF_METHODS, allowedHeaders: STAFF_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: PREFLIGHT_MAX_AGE_SECONDS };
    },
  });

  const decide = async (request: FastifyRequest, origin: string): Promise<Verdict> => {
    let widgetKey: string;
    let tenantId: string | undefined;
    if (pathOf(request) === SESSION_PATH) {
      const given = (request.body as { widgetKey?: unknown } | null | undefined)?.widgetKey;
      if (typeof given !== 'string') return 'undecided';
      widgetKey = given;
    } else {
      if (!presentedBearerToken(request)) return 'undecided';
      let principal;
      try {
        principal = await verifiedPrincipal(request);
      } catch {
        return 'undecided'; // the route answers 401 (or 503 when the tenant's identity provider is down)
      }
      if (!principal.roles.includes('visitor')) return 'undecided'; // the route answers 403
      // A session from before widget keys had origins cannot name its site: refused, and the widget opens a new one.
      if (!principal.widgetKey) return 'refused';
      [widgetKey, tenantId] = [principal.widgetKey, principal.tenantId];
    }
    const key = await policy.widgetKeys.get(widgetKey);
    // An unknown or revoked key on session creation: the route answers 401. A session of a revoked key: its browser is cut off.
    if (!key || key.revoked || (tenantId !== undefined && key.tenantId !== tenantId)) return tenantId === undefined ? 'undecided' : 'refused';
    return (key.allowedOrigins ?? []).includes(origin) ? 'allowed' : 'refused';
  };
  // One decision per request, shared by preHandler and onSend; it may reject (KV unavailable): preHandler answers 503 then.
  const verdicts = new WeakMap<FastifyRequest, Promise<Verdict>>();
  const verdictOf = (request: FastifyRequest, origin: string): Promise<Verdict> => {
    let verdict = verdicts.get(request);
    if (!verdict) verdicts.set(request, (verdict = decide(request, origin)));
    return verdict;
  };
  /** The Origin of a browser's actual request to a visitor route; `null` (sandboxed frames) included, as it is never allowed. */
  const visitorOrigin = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    return typeof origin === 'string' && request.method !== 'OPTIONS' && VISITOR_PATH.test(pathOf(request)) ? origin : undefined;
  };

  app.addHook('preHandler', async (request) => {
    const origin = visitorOrigin(request);
    if (origin && (await verdictOf(request, origin)) === 'refused') {
      throw new ForbiddenError(`origin ${JSON.stringify(origin.slice(0, 100))} is not among this widget key's allowed origins`);
    }
  });
  // onSend, not onRequest: the widget key of a session creation is in the body, and errors (429, 400) need ACAO too to be readable.
  app.addHook('onSend', async (request, reply, payload) => {
    const origin = visitorOrigin(request);
    if (origin && (await verdictOf(request, origin).catch(() => 'refused')) === 'allowed') {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
    }
    return payload;
  });
}
