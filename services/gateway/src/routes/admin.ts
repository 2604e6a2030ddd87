import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import type { KeyReplication } from '../regions/keyReplication';
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

/** Said of every write in multi-region mode, where each key is kept in every region (regions/keyReplication.ts). */
const EVERY_REGION = ' With several regions it is done in every region before it is answered: when a region cannot be reached the answer is 503 `region_unavailable` naming it, and ';

/**
 * Tenant administration: widget keys of the admin's own tenant. With
 * `replication` (multi-region mode), every create, change and revocation is
 * made in every region before it is answered.
 */
export async function adminRoutes(app: FastifyInstance, opts: { widgetKeys: WidgetKeys; replication?: KeyReplication }) {
  const { widgetKeys, replication } = opts;
  // The body is optional: a key without allowed origins works from servers and apps, not from browsers.
  app.post<{ Body: { allowedOrigins?: string[] } | null }>(
    '/admin/widget-keys',
    idempotent({
      schema: {
        operationId: 'createWidgetKey',
        tags: ['admin'],
        security,
        description:
          'Creates a widget key; its identity secret is shown in this answer only. The key works in every region (a visitor whose conversation lives in another region is served there).' +
          `${EVERY_REGION}the key is created in no region (try again).`,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { allowedOrigins: allowedOriginsSchema } },
        response: { 201: widgetKeySchema, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      const key = await widgetKeys.create(p.tenantId, parseAllowedOrigins(request.body?.allowedOrigins ?? []));
      await replication?.apply(request, 'widget-keys', key.widgetKey, { method: 'PUT', record: key }, { here: () => widgetKeys.discard(p.tenantId, key.widgetKey), elsewhere: { method: 'DELETE' } });
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
        description: `Replaces the key's allowed origins.${EVERY_REGION}every region keeps the origins it had.`,
        params: widgetKeyParams,
        body: { type: 'object', required: ['allowedOrigins'], additionalProperties: false, properties: { allowedOrigins: allowedOriginsSchema } },
        response: { 200: widgetKeySchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const origins = parseAllowedOrigins(request.body.allowedOrigins);
      const before = replication && (await widgetKeys.get(request.params.widgetKey));
      const updated = await widgetKeys.setAllowedOrigins(p.tenantId, request.params.widgetKey, origins);
      // Undone origins only: a revocation made meanwhile stays (setAllowedOrigins and copies never un-revoke).
      const previous = before?.allowedOrigins ?? [];
      await replication?.apply(request, 'widget-keys', updated.widgetKey, { method: 'PUT', record: updated }, {
        here: async () => void (await widgetKeys.setAllowedOrigins(p.tenantId, updated.widgetKey, previous)),
        elsewhere: { method: 'PUT', record: { ...updated, allowedOrigins: previous } },
      });
      return viewOf(updated);
    },
  );

  app.get(
    '/admin/widget-keys',
    { schema: { operationId: 'listWidgetKeys', tags: ['admin'], security, response: { 200: { type: 'object', properties: { widgetKeys: { type: 'array', items: widgetKeySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      return { widgetKeys: (await widgetKeys.list(p.tenantId)).map(viewOf) };
    },
  );

  app.delete<{ Params: { widgetKey: string } }>(
    '/admin/widget-keys/:widgetKey',
    {
      schema: {
        operationId: 'revokeWidgetKey',
        tags: ['admin'],
        security,
        description:
          `Revokes the key: its visitor sessions are refused and their live sockets end.${EVERY_REGION}` +
          'the key stays revoked in the regions reached (a revocation is never undone); repeat the request (it is idempotent) to reach the others.',
        params: widgetKeyParams,
        response: { '4xx': problem },
      },
    },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      await widgetKeys.revoke(p.tenantId, request.params.widgetKey);
      const revoked = replication && (await widgetKeys.get(request.params.widgetKey));
      if (revoked) await replication!.apply(request, 'widget-keys', revoked.widgetKey, { method: 'PUT', record: revoked });
      return reply.code(204).send();
    },
  );
}
