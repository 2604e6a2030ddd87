import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import { presentedApiKey, requireApiKey, WEBHOOKS_MANAGE_SCOPE } from '../plugins/apiKeyAuth';
import { nextDeliveryRecord } from '../webhooks/deliveryRecord';
import type { DeliveryQueue } from '../webhooks/deliveryQueue';
import { DEFAULT_DELIVERY_TIMEOUT_MS, postCloudEvent } from '../webhooks/httpDelivery';
import { validateDescription, validateEventTypes, validateWebhookUrl } from '../webhooks/webhookRules';
import { SECRET_ROTATION_GRACE_MS } from '../webhooks/webhookSecrets';
import type { DeliveryRecord, Webhook, WebhookStore } from '../webhooks/webhookStore';

export interface WebhookRoutesOptions {
  store: WebhookStore;
  queue: DeliveryQueue;
  /** Accept http:// URLs (WEBHOOKS_ALLOW_INSECURE; development and tests). */
  allowInsecureUrls: boolean;
  /** Where webhook URLs may point, checked at registration and on every delivery (one instance per app). */
  policy: OutboundAddressPolicy;
  timeoutMs?: number;
}

const problem = { $ref: 'problem#' } as const;
// An admin's token or an integrator's API key with webhooks:manage.
const security: Record<string, string[]>[] = [{ agentToken: [] }, { apiKey: [] }];
const idParam = { type: 'string', maxLength: 64 } as const;
const webhookProps = {
  webhookId: { type: 'string' },
  url: { type: 'string' },
  eventTypes: { type: 'array', items: { type: 'string' } },
  description: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
} as const;
const webhookSchema = { type: 'object', properties: webhookProps } as const;
const deliverySchema = {
  type: 'object',
  properties: {
    deliveryId: { type: 'string' },
    webhookId: { type: 'string' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    status: { type: 'string', enum: ['failed', 'succeeded'] },
    attempts: { type: 'integer' },
    lastStatusCode: { type: 'integer' },
    lastError: { type: 'string' },
    firstAttemptAt: { type: 'string', format: 'date-time' },
    lastAttemptAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The tenant of an admin's JWT or of an API key with `webhooks:manage`, whichever the request carries. */
async function webhookManager(request: FastifyRequest): Promise<string> {
  if (presentedApiKey(request) !== undefined) return (await requireApiKey(request, WEBHOOKS_MANAGE_SCOPE)).tenantId;
  return (await requireStaff(request, ['admin'])).tenantId;
}

const publicWebhook = ({ secret: _secret, retiringSecrets: _retiring, tenantId: _tenant, ...rest }: Webhook) => rest;
const publicDelivery = ({ event: _event, tenantId: _tenant, ...rest }: DeliveryRecord) => rest;

/**
 * Webhook subscriptions of the caller's tenant (see webhooks/deliveryEngine.ts
 * for delivery and webhooks/signature.ts for the signature scheme).
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions) {
  app.post<{ Body: { url: string; eventTypes: string[]; description?: string } }>(
    '/webhooks',
    idempotent({
      schema: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        security,
        // Field checks live in webhookRules so that each 400 names its field.
        body: { type: 'object', required: ['url', 'eventTypes'], additionalProperties: false, properties: { url: {}, eventTypes: {}, description: {} } },
        response: { 201: { type: 'object', properties: { ...webhookProps, secret: { type: 'string' } } }, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const tenantId = await webhookManager(request);
      const input = {
        url: validateWebhookUrl(request.body.url, opts.allowInsecureUrls),
        eventTypes: validateEventTypes(request.body.eventTypes),
        description: validateDescription(request.body.description),
      };
      // Last, once the cheap checks passed: resolves the host, refuses private, loopback, metadata… addresses.
      await opts.policy.checkUrl(input.url, 'url');
      const webhook = await opts.store.create(tenantId, input);
      // The secret is shown once, to be kept by the receiver.
      return reply.code(201).send({ ...publicWebhook(webhook), secret: webhook.secret });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/rotate-secret',
    // A retried rotation must not rotate twice: the secret of the first answer would be lost.
    idempotent({
      schema: {
        operationId: 'rotateWebhookSecret',
        tags: ['webhooks'],
        security,
        description: `Replaces the webhook's signing secret. The new secret is shown once, here; the old one keeps signing alongside it (several signatures in \`webhook-signature\`) until \`previousSecretExpiresAt\` (${SECRET_ROTATION_GRACE_MS / 3_600_000} h), so receivers can switch without missing a delivery.`,
        params: { type: 'object', properties: { id: idParam } },
        response: { 200: { type: 'object', properties: { webhookId: { type: 'string' }, secret: { type: 'string' }, previousSecretExpiresAt: { type: 'string', format: 'date-time' } } }, '4xx': problem },
      },
    }),
    async (request) => {
      const tenantId = await webhookManager(request);
      const rotated = await opts.store.rotateSecret(tenantId, request.params.id);
      return { webhookId: rotated.webhookId, secret: rotated.secret, previousSecretExpiresAt: rotated.retiringSecrets![0]!.expiresAt };
    },
  );

  app.get('/webhooks', { schema: { operationId: 'listWebhooks', tags: ['webhooks'], security, response: { 200: { type: 'object', properties: { webhooks: { type: 'array', items: webhookSchema } } }, '4xx': problem } } }, async (request) => {
    const tenantId = await webhookManager(request);
    return { webhooks: (await opts.store.list(tenantId)).map(publicWebhook) };
  });

  app.delete<{ Params: { id: string } }>(
    '/webhooks/:id',
    { schema: { operationId: 'deleteWebhook', tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam } }, response: { '4xx': problem } } },
    async (request, reply) => {
      const tenantId = await webhookManager(request);
      await opts.store.delete(tenantId, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { status?: 'failed' | 'succeeded' } }>(
    '/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        security,
        params: { type: 'object', properties: { id: idParam } },
        querystring: { type: 'object', properties: { status: { type: 'string', enum: ['failed', 'succeeded'] } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } } }, '4xx': problem },
      },
    },
    async (request) => {
      const tenantId = await webhookManager(request);
      await opts.store.get(tenantId, request.params.id);
      return { deliveries: (await opts.store.listDeliveries(tenantId, request.params.id, request.query.status)).map(publicDelivery) };
    },
  );

  app.post<{ Params: { id: string; deliveryId: string } }>(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    { schema: { operationId: 'replayWebhookDelivery', tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam, deliveryId: idParam } }, response: { 200: deliverySchema, '4xx': problem } } },
    async (request) => {
      const tenantId = await webhookManager(request);
      const webhook = await opts.store.get(tenantId, request.params.id);
      const kept = await opts.store.getDelivery(tenantId, webhook.webhookId, request.params.deliveryId);
      // One attempt now, answered in the response; no retries: the caller decides what next.
      const outcome = await postCloudEvent(webhook, kept.deliveryId, kept.event, { policy: opts.policy, timeoutMs: opts.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS });
      const record = nextDeliveryRecord({ ...kept, enqueuedAt: kept.firstAttemptAt }, kept, 1, outcome);
      await opts.store.putDelivery(record);
      return publicDelivery(record);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/replay-failed',
    { schema: { operationId: 'replayFailedWebhookDeliveries', tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam } }, response: { 202: { type: 'object', properties: { replayed: { type: 'integer' } } }, '4xx': problem } } },
    async (request, reply) => {
      const tenantId = await webhookManager(request);
      const webhook = await opts.store.get(tenantId, request.params.id);
      const failed = await opts.store.listDeliveries(tenantId, webhook.webhookId, 'failed');
      // Each goes back to the delivery queue with a fresh retry schedule; its record shows the outcome.
      const enqueuedAt = new Date().toISOString();
      for (const d of failed) await opts.queue.enqueue({ tenantId, webhookId: webhook.webhookId, deliveryId: d.deliveryId, event: d.event, enqueuedAt, replay: true });
      return reply.code(202).send({ replayed: failed.length });
    },
  );
}
