import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import { allowedOriginsSchema, parseAllowedOrigins } from '../schemas/origins';
import type { WidgetKey, WidgetKeys } from '../store/widgetKeys';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const widgetKeySchema = {
  type: 'object',
  properties: {
    widgetKey: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revoked: { type: 'boolean' },
    allowedOrigins: { type: 'array', items: { type: 'string' } },
    identitySecret: { type: 'string' },
  },
} as const;
const widgetKeyParams = { type: 'object', properties: { widgetKey: { type: 'string', maxLength: 64 } } } as const;
/** What an admin sees of a key after creation: never the identity secret again. */
const viewOf = (k: WidgetKey) => ({ widgetKey: k.widgetKey, createdAt: k.createdAt, revoked: k.revoked, allowedOrigins: k.allowedOrigins ?? [] });

/** Tenant administration: widget keys of the admin's own tenant. */
export async function adminRoutes(app: FastifyInstance, opts: { widgetKeys: WidgetKeys }) {
  // The body is optional: a key without allowed origins works from servers and apps, not from browsers.
  app.post<{ Body: { allowedOrigins?: string[] } | null }>(
    '/admin/widget-keys',
    idempotent({
      schema: {
        operationId: 'createWidgetKey',
        tags: ['admin'],
        security,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { allowedOrigins: allowedOriginsSchema } },
        response: { 201: widgetKeySchema, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      const key = await opts.widgetKeys.create(p.tenantId, parseAllowedOrigins(request.body?.allowedOrigins ?? []));
      // The identity secret is shown once, to be kept on the tenant's server.
      return reply.code(201).send({ ...viewOf(key), identitySecret: key.identitySecret });
    },
  );

  app.patch<{ Params: { widgetKey: string }; Body: { allowedOrigins: string[] } }>(
    '/admin/widget-keys/:widgetKey',
    {
      schema: {
        operationId: 'updateWidgetKey',
        tags: ['admin'],
        security,
        params: widgetKeyParams,
        body: { type: 'object', required: ['allowedOrigins'], additionalProperties: false, properties: { allowedOrigins: allowedOriginsSchema } },
        response: { 200: widgetKeySchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const origins = parseAllowedOrigins(request.body.allowedOrigins);
      return viewOf(await opts.widgetKeys.setAllowedOrigins(p.tenantId, request.params.widgetKey, origins));
    },
  );

  app.get(
    '/admin/widget-keys',
    { schema: { operationId: 'listWidgetKeys', tags: ['admin'], security, response: { 200: { type: 'object', properties: { widgetKeys: { type: 'array', items: widgetKeySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      return { widgetKeys: (await opts.widgetKeys.list(p.tenantId)).map(viewOf) };
    },
  );

  app.delete<{ Params: { widgetKey: string } }>(
    '/admin/widget-keys/:widgetKey',
    { schema: { operationId: 'revokeWidgetKey', tags: ['admin'], security, params: widgetKeyParams, response: { '4xx': problem } } },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      await opts.widgetKeys.revoke(p.tenantId, request.params.widgetKey);
      return reply.code(204).send();
    },
  );
}
