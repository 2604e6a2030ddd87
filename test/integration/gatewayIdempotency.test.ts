/**
 * Idempotent message posts through the gateway, services as processes: a
 * visitor's or agent's message retried with the same Idempotency-Key (or
 * client message id), one after another or at the same time, answers the
 * same message id and is written once.
 */
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

type Json = Record<string, any>;

describe('idempotent message posts', () => {
  let stack: TestStack;
  const tenant = `idem-${Date.now().toString(36)}`;
  let agent: string;
  let visitor: string;
  let conversationId: string;

  async function call(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }

  const messages = async () => (await call('GET', `/v1/visitor/conversations/${conversationId}`, visitor)).body.messages as Json[];

  beforeAll(async () => {
    stack = await startTestStack();
    agent = stack.token(tenant, 'tom', ['agent']);
    const key = await call('POST', '/v1/admin/widget-keys', stack.token(tenant, 'ada', ['admin']));
    visitor = (await call('POST', '/v1/visitor/sessions', undefined, { widgetKey: key.body.widgetKey })).body.token;
    conversationId = (await call('POST', '/v1/visitor/conversations', visitor, { language: 'en' })).body.conversationId;
  });
  afterAll(async () => stack?.teardown());

  it('writes a visitor message once however often it is retried, even at the same time', async () => {
    const path = `/v1/visitor/conversations/${conversationId}/messages`;
    const first = await call('POST', path, visitor, { text: 'Where is my parcel?' }, { 'idempotency-key': 'visit-1' });
    expect(first.status).toBe(201);
    const again = await call('POST', path, visitor, { text: 'Where is my parcel?' }, { 'idempotency-key': 'visit-1' });
    expect(again).toMatchObject({ status: 200, body: { messageId: first.body.messageId, duplicate: true } });
    const burst = await Promise.all(Array.from({ length: 8 }, () => call('POST', path, visitor, { text: 'Hello?' }, { 'idempotency-key': 'visit-2' })));
    expect(new Set(burst.map((r) => r.body.messageId)).size).toBe(1);
    expect(burst.filter((r) => r.status === 201)).toHaveLength(1);
    expect(burst.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const texts = (await messages()).map((m) => m.text);
    expect(texts.filter((t) => t === 'Where is my parcel?')).toHaveLength(1);
    expect(texts.filter((t) => t === 'Hello?')).toHaveLength(1);
  });

  it('takes the body\'s client message id as the same key, and refuses the two disagreeing', async () => {
    const path = `/v1/visitor/conversations/${conversationId}/messages`;
    const viaBody = await call('POST', path, visitor, { text: 'By body', clientMessageId: 'visit-3' });
    const viaHeader = await call('POST', path, visitor, { text: 'By body' }, { 'idempotency-key': 'visit-3' });
    expect(viaHeader.body.messageId).toBe(viaBody.body.messageId);
    const before = (await messages()).length;
    const clash = await call('POST', path, visitor, { text: 'Clash', clientMessageId: 'visit-4' }, { 'idempotency-key': 'visit-5' });
    expect(clash.status).toBe(400);
    expect(clash.body.code).toBe('validation');
    expect((await call('POST', path, visitor, { text: 'Bad key' }, { 'idempotency-key': 'has spaces in it' })).status).toBe(400);
    expect((await messages()).length).toBe(before);
  });

  it('writes an agent reply once', async () => {
    const path = `/v1/conversations/${conversationId}/messages`;
    const first = await call('POST', path, agent, { text: 'On its way.' }, { 'idempotency-key': 'reply-1' });
    expect(first.status).toBe(201);
    const again = await call('POST', path, agent, { text: 'On its way.' }, { 'idempotency-key': 'reply-1' });
    expect(again.body).toMatchObject({ messageId: first.body.messageId, duplicate: true });
    expect((await messages()).filter((m) => m.text === 'On its way.')).toHaveLength(1);
  });
});
