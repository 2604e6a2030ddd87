import { ValidationError } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { API_KEY_SCOPES, isApiKeyScope, type ApiKeyScope } from '../plugins/apiKeyAuth';
import { requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
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

/** Tenant administration: integrators' API keys of the admin's own tenant. */
export async function apiKeyRoutes(app: FastifyInstance, opts: { apiKeys: ApiKeys }) {
  app.post<{ Body: CreateBody }>(
    '/admin/api-keys',
    idempotent({
      schema: {
        operationId: 'createApiKey',
        tags: ['admin'],
        security,
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
      const { key, record } = await opts.apiKeys.create(p.tenantId, { name, scopes: scopes as ApiKeyScope[] });
      request.log.info({ apiKeyId: record.apiKeyId, scopes: record.scopes }, 'API key created');
      return reply.code(201).send({ ...viewOf(record), key });
    },
  );

  app.get(
    '/admin/api-keys',
    { schema: { operationId: 'listApiKeys', tags: ['admin'], security, response: { 200: { type: 'object', properties: { apiKeys: { type: 'array', items: apiKeySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      return { apiKeys: (await opts.apiKeys.list(p.tenantId)).map(viewOf) };
    },
  );

  app.delete<{ Params: { apiKeyId: string } }>(
    '/admin/api-keys/:apiKeyId',
    { schema: { operationId: 'revokeApiKey', tags: ['admin'], security, params: { type: 'object', properties: { apiKeyId: { type: 'string', maxLength: 64 } } }, response: { '4xx': problem } } },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      await opts.apiKeys.revoke(p.tenantId, request.params.apiKeyId);
      request.log.info({ apiKeyId: request.params.apiKeyId }, 'API key revoked');
      return reply.code(204).send();
    },
  );
}
