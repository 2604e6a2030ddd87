/**
 * Canned responses with placeholders, end to end through the gateway with
 * the services as processes: an admin writes one (a broken template is
 * refused), visitors open sessions with their names, an agent sends the
 * canned response by id, and each visitor reads it with their own name, the
 * agent's and the conversation's filled in, in their language, on the
 * WebSocket and in the conversation, with the canned response id kept.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { gatewayClient, poll, type Credential, type GatewayClient } from '../support/gatewayClient';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

describe('canned responses with placeholders', () => {
  let stack: TestStack;
  let api: GatewayClient;
  const tenant = `canned-${randomUUID().slice(0, 8)}`;
  let admin: Credential;
  let agent: Credential;
  let widget: { widgetKey: string; identitySecret: string };

  beforeAll(async () => {
    stack = await startTestStack();
    api = gatewayClient(stack.gatewayUrl);
    admin = { bearer: stack.token(tenant, 'root', ['admin']) };
    agent = { bearer: stack.token(tenant, 'priya') };
    await api.ok('PUT', '/v1/admin/agents/priya', admin, { displayName: 'Priya Nair', languages: ['en'], capacity: { chat: 3 } });
    widget = await api.ok('POST', '/v1/admin/widget-keys', admin);
  });

  afterAll(async () => {
    await stack?.teardown();
  });

  const session = async (body: Record<string, string>) => api.ok<{ token: string; customerId: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey: widget.widgetKey, ...body });
  const verified = (customerId: string, name: string) => session({ customerId, identityHash: createHmac('sha256', widget.identitySecret).update(customerId).digest('hex'), name });
  const start = async (token: string, language: string) => (await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', { bearer: token }, { language })).conversationId;
  const messagesOf = async (token: string, id: string) =>
    (await api.ok<{ messages: { text: string; authorId: string; language?: string; cannedResponseId?: string }[] }>('GET', `/v1/visitor/conversations/${id}`, { bearer: token })).messages;

  it('refuses a canned response with an unknown placeholder or a stray brace, naming the version', async () => {
    const typo = await api.call('PUT', '/v1/admin/canned-responses/typo', admin, { title: 'Typo', versions: { en: 'Hi {{customer.nmae}}!' } });
    expect(typo.status).toBe(400);
    expect(typo.json).toMatchObject({ code: 'validation', field: 'canned_response.versions[en]', detail: expect.stringContaining('unknown placeholder {{customer.nmae}}; known: {{customer.name}}') });
    const stray = await api.call('PUT', '/v1/admin/canned-responses/typo', admin, { title: 'Typo', versions: { en: 'Hi!', es: 'Hola {{customer.name}' } });
    expect(stray.status).toBe(400);
    expect(stray.json).toMatchObject({ field: 'canned_response.versions[es]' });
    const listed = await api.ok<{ cannedResponses: { cannedResponseId: string }[] }>('GET', '/v1/canned-responses', agent);
    expect(listed.cannedResponses.map((c) => c.cannedResponseId)).not.toContain('typo');
  });

  it('sends the version in the visitor\'s language with their name, the agent\'s and the conversation id filled in', async () => {
    await api.ok('PUT', '/v1/admin/canned-responses/greeting', admin, {
      title: 'Greeting',
      versions: {
        en: 'Hi {{customer.first_name | there}}, {{agent.first_name}} here. Your reference: {{conversation.id}}.',
        es: '¡Hola, {{ customer.first_name | }}! Soy {{agent.name}}.',
      },
    });
    const ken = await verified(`ken-${randomUUID().slice(0, 6)}`, 'Ken Abe');
    const lucia = await session({ name: 'Lucía Fernández' });
    const anonymous = await session({});
    const [kenId, luciaId, anonymousId] = [await start(ken.token, 'en'), await start(lucia.token, 'es-ES'), await start(anonymous.token, 'en')];

    const socket = await api.openSocket('/v1/realtime', ken.token);
    try {
      for (const id of [kenId, luciaId, anonymousId]) {
        const sent = await api.call('POST', `/v1/conversations/${id}/messages`, agent, { cannedResponseId: 'greeting' });
        expect([id, sent.status]).toEqual([id, 201]);
      }
      const expected = `Hi Ken, Priya here. Your reference: ${kenId}.`;
      // Ken reads it live on his WebSocket, as posted: rendered, with the canned response id.
      const pushed = await poll(async () => socket.frames.find((f) => f.type === 'contactcenter.conversation.v1.MessagePosted' && f.subject === kenId && JSON.stringify(f).includes('AUTHOR_KIND_AGENT')), 20_000, 'the reply on Ken\'s socket');
      expect(pushed).toMatchObject({ data: { message: { text: expected, cannedResponseId: 'greeting', authorId: 'priya' } } });
      expect(await messagesOf(ken.token, kenId)).toEqual([expect.objectContaining({ text: expected, cannedResponseId: 'greeting', language: 'en' })]);
      expect(await messagesOf(lucia.token, luciaId)).toEqual([expect.objectContaining({ text: '¡Hola, Lucía! Soy Priya Nair.', cannedResponseId: 'greeting', language: 'es' })]);
      expect(await messagesOf(anonymous.token, anonymousId)).toEqual([expect.objectContaining({ text: `Hi there, Priya here. Your reference: ${anonymousId}.` })]);
    } finally {
      socket.close();
    }
  });

  it('fills in an agent\'s edited wording too, refuses an unknown canned response, and needs text without one', async () => {
    const ken = await verified(`ken-${randomUUID().slice(0, 6)}`, 'Ken Abe');
    const id = await start(ken.token, 'en');
    const edited = await api.call('POST', `/v1/conversations/${id}/messages`, agent, { cannedResponseId: 'greeting', text: 'Welcome back, {{customer.name}}!', language: 'en' });
    expect(edited.status).toBe(201);
    expect(await messagesOf(ken.token, id)).toEqual([expect.objectContaining({ text: 'Welcome back, Ken Abe!', cannedResponseId: 'greeting' })]);
    // Typed text is the agent's own: placeholders are filled in only in canned responses.
    await api.ok('POST', `/v1/conversations/${id}/messages`, agent, { text: 'Literally {{customer.name}}' });
    expect((await messagesOf(ken.token, id)).map((m) => m.text)).toContain('Literally {{customer.name}}');

    const unknown = await api.call('POST', `/v1/conversations/${id}/messages`, agent, { cannedResponseId: 'nope' });
    expect(unknown.status).toBe(404);
    const neither = await api.call('POST', `/v1/conversations/${id}/messages`, agent, {});
    expect(neither.json).toMatchObject({ status: 400, field: 'text' });
    // Another tenant's agent cannot use this tenant's canned responses, nor learn the customer's name.
    const outsider = await api.call('POST', `/v1/conversations/${id}/messages`, { bearer: stack.token('other-tenant', 'priya') }, { cannedResponseId: 'greeting' });
    expect(outsider.status).toBe(404);
    expect(outsider.text).not.toContain('Ken');
    expect((await messagesOf(ken.token, id)).length).toBe(2);
  });

  it('knows a customer by tenant: the same customer id in another tenant is someone else', async () => {
    const customerId = `ken-${randomUUID().slice(0, 6)}`;
    await verified(customerId, 'Ken Abe');
    const other = `canned-other-${randomUUID().slice(0, 8)}`;
    const otherAdmin = { bearer: stack.token(other, 'root', ['admin']) };
    const otherWidget = await api.ok<{ widgetKey: string; identitySecret: string }>('POST', '/v1/admin/widget-keys', otherAdmin);
    await api.ok('PUT', '/v1/admin/canned-responses/hello', otherAdmin, { title: 'Hello', versions: { en: 'Hello {{customer.name | there}}' } });
    const theirs = await api.ok<{ token: string }>('POST', '/v1/visitor/sessions', undefined, {
      widgetKey: otherWidget.widgetKey,
      customerId,
      identityHash: createHmac('sha256', otherWidget.identitySecret).update(customerId).digest('hex'),
    });
    const id = await start(theirs.token, 'en');
    await api.ok('POST', `/v1/conversations/${id}/messages`, { bearer: stack.token(other, 'bo') }, { cannedResponseId: 'hello' });
    expect((await messagesOf(theirs.token, id)).map((m) => m.text)).toEqual(['Hello there']);
  });

  it('refuses a visitor name that is no name', async () => {
    const res = await api.call('POST', '/v1/visitor/sessions', undefined, { widgetKey: widget.widgetKey, name: '{{agent.name}}' });
    expect(res.json).toMatchObject({ status: 400, field: 'name' });
  });
});
