/**
 * Webhooks end to end against a real NATS server: events published into the
 * events stream as the services do, delivered by the engine to a local
 * node:http receiver, managed through the REST routes.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { apiKeyAuthPlugin } from '../plugins/apiKeyAuth';
import { authPlugin } from '../plugins/auth';
import { problemPlugin } from '../plugins/problem';
import { webhookRoutes } from '../routes/webhooks';
import type { ApiKeyRecord } from '../store/apiKeys';
import { WebhookDeliveryEngine } from './deliveryEngine';
import { DeliveryQueue } from './deliveryQueue';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { WebhookStore } from './webhookStore';
import { GATEWAY_AJV } from '../schemas/ajvOptions';

const SECRET = 's'.repeat(48);
const API_KEY = 'cck_test_webhooks';
const API_KEY_TENANT = `t-key-${randomUUID().slice(0, 6)}`;

let server: TestNats;
let nats: NatsConnection;
let js: JetStreamClient;
let app: FastifyInstance;
let engine: WebhookDeliveryEngine;
let receiver: Server;
let receiverUrl: string;

interface Received { path: string; headers: IncomingHttpHeaders; body: string }
const received: Received[] = [];
/** Per path: status codes to answer in turn (the last one repeats); 200 when unset. */
const answers = new Map<string, number[]>();
/** Receivers listen on loopback, so the operator allows it; names never reach DNS. */
const policy = new OutboundAddressPolicy({
  allowedNetworks: ['127.0.0.0/8'],
  resolve: async (host) => Promise.reject(Object.assign(new Error(`no DNS in this test: ${host}`), { code: 'ENOTFOUND' })),
});

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('webhooks-test', 'silent');
  nats = await connectNats(server.url, 'webhooks-test', logger);
  await ensureEventStream(await jetstreamManager(nats));
  js = jetstream(nats);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const queue = answers.get(path) ?? [200];
      const status = queue.length > 1 ? queue.shift()! : queue[0]!;
      res.writeHead(status, status >= 300 && status < 400 ? { location: `/moved${path}` } : {}).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const store = await WebhookStore.open(nats);
  const queue = await DeliveryQueue.open(nats);
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger, ajv: GATEWAY_AJV });
  problemPlugin(app);
  await authPlugin(app, { secret: SECRET });
  const keyRecord: ApiKeyRecord = { apiKeyId: 'k1', tenantId: API_KEY_TENANT, name: 'test', scopes: ['webhooks:manage'], keyHash: 'x', createdAt: new Date().toISOString() };
  apiKeyAuthPlugin(app, { authenticator: { authenticate: async (k: string) => (k === API_KEY ? keyRecord : undefined) } });
  await app.register(webhookRoutes, { prefix: '/v1', store, queue, allowInsecureUrls: true, policy, timeoutMs: 1_000 });
  engine = await WebhookDeliveryEngine.start({ nats, logger, store, queue, policy, retryScheduleMs: [100, 200], retryJitter: 0, timeoutMs: 1_000 });
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
  await new Promise((r) => receiver?.close(r));
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const admin = (tid: string) => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid, sub: 'admin-1', roles: ['admin'] })}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function createWebhook(tid: string, path: string, eventTypes: string[], headers: Record<string, string> = admin(tid)) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { url: `${receiverUrl}${path}`, eventTypes } });
  expect(res.statusCode).toBe(201);
  const body = res.json<{ webhookId: string; secret: string }>();
  await until('the engine to see the webhook', () => engine.webhooksOf(tid).some((w) => w.webhookId === body.webhookId));
  return body;
}

async function publish(tid: string, context: string, type: string) {
  const id = randomUUID();
  const msg = encodeCloudEventMessage(
    `cc.${tid}.${context}.${type}`,
    { id, source: `/contactcenter/test/${context}`, type: `contactcenter.${context}.v1.${type}`, subject: 'c-1', time: new Date(), tenantid: tid },
    { conversationId: 'c-1' },
  );
  await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
  return id;
}

const at = (path: string) => received.filter((r) => r.path === path);

describe('webhook delivery', () => {
  it('POSTs matching events as signed structured CloudEvents, and nothing else', async () => {
    const tid = tenant();
    const path = `/ok-${randomUUID()}`;
    const { secret } = await createWebhook(tid, path, ['contactcenter.conversation.v1.MessagePosted']);
    await publish(tid, 'conversation', 'ConversationStarted');
    const eventId = await publish(tid, 'conversation', 'MessagePosted');
    const [hit] = await until('a delivery', () => at(path).length > 0 && at(path));
    await sleep(300);
    expect(at(path)).toHaveLength(1);
    const h = hit!.headers;
    expect(h['content-type']).toBe('application/cloudevents+json');
    expect(h['webhook-id']).toMatch(/^dlv_/);
    // As a receiver verifies it, with the Standard Webhooks library.
    expect(new StandardWebhook(secret).verify(hit!.body, h as Record<string, string>)).toMatchObject({ id: eventId });
    expect(JSON.parse(hit!.body)).toMatchObject({ specversion: '1.0', id: eventId, type: 'contactcenter.conversation.v1.MessagePosted', tenantid: tid, data: { conversationId: 'c-1' } });
  });

  it('never delivers another tenant’s events', async () => {
    const mine = tenant();
    const path = `/mine-${randomUUID()}`;
    await createWebhook(mine, path, ['*']);
    await publish(tenant(), 'conversation', 'MessagePosted');
    const own = await publish(mine, 'routing', 'OfferMade');
    await until('own delivery', () => at(path).length > 0);
    await sleep(300);
    expect(at(path).map((r) => JSON.parse(r.body).id)).toEqual([own]);
  });

  it('retries a failing receiver until it answers 2xx: one success, same Webhook-Id throughout', async () => {
    const tid = tenant();
    const path = `/flaky-${randomUUID()}`;
    answers.set(path, [500, 503, 200]);
    const { webhookId } = await createWebhook(tid, path, ['contactcenter.conversation.v1.*']);
    await publish(tid, 'conversation', 'MessagePosted');
    await until('three attempts', () => at(path).length >= 3);
    await sleep(500);
    expect(at(path)).toHaveLength(3);
    expect(new Set(at(path).map((r) => r.headers['webhook-id'])).size).toBe(1);
    const res = await app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) });
    expect(res.json().deliveries).toEqual([]);
  });

  it('keeps a delivery that failed every attempt, and replays it once the receiver is fixed', async () => {
    const tid = tenant();
    const path = `/down-${randomUUID()}`;
    answers.set(path, [500]);
    const { webhookId } = await createWebhook(tid, path, ['*']);
    const eventId = await publish(tid, 'presence', 'AgentStatusChanged');
    const failed = await until('a failed delivery', async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) });
      return res.json().deliveries.length > 0 && res.json().deliveries;
    });
    expect(at(path)).toHaveLength(3);
    expect(failed[0]).toMatchObject({ webhookId, eventId, status: 'failed', attempts: 3, lastStatusCode: 500 });

    answers.set(path, [200]);
    const replay = await app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/deliveries/${failed[0].deliveryId}/replay`, headers: admin(tid) });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 200 });
    expect(at(path)).toHaveLength(4);
    expect(JSON.parse(at(path)[3]!.body).id).toBe(eventId);
    const after = await app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) });
    expect(after.json().deliveries).toEqual([]);
  });

  it('replay-failed re-queues every failed delivery of the webhook', async () => {
    const tid = tenant();
    const path = `/later-${randomUUID()}`;
    answers.set(path, [500]);
    const { webhookId } = await createWebhook(tid, path, ['*']);
    await publish(tid, 'conversation', 'MessagePosted');
    await publish(tid, 'conversation', 'MessagePosted');
    const list = () => app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries`, headers: admin(tid) }).then((r) => r.json().deliveries as { status: string }[]);
    await until('two failed deliveries', async () => (await list()).filter((d) => d.status === 'failed').length === 2);
    answers.set(path, [200]);
    const res = await app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/replay-failed`, headers: admin(tid) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 2 });
    await until('both replayed', async () => (await list()).every((d) => d.status === 'succeeded'));
  });

  it('stops delivering once the webhook is deleted', async () => {
    const tid = tenant();
    const path = `/gone-${randomUUID()}`;
    const { webhookId } = await createWebhook(tid, path, ['*']);
    expect((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${webhookId}`, headers: admin(tid) })).statusCode).toBe(204);
    await until('the engine to forget it', () => engine.webhooksOf(tid).length === 0);
    await publish(tid, 'conversation', 'MessagePosted');
    await sleep(300);
    expect(at(path)).toHaveLength(0);
  });
});

describe('webhook signing secrets (Standard Webhooks)', () => {
  const verifies = (secret: string, r: Received) => {
    try {
      new StandardWebhook(secret).verify(r.body, r.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  it('rotates a secret: the new one is shown once, and both sign real deliveries during the grace period', async () => {
    const tid = tenant();
    const path = `/rotate-${randomUUID()}`;
    const { webhookId, secret: first } = await createWebhook(tid, path, ['*']);
    await publish(tid, 'conversation', 'MessagePosted');
    await until('a delivery signed with the first secret', () => at(path).length === 1);
    expect(verifies(first, at(path)[0]!)).toBe(true);

    const res = await app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/rotate-secret`, headers: admin(tid) });
    expect(res.statusCode).toBe(200);
    const { secret: second, previousSecretExpiresAt } = res.json<{ secret: string; previousSecretExpiresAt: string }>();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    await until('the engine to see the new secret', () => engine.webhooksOf(tid).some((w) => w.secret === second));

    await publish(tid, 'conversation', 'MessagePosted');
    const [, during] = await until('a delivery during the rotation', () => at(path).length === 2 && at(path));
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([verifies(first, during!), verifies(second, during!), verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, during!)]).toEqual([true, true, false]);

    const listed = (await app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin(tid) })).json().webhooks[0];
    expect(listed.secret).toBeUndefined();
    expect(listed.retiringSecrets).toBeUndefined();
    expect((await app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/rotate-secret`, headers: admin(tenant()) })).statusCode).toBe(404);
  });
});

describe('webhook delivery failures', () => {
  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const tid = tenant();
    const path = `/redirect-${randomUUID()}`;
    answers.set(path, [302]);
    const { webhookId } = await createWebhook(tid, path, ['*']);
    await publish(tid, 'conversation', 'MessagePosted');
    const [failed] = await until('a failed delivery', async () => {
      const d = (await app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) })).json().deliveries;
      return d.length > 0 && d;
    });
    expect(failed).toMatchObject({ lastStatusCode: 302, lastError: 'HTTP 302' });
    expect(at(path)).toHaveLength(3);
    expect(at(`/moved${path}`)).toHaveLength(0);
  });

  it('records a generic reason, never the socket error, when the receiver cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const tid = tenant();
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin(tid), payload: { url: `http://127.0.0.1:${port}/gone`, eventTypes: ['*'] } });
    const { webhookId } = res.json<{ webhookId: string }>();
    await until('the engine to see the webhook', () => engine.webhooksOf(tid).length === 1);
    await publish(tid, 'conversation', 'MessagePosted');
    const [failed] = await until('a failed delivery', async () => {
      const d = (await app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) })).json().deliveries;
      return d.length > 0 && d;
    });
    expect(failed.lastError).toBe('connection failed');
    expect(failed.lastStatusCode).toBeUndefined();
  });
});

describe('webhook management', () => {
  it('accepts an API key with webhooks:manage, scoped to the key’s tenant', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': API_KEY }, payload: { url: `${receiverUrl}/k`, eventTypes: ['*'], description: 'crm sync' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ url: `${receiverUrl}/k`, eventTypes: ['*'], description: 'crm sync', secret: expect.stringMatching(/^whsec_/) });
    const list = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(list.json().webhooks.map((w: { webhookId: string }) => w.webhookId)).toContain(res.json().webhookId);
    expect(list.json().webhooks[0].secret).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: { 'x-api-key': 'cck_wrong' } })).statusCode).toBe(401);
  });

  it('requires an admin: agents get 403, anonymous callers 401', async () => {
    const tid = tenant();
    const agent = { authorization: `Bearer ${signStaffToken(SECRET, { tid, sub: 'a', roles: ['agent'] })}` };
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: agent })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks' })).statusCode).toBe(401);
  });

  it.each([
    [{ url: 'ftp://x/h', eventTypes: ['*'] }, 'url'],
    [{ url: 'https://user:pw@example.com/h', eventTypes: ['*'] }, 'url'],
    [{ url: 'https://10.0.0.1/h', eventTypes: ['*'] }, 'url'],
    [{ url: 'http://169.254.169.254/latest/meta-data/', eventTypes: ['*'] }, 'url'],
    [{ url: 'https://example.com/h', eventTypes: ['contactcenter.billing.v1.Paid'] }, 'eventTypes'],
    [{ url: 'https://example.com/h', eventTypes: [] }, 'eventTypes'],
    [{ url: 'https://example.com/h', eventTypes: Array.from({ length: 21 }, (_, i) => `contactcenter.conversation.v1.T${i}`) }, 'eventTypes'],
    [{ url: 'https://example.com/h', eventTypes: ['*'], description: 42 }, 'description'],
  ])('answers 400 naming the field for %j', async (payload, field) => {
    const tid = tenant();
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin(tid), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', field });
  });

  it('refuses unknown fields rather than ignoring them, and registers nothing', async () => {
    const tid = tenant();
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin(tid), payload: { url: 'https://example.com/h', eventTypes: ['*'], secret: 'mine' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', detail: expect.stringContaining('additional properties') });
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin(tid) })).json().webhooks).toEqual([]);
  });

  it('answers 404 for another tenant’s webhook and for unknown deliveries', async () => {
    const owner = tenant();
    const other = tenant();
    const { webhookId } = await createWebhook(owner, '/x', ['*']);
    for (const [method, url] of [
      ['DELETE', `/v1/webhooks/${webhookId}`],
      ['GET', `/v1/webhooks/${webhookId}/deliveries`],
      ['POST', `/v1/webhooks/${webhookId}/replay-failed`],
      ['POST', `/v1/webhooks/${webhookId}/deliveries/dlv_x/replay`],
    ] as const) {
      expect((await app.inject({ method, url, headers: admin(other) })).statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/deliveries/dlv_nope/replay`, headers: admin(owner) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin(other) })).json().webhooks).toEqual([]);
  });
});
