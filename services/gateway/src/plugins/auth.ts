import jwt from '@fastify/jwt';
import { ForbiddenError, UnauthorizedError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gatewayTokensOnly, type TokenVerifier } from '../tokens/tokenVerifier';
import { requireLiveWidgetKey } from './liveWidgetKey';

export type Role = 'agent' | 'supervisor' | 'admin' | 'visitor';
export type StaffRole = Exclude<Role, 'visitor'>;

/** Who is calling, from a verified token. One tenant per request. */
export interface Principal {
  tenantId: string;
  subject: string;
  roles: Role[];
  /** A visitor's widget key (the session's `wk` claim): whose allowed origins apply to the visitor's browser. */
  widgetKey?: string;
  /** When the token expires (epoch ms): a WebSocket opened with it closes then. */
  expiresAt?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** The one bearer-token check (tokens/tokenVerifier.ts); use verifiedPrincipal(request), which runs it once per request. */
    tokenVerifier: TokenVerifier;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `wk`: the widget key a visitor session was opened with (visitor tokens only). */
    payload: { tid: string; sub: string; roles: Role[]; wk?: string };
  }
}

export interface AuthOptions {
  /** JWT_SECRET: signs the gateway's own tokens (visitor sessions). */
  secret: string;
  /** JWT_ISSUER / JWT_AUDIENCE: put into the tokens the gateway signs, so that they pass its own checks. */
  issuer?: string;
  audience?: string;
  /** Default: HS256 tokens under `secret` only, with the default rules (apps assembled by hand in tests). */
  verifier?: TokenVerifier;
}

/**
 * Agents, supervisors and admins present a JWT carrying `tid` (tenant), `sub`
 * (agent id) and `roles`: HS256 under the gateway's secret, or from their
 * tenant's identity provider (see TokenVerifier). @fastify/jwt only signs
 * (visitor sessions); every check goes through `verifier`.
 */
export async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const sign = { ...(opts.issuer !== undefined ? { iss: opts.issuer } : {}), ...(opts.audience !== undefined ? { aud: opts.audience } : {}) };
  await app.register(jwt, { secret: opts.secret, sign, verify: { algorithms: ['HS256'] } });
  app.decorate('tokenVerifier', opts.verifier ?? gatewayTokensOnly(opts.secret));
}

export async function requireStaff(request: FastifyRequest, roles: StaffRole[] = ['agent', 'supervisor', 'admin']): Promise<Principal> {
  return requireRole(request, roles);
}

/** A visitor of the customer widget: `subject` is their customer id, verified or anonymous. */
export async function requireVisitor(request: FastifyRequest): Promise<Principal> {
  return requireLiveWidgetKey(request, await requireRole(request, ['visitor'])); // a revoked widget key ends its sessions
}

async function requireRole(request: FastifyRequest, roles: Role[]): Promise<Principal> {
  const principal = await verifiedPrincipal(request);
  if (!principal.roles.some((r) => roles.includes(r))) throw new ForbiddenError(roles.includes('visitor') ? 'requires a visitor session' : `requires one of the roles ${roles.join(', ')}`);
  request.principal = principal;
  return principal;
}

const verifiedPrincipals = new WeakMap<FastifyRequest, Promise<Principal>>();

/**
 * The principal of the bearer token a request presents (presentedBearerToken:
 * the `Authorization` header, or the WebSocket subprotocol), verified once per
 * request however many hooks ask (rate limits, CORS, the route): the answer,
 * or the refusal, is kept with the request.
 * @throws UnauthorizedError (401) without a valid token; UnavailableError (503)
 *   when the tenant's identity provider cannot be reached to check it.
 */
export function verifiedPrincipal(request: FastifyRequest): Promise<Principal> {
  let verified = verifiedPrincipals.get(request);
  if (!verified) {
    const token = presentedBearerToken(request);
    verified = token ? request.server.tokenVerifier.verify(token) : Promise.reject(new UnauthorizedError('a valid bearer token is required'));
    verifiedPrincipals.set(request, verified);
  }
  return verified;
}

/**
 * The bearer JWT a request presents, unverified: `Authorization: Bearer <jwt>`
 * (an API key `cck_…` there is not a JWT), or on a WebSocket upgrade the
 * subprotocol `bearer.<jwt>`. For edge checks that run before the route's own
 * authentication (rate limits, CORS); verify it with verifiedPrincipal.
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

/** The gRPC call options for a request made on behalf of `principal`: its tenant, its subject as actor, the request id, the request's trace, and cancellation when the client hangs up. */
export const callOptions = (request: FastifyRequest, principal: Principal) => ({
  tenantId: principal.tenantId,
  actorId: principal.subject,
  requestId: String(request.id),
  signal: request.clientGone ?? undefined,
  traceparent: request.traceparent,
});
