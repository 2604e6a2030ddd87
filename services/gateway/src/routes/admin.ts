import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../plugins/auth';
import type { WidgetKeys } from '../store/widgetKeys';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const widgetKeySchema = {
  type: 'object',
  properties: { widgetKey: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, revoked: { type: 'boolean' }, identitySecret: { type: 'string' } },
} as const;

/** Tenant administration: widget keys of the admin's own tenant. */
export async function adminRoutes(app: FastifyInstance, opts: { widgetKeys: WidgetKeys }) {
  app.post(
    '/admin/widget-keys',
    { schema: { tags: ['admin'], security, response: { 201: widgetKeySchema, '4xx': problem } } },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      const key = await opts.widgetKeys.create(p.tenantId);
      // The identity secret is shown once, to be kept on the tenant's server.
      return reply.code(201).send({ widgetKey: key.widgetKey, createdAt: key.createdAt, revoked: false, identitySecret: key.identitySecret });
    },
  );

  app.get(
    '/admin/widget-keys',
    { schema: { tags: ['admin'], security, response: { 200: { type: 'object', properties: { widgetKeys: { type: 'array', items: widgetKeySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      return { widgetKeys: (await opts.widgetKeys.list(p.tenantId)).map((k) => ({ widgetKey: k.widgetKey, createdAt: k.createdAt, revoked: k.revoked })) };
    },
  );

  app.delete<{ Params: { widgetKey: string } }>(
    '/admin/widget-keys/:widgetKey',
    { schema: { tags: ['admin'], security, params: { type: 'object', properties: { widgetKey: { type: 'string', maxLength: 64 } } }, response: { '4xx': problem } } },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      await opts.widgetKeys.revoke(p.tenantId, request.params.widgetKey);
      return reply.code(204).send();
    },
  );
}
