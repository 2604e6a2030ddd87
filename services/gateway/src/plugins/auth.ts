import jwt from '@fastify/jwt';
import { ForbiddenError, UnauthorizedError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type Role = 'agent' | 'supervisor' | 'admin' | 'visitor';
export type StaffRole = Exclude<Role, 'visitor'>;

/** Who is calling, from a verified token. One tenant per request. */
export interface Principal {
  tenantId: string;
  subject: string;
  roles: Role[];
  /** A visitor's widget key (the session's `wk` claim): whose allowed origins apply to the visitor's browser. */
  widgetKey?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `wk`: the widget key a visitor session was opened with (visitor tokens only). */
    payload: { tid: string; sub: string; roles: Role[]; wk?: string };
  }
}

const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Agents, supervisors and admins present an HS256 JWT carrying `tid`
 * (tenant), `sub` (agent id) and `roles`; it must not be expired.
 */
export async function authPlugin(app: FastifyInstance, opts: { secret: string }): Promise<void> {
  await app.register(jwt, { secret: opts.secret, verify: { algorithms: ['HS256'] } });
}

export async function requireStaff(request: FastifyRequest, roles: StaffRole[] = ['agent', 'supervisor', 'admin']): Promise<Principal> {
  return requireRole(request, roles);
}

/** A visitor of the customer widget: `subject` is their customer id, verified or anonymous. */
export async function requireVisitor(request: FastifyRequest): Promise<Principal> {
  return requireRole(request, ['visitor']);
}

async function requireRole(request: FastifyRequest, roles: Role[]): Promise<Principal> {
  try {
    await request.jwtVerify();
  } catch (err) {
    throw new UnauthorizedError('a valid bearer token is required', { cause: err });
  }
  const principal = principalOfClaims(request.user);
  if (!principal.roles.some((r) => roles.includes(r))) throw new ForbiddenError(roles.includes('visitor') ? 'requires a visitor session' : `requires one of the roles ${roles.join(', ')}`);
  request.principal = principal;
  return principal;
}

/**
 * The principal of a bearer token that did not come in the `Authorization`
 * header (the WebSocket upgrade, where browsers cannot set headers). Same
 * checks as the REST routes: signature, algorithm, expiry, claims.
 * @throws UnauthorizedError for any bad token.
 */
export function principalOfToken(app: FastifyInstance, token: string): Principal {
  let claims: unknown;
  try {
    claims = app.jwt.verify(token);
  } catch (err) {
    throw new UnauthorizedError('a valid bearer token is required', { cause: err });
  }
  return principalOfClaims(claims);
}

function principalOfClaims(claims: unknown): Principal {
  const { tid, sub, roles: granted, wk } = (claims ?? {}) as Partial<Record<'tid' | 'sub' | 'roles' | 'wk', unknown>>;
  if (typeof tid !== 'string' || !TENANT_RE.test(tid) || typeof sub !== 'string' || !sub || !Array.isArray(granted)) {
    throw new UnauthorizedError('token lacks tenant, subject or roles');
  }
  return { tenantId: tid, subject: sub, roles: granted as Role[], ...(typeof wk === 'string' ? { widgetKey: wk } : {}) };
}

/**
 * The bearer JWT a request presents, unverified: `Authorization: Bearer <jwt>`
 * (an API key `cck_…` there is not a JWT), or on a WebSocket upgrade the
 * subprotocol `bearer.<jwt>`. For edge checks that run before the route's own
 * authentication (rate limits, CORS); verify it with principalOfToken.
 */
export function presentedBearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m && !m[1]!.startsWith('cck_') ? m[1] : undefined;
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return undefined;
  const offered = protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith('bearer.'));
  return offered ? offered.slice('bearer.'.length) : undefined;
}

/** The gRPC call options for a request made on behalf of `principal`: its tenant, its subject as actor, the request id. */
export const callOptions = (request: FastifyRequest, principal: Principal) => ({ tenantId: principal.tenantId, actorId: principal.subject, requestId: String(request.id) });
