import { FakeGraphApi, graphErrors, whatsAppDelivery } from '../../../../test/support/fakeGraphApi';
import type { ChannelEndpoint, OutboundMessage } from '../channel/adapter';
import { MetaAdapter } from './graphSender';
import { parseWhatsAppDelivery } from './whatsapp/inbound';

const HOUR = 60 * 60 * 1000;
const now = new Date('2025-03-10T12:00:00.000Z');
const phoneNumberId = `1065${Date.now()}`;
const pageId = `6824${Date.now()}`;

const endpoint = (channel: ChannelEndpoint['channel'], endpointId: string, accessToken = 'good-token'): ChannelEndpoint => ({
  tenantId: 't1',
  channel,
  endpointId,
  queueId: '',
  appSecret: 'secret',
  accessToken,
});
const outbound = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  tenantId: 't1',
  conversationId: 'c1',
  messageId: 'msg-1',
  endpoint: endpoint('whatsapp', phoneNumberId),
  to: 'whatsapp:+16505551234',
  text: 'Yes, in red and blue.',
  ...over,
});

let graph: FakeGraphApi;
let adapter: MetaAdapter;

beforeAll(async () => {
  graph = await FakeGraphApi.start({ tokens: ['good-token'], now: () => now });
});
afterAll(async () => {
  await graph.stop();
});
beforeEach(() => {
  graph.requests.length = 0;
  graph.statuses.length = 0;
  adapter = new MetaAdapter({ graphApiUrl: graph.url, graphApiVersion: 'v21.0', now: () => now });
});

describe('WhatsApp', () => {
  it('sends free text to the phone number id with the bearer token and returns the wamid', async () => {
    const result = await adapter.send(outbound());
    expect(result).toEqual({ ok: true, externalMessageId: expect.stringMatching(/^wamid\./) });
    expect(graph.requests).toEqual([
      {
        method: 'POST',
        path: `/v21.0/${phoneNumberId}/messages`,
        authorization: 'Bearer good-token',
        body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: '16505551234', type: 'text', text: { preview_url: false, body: 'Yes, in red and blue.' } },
      },
    ]);
  });

  it('sends a template with its body parameters in order', async () => {
    const result = await adapter.send(outbound({ template: { name: 'order_update', language: 'en_US', parameters: ['Ken', '#1042'] } }));
    expect(result.ok).toBe(true);
    expect(graph.requests[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ken' }, { type: 'text', text: '#1042' }] }],
      },
    });
  });

  it('refuses free text outside the 24-hour window before calling Meta, and sends a template there', async () => {
    const windowed = new MetaAdapter({ graphApiUrl: graph.url, now: () => now, lastCustomerMessageAt: async () => new Date(now.getTime() - 25 * HOUR) });
    expect(await windowed.send(outbound())).toMatchObject({ ok: false, retryable: false, code: 'outside_window' });
    expect(graph.requests).toEqual([]);
    expect(await windowed.send(outbound({ template: { name: 'follow_up', language: 'en', parameters: [] } }))).toMatchObject({ ok: true });
    expect(graph.requests[0]!.body).toMatchObject({ type: 'template', template: { name: 'follow_up', language: { code: 'en' } } });
    expect((graph.requests[0]!.body as { template: object }).template).not.toHaveProperty('components');
  });

  it('without a window lookup, Meta accepts late free text and reports 131047 in a failed status', async () => {
    graph.setLastInbound('4915550001', new Date(now.getTime() - 25 * HOUR));
    const result = await adapter.send(outbound({ to: 'whatsapp:+4915550001' }));
    expect(result.ok).toBe(true);
    const [update] = parseWhatsAppDelivery(whatsAppDelivery(phoneNumberId, { statuses: graph.statuses })).events;
    expect(update).toMatchObject({
      kind: 'delivery',
      update: { externalMessageId: result.ok ? result.externalMessageId : '', status: 'failed', detail: expect.stringContaining('(131047)') },
    });
  });

  it('maps a 131047 error answer to not retryable', async () => {
    const strict = await FakeGraphApi.start({ now: () => now, windowRefusal: 'response' });
    try {
      strict.setLastInbound('16505551234', new Date(now.getTime() - 24 * HOUR));
      const result = await new MetaAdapter({ graphApiUrl: strict.url }).send(outbound());
      expect(result).toMatchObject({ ok: false, retryable: false, code: 'outside_window', detail: expect.stringContaining('code 131047') });
    } finally {
      await strict.stop();
    }
  });
});

describe('Messenger and Instagram', () => {
  const messenger = (over: Partial<OutboundMessage> = {}) => outbound({ endpoint: endpoint('messenger', pageId), to: 'messenger:PSID-1', ...over });

  it('sends a RESPONSE to /me/messages and returns the message id', async () => {
    const result = await adapter.send(messenger());
    expect(result).toEqual({ ok: true, externalMessageId: expect.stringMatching(/^m_/) });
    expect(graph.requests[0]).toMatchObject({
      path: '/v21.0/me/messages',
      authorization: 'Bearer good-token',
      body: { recipient: { id: 'PSID-1' }, messaging_type: 'RESPONSE', message: { text: 'Yes, in red and blue.' } },
    });
  });

  it('tags a reply HUMAN_AGENT between 24 hours and 7 days, and refuses one later without calling Meta', async () => {
    let last = new Date(now.getTime() - 30 * HOUR);
    graph.setLastInbound('IGSID-1', last);
    const windowed = new MetaAdapter({ graphApiUrl: graph.url, now: () => now, lastCustomerMessageAt: async () => last });
    const instagram = messenger({ endpoint: endpoint('instagram', pageId), to: 'instagram:IGSID-1' });
    expect(await windowed.send(instagram)).toMatchObject({ ok: true });
    expect(graph.requests[0]!.body).toEqual({ recipient: { id: 'IGSID-1' }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Yes, in red and blue.' } });
    last = new Date(now.getTime() - 8 * 24 * HOUR);
    expect(await windowed.send(instagram)).toMatchObject({ ok: false, retryable: false, code: 'outside_window' });
    expect(graph.requests).toHaveLength(1);
  });

  it('maps Meta refusing an untagged reply after 24 hours to not retryable', async () => {
    graph.setLastInbound('PSID-late', new Date(now.getTime() - 48 * HOUR));
    const result = await adapter.send(messenger({ to: 'messenger:PSID-late' }));
    expect(result).toMatchObject({ ok: false, retryable: false, code: 'outside_window', detail: expect.stringContaining('subcode 2018278') });
  });
});

describe('failures', () => {
  it('a rate limit is retryable', async () => {
    graph.failNext(graphErrors.rateLimited());
    expect(await adapter.send(outbound())).toMatchObject({ ok: false, retryable: true, code: 'rate_limited', detail: expect.stringContaining('130429') });
  });

  it('a server error is retryable after the Retry-After Meta gave', async () => {
    graph.failNext({ ...graphErrors.serverError(), status: 503, retryAfter: '3' });
    expect(await adapter.send(outbound())).toEqual({ ok: false, retryable: true, retryAfterMs: 3000, code: 'provider_unavailable', detail: expect.any(String) });
  });

  it('a bad token is not retryable', async () => {
    const result = await adapter.send(outbound({ endpoint: endpoint('whatsapp', phoneNumberId, 'revoked-token') }));
    expect(result).toMatchObject({ ok: false, retryable: false, code: 'invalid_token', detail: expect.stringContaining('code 190') });
  });

  it('an invalid parameter is not retryable and carries Meta\'s words', async () => {
    graph.failNext(graphErrors.invalidParameter('template name does not exist in en_US'));
    expect(await adapter.send(outbound())).toMatchObject({ ok: false, retryable: false, code: 'graph_100', detail: expect.stringContaining('template name does not exist') });
  });

  it('an unreachable Graph API is retryable', async () => {
    const gone = await FakeGraphApi.start();
    await gone.stop();
    expect(await new MetaAdapter({ graphApiUrl: gone.url }).send(outbound())).toMatchObject({ ok: false, retryable: true, code: 'network_error' });
  });

  it('refuses without calling Meta when the endpoint has no token or the recipient is not on the channel', async () => {
    expect(await adapter.send(outbound({ endpoint: { ...endpoint('whatsapp', phoneNumberId), accessToken: undefined } }))).toMatchObject({ retryable: false, code: 'endpoint_not_configured' });
    expect(await adapter.send(outbound({ to: 'email:ken@example.com' }))).toMatchObject({ retryable: false, code: 'invalid_recipient' });
    expect(await adapter.send(outbound({ endpoint: endpoint('email', 'support@shop.example') }))).toMatchObject({ retryable: false, code: 'unsupported_channel' });
    expect(graph.requests).toEqual([]);
  });
});
