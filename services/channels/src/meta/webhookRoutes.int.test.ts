import { createLogger } from '@contactcenter/infra';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { pageDelivery, pageText, postSignedWebhook, signedWebhook, whatsAppDelivery, whatsAppStatus, whatsAppText } from '../../../../test/support/fakeGraphApi';
import type { ChannelEndpoint, ChannelKind, DeliveryUpdate, EndpointDirectory, InboundMessage, InboundSink, ReceiveOutcome } from '../channel/adapter';
import { metaWebhookRoutes } from './webhookRoutes';

class MemoryDirectory implements EndpointDirectory {
  readonly endpoints: ChannelEndpoint[] = [];
  async find(channel: ChannelKind, endpointId: string) {
    return this.endpoints.find((e) => e.channel === channel && e.endpointId === endpointId);
  }
}

class MemorySink implements InboundSink {
  readonly received: InboundMessage[] = [];
  readonly deliveries: DeliveryUpdate[] = [];
  next: ReceiveOutcome | undefined;
  async receive(message: InboundMessage): Promise<ReceiveOutcome> {
    const outcome = this.next ?? { kind: 'recorded', tenantId: 't1', conversationId: 'c1', messageId: `m${this.received.length}`, started: true };
    if (outcome.kind !== 'refused') this.received.push(message);
    return outcome;
  }
  async delivery(update: DeliveryUpdate) {
    this.deliveries.push(update);
  }
}

const secret = 'wa-app-secret';
const phoneNumberId = `1065${Date.now()}`;
const pageId = `6824${Date.now()}`;
const igId = `1784${Date.now()}`;

let app: FastifyInstance;
let directory: MemoryDirectory;
let sink: MemorySink;
let registry: Registry;

beforeEach(async () => {
  directory = new MemoryDirectory();
  directory.endpoints.push(
    { tenantId: 't1', channel: 'whatsapp', endpointId: phoneNumberId, queueId: '', appSecret: secret, accessToken: 'tok' },
    { tenantId: 't1', channel: 'messenger', endpointId: pageId, queueId: '', appSecret: 'page-secret', accessToken: 'tok' },
    { tenantId: 't2', channel: 'instagram', endpointId: igId, queueId: '', appSecret: 'ig-secret', accessToken: 'tok' },
  );
  sink = new MemorySink();
  registry = new Registry();
  app = Fastify();
  await app.register(metaWebhookRoutes, {
    directory,
    sink,
    verifyToken: (channel) => (channel === 'whatsapp' ? 'verify-me' : undefined),
    logger: createLogger('channels-test', 'silent'),
    registry,
  });
  await app.ready();
});

afterEach(async () => {
  await app.close();
});

const refusedCount = async (channel: string, reason: string) =>
  (await registry.getSingleMetric('channels_webhook_refused_total')!.get()).values.find((v) => v.labels.channel === channel && v.labels.reason === reason)?.value ?? 0;

const post = (channel: string, appSecret: string, payload: unknown) => {
  const signed = signedWebhook(appSecret, payload);
  return app.inject({ method: 'POST', url: `/channels/${channel}/webhook`, headers: signed.headers, payload: signed.payload });
};

describe('subscription handshake', () => {
  it('echoes the challenge for the configured verify token', async () => {
    const res = await app.inject({ url: '/channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('1158201444');
  });

  it('refuses a wrong token, and any token where none is configured, with 403', async () => {
    const wrong = await app.inject({ url: '/channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json()).toMatchObject({ status: 403, code: 'invalid_verify_token' });
    const unconfigured = await app.inject({ url: '/channels/messenger/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1' });
    expect(unconfigured.statusCode).toBe(403);
    expect(await refusedCount('whatsapp', 'invalid_verify_token')).toBe(1);
  });

  it('answers 400 to a request that is not a handshake', async () => {
    expect((await app.inject({ url: '/channels/instagram/webhook' })).statusCode).toBe(400);
  });
});

describe('deliveries', () => {
  it('hands a signed WhatsApp message to the sink and answers 200', async () => {
    const res = await post('whatsapp', secret, whatsAppText({ phoneNumberId, from: '16505551234', id: 'wamid.IN1', text: 'Is it in stock?' }));
    expect(res.statusCode).toBe(200);
    expect(sink.received).toEqual([
      expect.objectContaining({
        channel: 'whatsapp',
        endpointId: phoneNumberId,
        externalMessageId: 'wamid.IN1',
        from: { identity: 'whatsapp:+16505551234', displayName: 'Sheena Nelson' },
        threadKeys: [`whatsapp:${phoneNumberId}:+16505551234`],
        text: 'Is it in stock?',
      }),
    ]);
  });

  it('refuses a bad or missing signature with 401 and hands nothing on', async () => {
    const payload = whatsAppText({ phoneNumberId, from: '16505551234', id: 'wamid.IN2', text: 'hi' });
    const bad = await post('whatsapp', 'not-the-secret', payload);
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ type: 'https://contactcenter.dev/problems/invalid_signature', title: 'Invalid signature', status: 401, code: 'invalid_signature' });
    const missing = await app.inject({ method: 'POST', url: '/channels/whatsapp/webhook', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    expect(missing.statusCode).toBe(401);
    // Signed, then altered: the signature covers the bytes.
    const signed = signedWebhook(secret, payload);
    const altered = await app.inject({ method: 'POST', url: '/channels/whatsapp/webhook', headers: signed.headers, payload: signed.payload.replace('hi', 'ho') });
    expect(altered.statusCode).toBe(401);
    expect(sink.received).toEqual([]);
    expect(await refusedCount('whatsapp', 'invalid_signature')).toBe(3);
  });

  it('refuses an unknown phone number id with 404 before anything is handed on', async () => {
    const res = await post('whatsapp', secret, whatsAppText({ phoneNumberId: '999', from: '16505551234', id: 'wamid.IN3', text: 'hi' }));
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 404, code: 'unknown_endpoint' });
    expect(sink.received).toEqual([]);
    expect(await refusedCount('whatsapp', 'unknown_endpoint')).toBe(1);
  });

  it('does not accept a page signed with another endpoint\'s secret', async () => {
    const res = await post('messenger', secret, pageText({ channel: 'messenger', endpointId: pageId, sender: 'PSID-1', mid: 'm_1', text: 'hi' }));
    expect(res.statusCode).toBe(401);
  });

  it('maps WhatsApp statuses to delivery updates', async () => {
    const res = await post(
      'whatsapp',
      secret,
      whatsAppDelivery(phoneNumberId, {
        statuses: [
          whatsAppStatus({ phoneNumberId, id: 'wamid.OUT1', status: 'read', recipient: '16505551234', at: new Date('2025-03-10T12:00:00Z') }),
          whatsAppStatus({ phoneNumberId, id: 'wamid.OUT2', status: 'failed', recipient: '16505551234', errors: [{ code: 131026, title: 'Message undeliverable' }] }),
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(sink.deliveries).toEqual([
      { channel: 'whatsapp', endpointId: phoneNumberId, externalMessageId: 'wamid.OUT1', status: 'read', at: new Date('2025-03-10T12:00:00Z') },
      expect.objectContaining({ externalMessageId: 'wamid.OUT2', status: 'failed', detail: 'Message undeliverable (131026)' }),
    ]);
  });

  it('hands Messenger messages and delivery receipts, and Instagram messages, each with its endpoint', async () => {
    const messenger = pageDelivery('messenger', pageId, [
      { sender: { id: 'PSID-1' }, recipient: { id: pageId }, timestamp: 1_700_000_000_000, message: { mid: 'm_in', text: 'hello' } },
      { sender: { id: 'PSID-1' }, recipient: { id: pageId }, timestamp: 1_700_000_000_500, delivery: { mids: ['m_out'], watermark: 1_700_000_000_400 } },
    ]);
    expect((await post('messenger', 'page-secret', messenger)).statusCode).toBe(200);
    const instagram = pageText({ channel: 'instagram', endpointId: igId, sender: 'IGSID-1', mid: 'aWdf', text: 'hola' });
    expect((await post('instagram', 'ig-secret', instagram)).statusCode).toBe(200);
    expect(sink.received.map((m) => [m.channel, m.endpointId, m.from.identity, m.text])).toEqual([
      ['messenger', pageId, 'messenger:PSID-1', 'hello'],
      ['instagram', igId, 'instagram:IGSID-1', 'hola'],
    ]);
    expect(sink.deliveries).toEqual([
      { channel: 'messenger', endpointId: pageId, externalMessageId: 'm_out', status: 'delivered', at: new Date(1_700_000_000_500) },
    ]);
  });

  it('takes the known pages of a batch and skips a page no tenant has', async () => {
    const payload = {
      object: 'page',
      entry: [
        { id: pageId, time: 1, messaging: [{ sender: { id: 'P1' }, recipient: { id: pageId }, timestamp: 1, message: { mid: 'm_known', text: 'a' } }] },
        { id: 'removed-page', time: 1, messaging: [{ sender: { id: 'P2' }, recipient: { id: 'removed-page' }, timestamp: 1, message: { mid: 'm_unknown', text: 'b' } }] },
      ],
    };
    expect((await post('messenger', 'page-secret', payload)).statusCode).toBe(200);
    expect(sink.received.map((m) => m.externalMessageId)).toEqual(['m_known']);
    expect(await refusedCount('messenger', 'unknown_endpoint')).toBe(1);
  });

  it('answers 503 when the sink is unavailable, so Meta redelivers', async () => {
    sink.next = { kind: 'refused', reason: 'unavailable', detail: 'event store down' };
    const res = await post('whatsapp', secret, whatsAppText({ phoneNumberId, from: '1', id: 'wamid.IN4', text: 'hi' }));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json()).toMatchObject({ code: 'unavailable' });
  });

  it('acknowledges a message the sink finds invalid (a redelivery would fail again)', async () => {
    sink.next = { kind: 'refused', reason: 'invalid', detail: 'text too long' };
    const res = await post('whatsapp', secret, whatsAppText({ phoneNumberId, from: '1', id: 'wamid.IN5', text: 'hi' }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['not JSON', '{"object":', 'application/json'],
    ['the wrong shape', JSON.stringify({ object: 'whatsapp_business_account', entry: 'x' }), 'application/json'],
    ['the wrong object', JSON.stringify({ object: 'page', entry: [] }), 'application/json'],
  ])('answers 400 problem JSON to %s', async (_name, body, contentType) => {
    const res = await app.inject({ method: 'POST', url: '/channels/whatsapp/webhook', headers: { 'content-type': contentType, 'x-hub-signature-256': 'sha256=00' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, code: 'malformed_payload' });
    expect(sink.received).toEqual([]);
  });

  it('answers problem JSON to a body that is not JSON at all', async () => {
    const text = await app.inject({ method: 'POST', url: '/channels/whatsapp/webhook', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(400);
    expect(text.json()).toMatchObject({ code: 'malformed_payload', detail: 'expected an application/json body' });
    const xml = await app.inject({ method: 'POST', url: '/channels/whatsapp/webhook', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.headers['content-type']).toContain('application/problem+json');
    expect(sink.received).toEqual([]);
  });

  it('acknowledges a delivery that names no endpoint it handles (a template review)', async () => {
    const payload = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }] };
    expect((await post('whatsapp', 'anything', payload)).statusCode).toBe(200);
  });

  it('keeps the app\'s own JSON parser outside the plugin', async () => {
    const outer = Fastify();
    outer.post('/echo', async (request) => request.body);
    await outer.register(metaWebhookRoutes, { directory, sink, verifyToken: () => undefined, logger: createLogger('channels-test', 'silent') });
    const res = await outer.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ a: 1 });
    await outer.close();
  });

  it('takes a signed delivery over HTTP as Meta posts it', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await postSignedWebhook(`${address}/channels/whatsapp/webhook`, secret, whatsAppText({ phoneNumberId, from: '3531', id: 'wamid.HTTP', text: 'over the wire' }));
    expect(res.status).toBe(200);
    expect(sink.received.map((m) => m.text)).toEqual(['over the wire']);
  });
});
