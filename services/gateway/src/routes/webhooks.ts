import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireStaff } from '../plugins/auth';
import { presentedApiKey, requireApiKey, WEBHOOKS_MANAGE_SCOPE } from '../plugins/apiKeyAuth';
import { nextDeliveryRecord } from '../webhooks/deliveryRecord';
import type { DeliveryQueue } from '../webhooks/deliveryQueue';
import { DEFAULT_DELIVERY_TIMEOUT_MS, postCloudEvent } from '../webhooks/httpDelivery';
import { validateDescription, validateEventTypes, validateWebhookUrl } from '../webhooks/webhookRules';
import type { DeliveryRecord, Webhook, WebhookStore } from '../webhooks/webhookStore';

export interface WebhookRoutesOptions {
  store: WebhookStore;
  queue: DeliveryQueue;
  /** Accept http:// URLs to 127.0.0.1/localhost (WEBHOOKS_ALLOW_INSECURE; development and tests). */
  allowInsecureUrls: boolean;
  timeoutMs?: number;
}

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
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

const publicWebhook = ({ secret: _secret, tenantId: _tenant, ...rest }: Webhook) => rest;
const publicDelivery = ({ event: _event, tenantId: _tenant, ...rest }: DeliveryRecord) => rest;

/**
 * Webhook subscriptions of the caller's tenant (see webhooks/deliveryEngine.ts
 * for delivery and webhooks/signature.ts for the signature scheme).
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions) {
  app.post<{ Body: { url: string; eventTypes: string[]; description?: string } }>(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        security,
        // Field checks live in webhookRules so that each 400 names its field.
        body: { type: 'object', required: ['url', 'eventTypes'], additionalProperties: false, properties: { url: {}, eventTypes: {}, description: {} } },
        response: { 201: { type: 'object', properties: { ...webhookProps, secret: { type: 'string' } } }, '4xx': problem },
      },
    },
    async (request, reply) => {
      const tenantId = await webhookManager(request);
      const input = {
        url: validateWebhookUrl(request.body.url, opts.allowInsecureUrls),
        eventTypes: validateEventTypes(request.body.eventTypes),
        description: validateDescription(request.body.description),
      };
      const webhook = await opts.store.create(tenantId, input);
      // The secret is shown once, to be kept by the receiver.
      return reply.code(201).send({ ...publicWebhook(webhook), secret: webhook.secret });
    },
  );

  app.get('/webhooks', { schema: { tags: ['webhooks'], security, response: { 200: { type: 'object', properties: { webhooks: { type: 'array', items: webhookSchema } } }, '4xx': problem } } }, async (request) => {
    const tenantId = await webhookManager(request);
    return { webhooks: (await opts.store.list(tenantId)).map(publicWebhook) };
  });

  app.delete<{ Params: { id: string } }>(
    '/webhooks/:id',
    { schema: { tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam } }, response: { '4xx': problem } } },
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
    { schema: { tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam, deliveryId: idParam } }, response: { 200: deliverySchema, '4xx': problem } } },
    async (request) => {
      const tenantId = await webhookManager(request);
      const webhook = await opts.store.get(tenantId, request.params.id);
      const kept = await opts.store.getDelivery(tenantId, webhook.webhookId, request.params.deliveryId);
      // One attempt now, answered in the response; no retries: the caller decides what next.
      const outcome = await postCloudEvent(webhook, kept.deliveryId, kept.event, { timeoutMs: opts.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS });
      const record = nextDeliveryRecord({ ...kept, enqueuedAt: kept.firstAttemptAt }, kept, 1, outcome);
      await opts.store.putDelivery(record);
      return publicDelivery(record);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/replay-failed',
    { schema: { tags: ['webhooks'], security, params: { type: 'object', properties: { id: idParam } }, response: { 202: { type: 'object', properties: { replayed: { type: 'integer' } } }, '4xx': problem } } },
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
