import { ValidationError } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { API_KEY_SCOPES, isApiKeyScope, type ApiKeyScope } from '../plugins/apiKeyAuth';
import { requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import type { KeyReplication } from '../regions/keyReplication';
import type { ApiKeyRecord, ApiKeys } from '../store/apiKeys';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const apiKeySchema = {
  type: 'object',
  properties: {
    apiKeyId: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...API_KEY_SCOPES] } },
    createdAt: { type: 'string', format: 'date-time' },
    revoked: { type: 'boolean' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
} as const;
const createdSchema = { ...apiKeySchema, properties: { ...apiKeySchema.properties, key: { type: 'string', description: 'Shown once; only its SHA-256 is kept.' } } } as const;

interface CreateBody {
  name: string;
  scopes: string[];
}

/** What an admin may see of a key: never the key or its hash. */
const viewOf = (k: ApiKeyRecord) => ({
  apiKeyId: k.apiKeyId,
  name: k.name,
  scopes: k.scopes,
  createdAt: k.createdAt,
  revoked: k.revokedAt !== undefined,
  ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
});

/**
 * Tenant administration: integrators' API keys of the admin's own tenant.
 * With `replication` (multi-region mode), every create and revocation is
 * made in every region before it is answered.
 */
export async function apiKeyRoutes(app: FastifyInstance, opts: { apiKeys: ApiKeys; replication?: KeyReplication }) {
  const { apiKeys, replication } = opts;
  app.post<{ Body: CreateBody }>(
    '/admin/api-keys',
    idempotent({
      schema: {
        operationId: 'createApiKey',
        tags: ['admin'],
        security,
        description:
          'Creates an API key, shown in this answer only. With several regions the key is created in every region before it is answered, so it works in each: ' +
          'when a region cannot be reached the answer is 503 `region_unavailable` naming it, and the key is created in no region (try again).',
        // Scope names are checked in the handler so an unknown one is a 400 naming `scopes`.
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes'],
          properties: { name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' }, maxItems: 16 } },
        },
        response: { 201: createdSchema, '4xx': problem },
      },
      // Authenticate before validating: an anonymous caller learns nothing about the body's rules.
      preValidation: async (request) => {
        await requireStaff(request, ['admin']);
      },
    }),
    async (request, reply) => {
      const p = request.principal!;
      const name = request.body.name.trim();
      if (name.length < 1 || name.length > 100) throw new ValidationError('name', 'must be 1-100 characters');
      const scopes = request.body.scopes;
      if (scopes.length === 0) throw new ValidationError('scopes', `must name at least one of ${API_KEY_SCOPES.join(', ')}`);
      const unknown = scopes.filter((s) => !isApiKeyScope(s));
      if (unknown.length > 0) throw new ValidationError('scopes', `unknown scope ${JSON.stringify(unknown[0])}; known: ${API_KEY_SCOPES.join(', ')}`);
      const { key, record } = await apiKeys.create(p.tenantId, { name, scopes: scopes as ApiKeyScope[] });
      await replication?.apply(request, 'api-keys', record.apiKeyId, { method: 'PUT', record }, { here: () => apiKeys.discard(p.tenantId, record.apiKeyId), elsewhere: { method: 'DELETE' } });
      request.log.info({ apiKeyId: record.apiKeyId, scopes: record.scopes }, 'API key created');
      return reply.code(201).send({ ...viewOf(record), key });
    },
  );

  app.get(
    '/admin/api-keys',
    { schema: { operationId: 'listApiKeys', tags: ['admin'], security, response: { 200: { type: 'object', properties: { apiKeys: { type: 'array', items: apiKeySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      return { apiKeys: (await apiKeys.list(p.tenantId)).map(viewOf) };
    },
  );

  app.delete<{ Params: { apiKeyId: string } }>(
    '/admin/api-keys/:apiKeyId',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags: ['admin'],
        security,
        description:
          'Revokes the key: it is refused from the next request on and its open event streams end. With several regions it is revoked in every region before it is answered: ' +
          'when a region cannot be reached the answer is 503 `region_unavailable` naming it, and the key stays revoked in the regions reached (a revocation is never undone); repeat the request (it is idempotent) to reach the others.',
        params: { type: 'object', properties: { apiKeyId: { type: 'string', maxLength: 64 } } },
        response: { '4xx': problem },
      },
    },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      await apiKeys.revoke(p.tenantId, request.params.apiKeyId);
      // The record as revoked here, revokedAt included: every region then says the same time.
      const revoked = replication && (await apiKeys.get(request.params.apiKeyId));
      if (revoked) await replication!.apply(request, 'api-keys', revoked.apiKeyId, { method: 'PUT', record: revoked });
      request.log.info({ apiKeyId: request.params.apiKeyId }, 'API key revoked');
      return reply.code(204).send();
    },
  );
}
