import { ForbiddenError, UnauthorizedError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyRecord } from '../store/apiKeys';

/**
 * What an integrator's API key may do. Scopes are granted when an admin
 * creates the key and never change; a new need means a new key.
 */
export const API_KEY_SCOPES = ['events:read', 'webhooks:manage'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
/** Read the tenant's CloudEvents (`GET /v1/events`, Server-Sent Events). */
export const EVENTS_READ_SCOPE: ApiKeyScope = 'events:read';
/** Create, list and delete webhook subscriptions. */
export const WEBHOOKS_MANAGE_SCOPE: ApiKeyScope = 'webhooks:manage';

export const isApiKeyScope = (s: unknown): s is ApiKeyScope => typeof s === 'string' && (API_KEY_SCOPES as readonly string[]).includes(s);

/** The caller of an API-key request: the tenant's own system, not a person. */
export interface ApiKeyPrincipal {
  tenantId: string;
  apiKeyId: string;
  scopes: ApiKeyScope[];
}

/** Finds the live (not revoked) key record of a presented key; the `ApiKeys` store is one. */
export interface ApiKeyAuthenticator {
  authenticate(presentedKey: string): Promise<ApiKeyRecord | undefined>;
}

declare module 'fastify' {
  interface FastifyInstance {
    apiKeyAuthenticator: ApiKeyAuthenticator;
  }
  interface FastifyRequest {
    apiKey?: ApiKeyPrincipal;
  }
}

/**
 * Makes `requireApiKey` work in every route. Call it on the root instance
 * (not inside `app.register`), like `authPlugin`, so the decorator is visible
 * to every encapsulated route plugin.
 */
export function apiKeyAuthPlugin(app: FastifyInstance, opts: { authenticator: ApiKeyAuthenticator }): void {
  app.decorate('apiKeyAuthenticator', opts.authenticator);
}

/**
 * The API key of the request, which must carry `scope`. The key comes as
 * `Authorization: Bearer cck_…` or `X-API-Key: cck_…`.
 *
 * @throws UnauthorizedError (401) when no key is given, or it is unknown or revoked;
 *         ForbiddenError (403) when the key lacks `scope`.
 * @example
 *   app.get('/webhooks', async (request) => {
 *     const { tenantId } = await requireApiKey(request, WEBHOOKS_MANAGE_SCOPE);
 *     return { webhooks: await store.list(tenantId) };
 *   });
 */
export async function requireApiKey(request: FastifyRequest, scope: ApiKeyScope): Promise<ApiKeyPrincipal> {
  const presented = presentedApiKey(request);
  if (!presented) throw new UnauthorizedError('an API key is required: Authorization: Bearer cck_… or X-API-Key: cck_…');
  if (!request.server.hasDecorator('apiKeyAuthenticator')) throw new Error('apiKeyAuthPlugin was not registered on the app');
  const record = await request.server.apiKeyAuthenticator.authenticate(presented);
  if (!record) throw new UnauthorizedError('unknown or revoked API key');
  if (!record.scopes.includes(scope)) throw new ForbiddenError(`this API key lacks the scope ${scope}`);
  const principal: ApiKeyPrincipal = { tenantId: record.tenantId, apiKeyId: record.apiKeyId, scopes: [...record.scopes] };
  request.apiKey = principal;
  return principal;
}

/** The API key in `X-API-Key`, or in `Authorization: Bearer` when it looks like one (a JWT there is not ours). */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(cck_\S+)$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}
