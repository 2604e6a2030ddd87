/**
 * Messaging apps end to end: WhatsApp Cloud API and Messenger webhooks into
 * the channels service (a process), conversations routed by social
 * capacity, agents' replies sent through the Graph API (a local server that
 * speaks its request and error format, test/support/fakeGraphApi.ts), and
 * delivery receipts recorded on the messages. Bad signatures, unknown
 * numbers and a wrong verify token are refused and write nothing.
 */
import { randomUUID } from 'node:crypto';
import { FakeGraphApi, graphErrors, pageText, postSignedWebhook, whatsAppDelivery, whatsAppMedia, whatsAppStatus, whatsAppText } from '../support/fakeGraphApi';
import { gatewayClient, poll, type GatewayClient } from '../support/gatewayClient';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

type Json = Record<string, any>;
const WAIT_MS = 30_000;
const PHONE_ID = '106540352242922';
const PAGE_ID = '1122334455';
const APP_SECRET = 'meta-app-secret-for-tests';
const TOKEN = 'EAAG-test-access-token';

describe('messaging apps: WhatsApp and Messenger conversations', () => {
  const tenant = `msg-${randomUUID().slice(0, 8)}`;
  let stack: TestStack;
  let api: GatewayClient;
  let graph: FakeGraphApi;
  let hooks: string;
  let admin: { bearer: string };
  let tom: { bearer: string };
  let beats: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    graph = await FakeGraphApi.start({ tokens: [TOKEN] });
    stack = await startTestStack({ extraEnv: { channels: { GRAPH_API_URL: graph.url, META_VERIFY_TOKEN: 'verify-me' } } });
    api = gatewayClient(stack.gatewayUrl);
    hooks = `http://127.0.0.1:${stack.ports.get('channels')!.httpPort}/channels`;
    admin = { bearer: stack.token(tenant, 'ada', ['admin']) };
    tom = { bearer: stack.token(tenant, 'tom', ['agent']) };
  });

  afterAll(async () => {
    if (beats) clearInterval(beats);
    await stack?.teardown();
    await graph?.stop();
  });

  const conversationOf = (id: string) => api.ok<Json>('GET', `/v1/conversations/${id}`, tom);
  const timeline = (customerId: string) => api.ok<Json>('GET', `/v1/customers/${encodeURIComponent(customerId)}/timeline`, tom);
  const messageOf = async (conversationId: string, messageId: string) => (await conversationOf(conversationId)).messages.find((m: Json) => m.messageId === messageId);

  it('answers the subscription handshake only with the verify token', async () => {
    const ok = await fetch(`${hooks}/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const wrong = await fetch(`${hooks}/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });

  it('turns WhatsApp and Messenger messages into routed conversations and sends the replies through the Graph API', async () => {
    await api.ok('PUT', '/v1/admin/queues/social', admin, { name: 'Social', channel: 'social', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 0, averageHandleSeconds: 300 });
    await api.ok('PUT', '/v1/admin/agents/tom', admin, { displayName: 'Tom', languages: ['en'], capacity: { chat: 1, social: 3 }, translationEnabled: false, teamIds: [] });
    const wa = await api.ok<Json>('PUT', `/v1/admin/channels/whatsapp/${PHONE_ID}`, admin, { queueId: 'social', appSecret: APP_SECRET, accessToken: TOKEN });
    expect(wa.endpoint).toMatchObject({ channel: 'whatsapp', endpointId: PHONE_ID, hasAppSecret: true, hasAccessToken: true });
    expect(JSON.stringify(wa)).not.toContain(APP_SECRET);
    await api.ok('PUT', `/v1/admin/channels/messenger/${PAGE_ID}`, admin, { queueId: 'social', appSecret: APP_SECRET, accessToken: TOKEN });
    await api.ok('PUT', '/v1/agents/me/status', tom, { status: 'online' });
    const beat = () => api.ok<Json>('POST', '/v1/agents/me/heartbeat', tom, { connectionId: 'desk' });
    await beat();
    beats = setInterval(() => void beat().catch(() => undefined), 5_000);

    // ── Refusals first: nothing of these may be written ──────────────────────
    const forged = await fetch(`${hooks}/whatsapp/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
      body: JSON.stringify(whatsAppText({ phoneNumberId: PHONE_ID, from: '16505550000', id: 'wamid.FORGED', text: 'forged' })),
    });
    expect([forged.status, forged.headers.get('content-type')]).toEqual([401, expect.stringContaining('application/problem+json')]);
    const unknown = await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, whatsAppText({ phoneNumberId: '999999999', from: '16505550000', id: 'wamid.UNKNOWN', text: 'hi' }));
    expect(unknown.status).toBe(404);
    expect((await timeline('whatsapp:+16505550000')).entries).toEqual([]);

    // ── A WhatsApp message, delivered twice by Meta, is recorded once ────────
    const inbound = whatsAppText({ phoneNumberId: PHONE_ID, from: '16505551234', name: 'Ken', id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdDNTQ', text: 'Is my order shipped?' });
    expect((await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, inbound)).status).toBe(200);
    expect((await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, inbound)).status).toBe(200);
    const entry = await poll(async () => (await timeline('whatsapp:+16505551234')).entries?.[0], WAIT_MS, 'the WhatsApp conversation');
    const conversationId = String(entry.conversation.conversationId);
    expect(entry.conversation).toMatchObject({ channel: 'social', channelProvider: 'whatsapp' });
    const assigned = await poll(async () => {
      const c = await conversationOf(conversationId);
      return c.assignedAgentId === 'tom' ? c : undefined;
    }, WAIT_MS, 'the WhatsApp conversation assigned to Tom');
    expect(assigned.messages.filter((m: Json) => m.authorKind === 'customer')).toHaveLength(1);
    const windowCloses = Date.parse(assigned.replyWindowClosesAt);
    expect(windowCloses - Date.parse(assigned.messages[0].postedAt)).toBe(24 * 3_600_000);

    // ── A photo: fetched from the Graph API with the number's token, served to staff ─
    const photo = Buffer.from('\xff\xd8\xff\xe0 a photo of the parcel label');
    const mediaId = graph.addMedia(photo, 'image/jpeg');
    await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, whatsAppMedia({ phoneNumberId: PHONE_ID, from: '16505551234', id: 'wamid.PHOTO1', mediaId, mimeType: 'image/jpeg', caption: 'the label' }));
    const withPhoto = await poll(async () => (await conversationOf(conversationId)).messages.find((m: Json) => m.text === '[image] the label'), WAIT_MS, 'the photo message');
    expect(withPhoto.attachments).toEqual([expect.objectContaining({ name: 'image', contentType: 'image/jpeg', sizeBytes: photo.length })]);
    const file = await fetch(`${stack.gatewayUrl}${withPhoto.attachments[0].url}`, { headers: { authorization: `Bearer ${tom.bearer}` } });
    expect(Buffer.from(await file.arrayBuffer()).equals(photo)).toBe(true);
    // A file that cannot be fetched leaves the message, with its label, and nothing attached.
    await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, whatsAppMedia({ phoneNumberId: PHONE_ID, from: '16505551234', id: 'wamid.PHOTO2', mediaId: '7', mimeType: 'image/png', caption: 'gone' }));
    const without = await poll(async () => (await conversationOf(conversationId)).messages.find((m: Json) => m.text === '[image] gone'), WAIT_MS, 'the message whose photo could not be fetched');
    expect(without.attachments).toEqual([]);

    // ── Tom replies; it goes out in the Cloud API's format ───────────────────
    const reply = await api.ok<Json>('POST', `/v1/conversations/${conversationId}/messages`, tom, { text: 'Yes, it left today.' });
    const sent = await poll(async () => graph.requests.find((r) => r.method === 'POST' && r.path === `/v21.0/${PHONE_ID}/messages`), WAIT_MS, 'the reply at the Graph API');
    expect(sent.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.body).toMatchObject({ messaging_product: 'whatsapp', to: '16505551234', type: 'text', text: { body: 'Yes, it left today.' } });
    const withId = await poll(async () => {
      const m = await messageOf(conversationId, reply.messageId);
      return m?.delivery?.status === 'sent' ? m : undefined;
    }, WAIT_MS, 'the reply recorded as sent');
    expect(withId.delivery.willRetry).toBe(false);
    const wamid = graph.sentIds[0]!;
    expect(wamid).toMatch(/^wamid\./);

    // ── Receipts: delivered, read; a late "delivered" does not move it back ──
    const status = (s: string) => whatsAppDelivery(PHONE_ID, { statuses: [whatsAppStatus({ phoneNumberId: PHONE_ID, id: wamid, status: s, recipient: '16505551234' })] });
    await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, status('delivered'));
    await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, status('read'));
    await poll(async () => ((await messageOf(conversationId, reply.messageId))?.delivery?.status === 'read' ? true : undefined), WAIT_MS, 'the reply marked read');
    await postSignedWebhook(`${hooks}/whatsapp/webhook`, APP_SECRET, status('delivered'));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await messageOf(conversationId, reply.messageId)).delivery.status).toBe('read');

    // ── A template, and a provider refusal recorded on the message ───────────
    const template = await api.ok<Json>('POST', `/v1/conversations/${conversationId}/messages`, tom, { template: { name: 'order_update', language: 'en_US', parameters: ['Ken', '#1234'] } });
    const templated = await poll(async () => graph.requests.find((r) => (r.body as Json)?.type === 'template'), WAIT_MS, 'the template at the Graph API');
    expect(templated.body).toMatchObject({ template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ken' }, { type: 'text', text: '#1234' }] }] } });
    await poll(async () => ((await messageOf(conversationId, template.messageId))?.delivery?.status === 'sent' ? true : undefined), WAIT_MS, 'the template recorded as sent');
    graph.failNext(graphErrors.invalidToken());
    const refused = await api.ok<Json>('POST', `/v1/conversations/${conversationId}/messages`, tom, { text: 'One more thing.' });
    const failed = await poll(async () => {
      const m = await messageOf(conversationId, refused.messageId);
      return m?.delivery?.status === 'failed' ? m : undefined;
    }, WAIT_MS, 'the refused reply recorded as failed');
    expect(failed.delivery).toMatchObject({ willRetry: false, detail: expect.stringContaining('190') });

    // ── Messenger: a page message, and the reply to the sender's PSID ────────
    expect((await postSignedWebhook(`${hooks}/messenger/webhook`, APP_SECRET, pageText({ channel: 'messenger', endpointId: PAGE_ID, sender: '6543210987654321', mid: 'm_abc123', text: 'Hello from Messenger' }))).status).toBe(200);
    const page = await poll(async () => (await timeline('messenger:6543210987654321')).entries?.[0], WAIT_MS, 'the Messenger conversation');
    expect(page.conversation).toMatchObject({ channel: 'social', channelProvider: 'messenger' });
    const pageConversation = String(page.conversation.conversationId);
    await poll(async () => ((await conversationOf(pageConversation)).assignedAgentId === 'tom' ? true : undefined), WAIT_MS, 'the Messenger conversation assigned to Tom');
    await api.ok('POST', `/v1/conversations/${pageConversation}/messages`, tom, { text: 'Hi! How can I help?' });
    const toPage = await poll(async () => graph.requests.find((r) => r.path.endsWith('/me/messages')), WAIT_MS, 'the Messenger reply at the Graph API');
    expect(toPage.body).toMatchObject({ recipient: { id: '6543210987654321' }, messaging_type: 'RESPONSE', message: { text: 'Hi! How can I help?' } });
  });
});

