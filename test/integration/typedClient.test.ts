/**
 * The typed client (@contactcenter/client) against the real gateway and its
 * peers (the seven services as processes on fresh NATS and PostgreSQL), used
 * as an app would use it and through nothing else: an admin sets up a widget
 * key and an API key, a visitor opens a session with the widget key and
 * chats, an agent reads the conversation, a bad request comes back as a
 * typed ProblemError. The real-time socket and the SSE stream are cut while
 * messages are posted; each resumes by itself (after its last position,
 * with Last-Event-ID) and delivers every event once, in order.
 */
import { createClient, isEvent, ProblemError, type ContactCenterClient, type ContactCenterEvent, type WebSocketConstructor } from '@contactcenter/client';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

const MESSAGE_POSTED = 'contactcenter.conversation.v1.MessagePosted';

/** A door the test holds shut while it posts, so that a reconnect surely comes after the posts. */
function door() {
  let open: Promise<void> = Promise.resolve();
  let release = (): void => undefined;
  return {
    shut() {
      open = new Promise<void>((resolve) => (release = resolve));
    },
    open: () => release(),
    passage: () => open,
  };
}

const until = async (what: string, check: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const textsOf = (events: ContactCenterEvent[], conversationId: string) =>
  events.flatMap((e) => (isEvent(e, MESSAGE_POSTED) && e.data.conversationId === conversationId ? [e.data.message?.text ?? ''] : []));

describe('the typed client on the real gateway', () => {
  let stack: TestStack;
  const tenant = `tc-${Date.now().toString(36)}`;
  let admin: ContactCenterClient;
  let agent: ContactCenterClient;
  let supervisor: ContactCenterClient;
  const supervisorDoor = door();
  const closeAtEnd: { close(): void }[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    admin = createClient({ baseUrl: stack.gatewayUrl, token: stack.token(tenant, 'ada', ['admin']) });
    agent = createClient({ baseUrl: stack.gatewayUrl, token: stack.token(tenant, 'tom', ['agent']) });
    const supervisorToken = stack.token(tenant, 'sue', ['supervisor']);
    // A token function, as a desk that renews its token would pass: here it also lets the test hold a reconnect back.
    supervisor = createClient({
      baseUrl: stack.gatewayUrl,
      token: async () => {
        await supervisorDoor.passage();
        return supervisorToken;
      },
    });
  });
  afterAll(async () => {
    // Before the gateway goes: a socket or stream left open would try to reconnect to it for ever.
    for (const c of closeAtEnd) c.close();
    await stack?.teardown();
  });

  it('carries a visitor\'s chat to the agent, types a problem, and resumes the socket and the SSE stream without gap or duplicate', async () => {
    // Admin: a widget key for the site, an API key for the integrator.
    const { widgetKey } = await admin.POST('/v1/admin/widget-keys', { body: null });
    const { key: apiKey } = await admin.POST('/v1/admin/api-keys', { body: { name: 'crm', scopes: ['events:read'] } });
    expect(widgetKey).toMatch(/^wk_/);
    expect(apiKey).toMatch(/^cck_/);

    // A supervisor's socket on the whole tenant, through a WebSocket constructor that lets the test find and cut the current one.
    const sockets: WebSocket[] = [];
    class TrackedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const socketEvents: ContactCenterEvent[] = [];
    const live = supervisor.openRealtime({ WebSocket: TrackedWebSocket as unknown as WebSocketConstructor, scope: 'tenant', backoff: { initialMs: 50, maxMs: 200 }, onEvent: (e) => socketEvents.push(e) });
    closeAtEnd.push(live);
    await live.ready;

    // The integrator's stream of messages, through a fetch that lets the test cut the current response.
    const requests: { lastEventId: string | null; cut: AbortController }[] = [];
    const integratorDoor = door();
    const integrator = createClient({
      baseUrl: stack.gatewayUrl,
      apiKey: apiKey!,
      fetch: async (input, init) => {
        await integratorDoor.passage();
        const cut = new AbortController();
        init?.signal?.addEventListener('abort', () => cut.abort());
        requests.push({ lastEventId: new Headers(init?.headers).get('last-event-id'), cut });
        return fetch(input, { ...init, signal: cut.signal });
      },
    });
    const streamEvents: ContactCenterEvent[] = [];
    const stream = integrator.openEventStream({ types: [MESSAGE_POSTED], backoff: { initialMs: 50, maxMs: 200 }, onEvent: (e) => streamEvents.push(e) });
    closeAtEnd.push(stream);
    await stream.opened;

    // The visitor: a session from the widget key alone, a conversation, a message.
    const visitor = createClient({ baseUrl: stack.gatewayUrl, widgetKey: widgetKey! });
    const { conversationId } = await visitor.POST('/v1/visitor/conversations', { body: { language: 'en', subject: 'Order 1042' } });
    const say = (text: string) => visitor.POST('/v1/visitor/conversations/{conversationId}/messages', { params: { path: { conversationId } }, body: { text } });
    await say('hello 1');
    expect((await visitor.visitorSession()).customerId).toMatch(/^anon-/);

    // The agent reads it.
    const read = await agent.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } });
    expect(read).toMatchObject({ conversationId, subject: 'Order 1042', customerId: (await visitor.visitorSession()).customerId });
    expect(read.messages?.map((m) => [m.authorKind, m.text])).toEqual([['customer', 'hello 1']]);

    // Problems come back typed: an unknown conversation, a time in the future, a visitor on a staff route.
    const missing = await agent.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId: `nope-${tenant}` } } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProblemError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await expect(agent.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId }, query: { asOf: future } } })).rejects.toMatchObject({ status: 400, code: 'validation', field: 'asOf' });
    await expect(visitor.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } })).rejects.toMatchObject({ status: 403, code: 'forbidden' });

    // The socket: cut it after 'hello 1', post while it is down, let it come back.
    await until('hello 1 on the socket', () => textsOf(socketEvents, conversationId).includes('hello 1'));
    const seenBeforeCut = live.position!;
    supervisorDoor.shut();
    sockets.at(-1)!.terminate();
    await say('hello 2');
    await say('hello 3');
    supervisorDoor.open();
    await until('hello 3 on the socket', () => textsOf(socketEvents, conversationId).includes('hello 3'));
    expect(sockets.length).toBe(2);
    expect(new URL(sockets[1]!.url).searchParams.get('after')).toBe(String(seenBeforeCut));
    expect(textsOf(socketEvents, conversationId)).toEqual(['hello 1', 'hello 2', 'hello 3']);
    const positions = socketEvents.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    // No gap: the socket delivered exactly the conversation's events, as its history lists them.
    const history = await agent.GET('/v1/conversations/{conversationId}/history', { params: { path: { conversationId } } });
    const ofConversation = () => socketEvents.filter((e) => e.subject === conversationId).map((e) => e.id);
    await until('every event of the conversation on the socket', () => history.events.every((h) => ofConversation().includes(h.eventId)));
    expect(ofConversation().slice(0, history.events.length)).toEqual(history.events.map((h) => h.eventId));

    // The SSE stream: cut it after 'hello 3', post while it is down, let it come back with Last-Event-ID.
    await until('hello 3 on the stream', () => textsOf(streamEvents, conversationId).includes('hello 3'));
    const streamedBeforeCut = stream.position!;
    integratorDoor.shut();
    requests.at(-1)!.cut.abort();
    await say('hello 4');
    integratorDoor.open();
    await until('hello 4 on the stream', () => textsOf(streamEvents, conversationId).includes('hello 4'));
    expect(requests.map((r) => r.lastEventId)).toEqual([null, String(streamedBeforeCut)]);
    expect(textsOf(streamEvents, conversationId)).toEqual(['hello 1', 'hello 2', 'hello 3', 'hello 4']);
    expect(streamEvents.every((e) => e.type === MESSAGE_POSTED)).toBe(true);
    const streamed = streamEvents.map((e) => e.position);
    expect(new Set(streamed).size).toBe(streamed.length);

    live.close();
    stream.close();
    expect(live.state).toBe('closed');
  });
});
