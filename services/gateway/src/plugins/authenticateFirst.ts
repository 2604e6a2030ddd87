import { UnauthorizedError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { presentedApiKey } from './apiKeyAuth';
import { presentedBearerToken, verifiedPrincipal } from './auth';
import { requireLiveWidgetKey } from './liveWidgetKey';

const KNOWN_SCHEMES = new Set(['agentToken', 'visitorToken', 'apiKey']);

/**
 * Authentication before validation, for every route whose OpenAPI
 * `security` names agentToken, visitorToken or apiKey: a client without
 * valid credentials gets 401 before fastify validates the body, query or
 * parameters, so an anonymous client learns nothing about their shape.
 *
 * Only whether the credentials are valid is checked here (a verified token,
 * a live API key, a visitor session's live widget key); which roles or
 * scopes a route needs (403) stays with the route's requireStaff,
 * requireVisitor or requireApiKey, which run after validation as before.
 * Routes without `security` (visitor sessions, health, documents) stay
 * public. Call on the root instance before the routes are registered: the
 * onRoute hook sees only routes added after it.
 */
export function authenticateBeforeValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schemes = securitySchemesOf(route);
    if (schemes.size === 0) return;
    const check = async (request: FastifyRequest) => authenticate(request, schemes);
    const own = route.preValidation;
    route.preValidation = own === undefined ? [check] : [check, ...[own].flat()];
  });
}

function securitySchemesOf(route: RouteOptions): Set<string> {
  const security = (route.schema as { security?: Record<string, unknown>[] } | undefined)?.security ?? [];
  return new Set(security.flatMap((requirement) => Object.keys(requirement)).filter((s) => KNOWN_SCHEMES.has(s)));
}

/**
 * Any valid credential passes: a verified bearer token or a live API key,
 * whatever the route declares (routes that take an API key beside a token do
 * not all say so in `security`); the route itself refuses a credential of
 * the wrong kind, after validation, as it always did.
 * @throws UnauthorizedError when no credential is presented or none is valid.
 */
async function authenticate(request: FastifyRequest, schemes: Set<string>): Promise<void> {
  let refusal: unknown;
  const apiKey = presentedApiKey(request);
  if (apiKey !== undefined) {
    if (await request.server.apiKeyAuthenticator.authenticate(apiKey)) return;
    refusal = new UnauthorizedError('unknown or revoked API key');
  }
  if (presentedBearerToken(request) !== undefined) {
    try {
      // Verified once per request: the route's requireStaff / requireVisitor reuse this answer.
      await requireLiveWidgetKey(request, await verifiedPrincipal(request));
      return;
    } catch (err) {
      refusal ??= err;
    }
  }
  throw refusal ?? new UnauthorizedError(schemes.has('apiKey') && schemes.size === 1 ? 'an API key is required: Authorization: Bearer cck_… or X-API-Key: cck_…' : 'a valid bearer token is required');
}
