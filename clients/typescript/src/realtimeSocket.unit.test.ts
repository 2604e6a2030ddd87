/**
 * The socket helper's decisions (resume, duplicates, which closes end it)
 * against a socket whose server side the test plays. The real gateway is
 * driven in test/integration/typedClient.test.ts.
 */
import type { ContactCenterEvent, OtherEvent } from './events';
import { openRealtime, RealtimeError, type RealtimeOptions, type WebSocketLike } from './realtimeSocket';

class PlayedSocket implements WebSocketLike {
  static all: PlayedSocket[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  sent: string[] = [];
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    PlayedSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  // The server's side:
  open(position: number) {
    this.readyState = 1;
    this.onopen?.({});
    this.frame({ type: 'ready', position });
  }
  frame(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  event(position: number, type = 'contactcenter.conversation.v1.MessagePosted') {
    this.frame({ id: `e-${position}`, type, subject: 'c-1', time: '2025-03-04T05:06:07Z', data: { conversationId: 'c-1' }, position });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  refuse(status: number) {
    this.onerror?.({ message: `Unexpected server response: ${status}` });
    this.drop(1006);
  }
}

const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};
const latest = () => PlayedSocket.all.at(-1)!;

function open(overrides: Partial<RealtimeOptions> = {}) {
  const events: (ContactCenterEvent | OtherEvent)[] = [];
  const errors: RealtimeError[] = [];
  const ready: { position: number; resumed: boolean }[] = [];
  const connection = openRealtime({
    baseUrl: 'http://gateway.test:8080/',
    token: 'tok',
    WebSocket: PlayedSocket,
    backoff: { initialMs: 1, maxMs: 2 },
    keepAliveMs: 0,
    onEvent: (e) => events.push(e),
    onOtherEvent: (e) => events.push(e),
    onError: (e) => errors.push(e),
    onReady: (r) => ready.push(r),
    ...overrides,
  });
  return { connection, events, errors, ready };
}

beforeEach(() => {
  PlayedSocket.all = [];
});

describe('openRealtime', () => {
  it('resumes after the last position it delivered, and drops what it already delivered', async () => {
    const { connection, events, ready } = open();
    await until(() => PlayedSocket.all.length === 1);
    expect(latest().url).toBe('ws://gateway.test:8080/v1/realtime');
    expect(latest().protocols).toEqual(['cc.realtime.v1', 'bearer.tok']);
    latest().open(10);
    await connection.ready;
    latest().event(11);
    latest().event(12);
    latest().event(12); // the same again
    expect(connection.position).toBe(12);
    latest().drop(1006);
    await until(() => PlayedSocket.all.length === 2);
    expect(latest().url).toBe('ws://gateway.test:8080/v1/realtime?after=12');
    latest().open(12);
    latest().event(11); // older: already delivered
    latest().event(13);
    expect(events.map((e) => e.position)).toEqual([11, 12, 13]);
    expect(ready).toEqual([
      { position: 10, resumed: false },
      { position: 12, resumed: true },
    ]);
    connection.close();
    expect(connection.state).toBe('closed');
  });

  it("hands over another region's events (no position of their own) without moving where it resumes", async () => {
    const { connection, events } = open();
    await until(() => PlayedSocket.all.length === 1);
    latest().open(10);
    await connection.ready;
    latest().event(11);
    const assigned = { id: 'eu-1', type: 'contactcenter.conversation.v1.AgentAssigned', subject: 'eu_1', data: { conversationId: 'eu_1', agentId: 'a-1', agentRegion: 'us' }, region: 'eu' };
    latest().frame(assigned);
    latest().frame(assigned); // live only: the gateway never repeats it, so neither is it dropped as seen
    latest().frame({ ...assigned, id: 'x', region: undefined }); // neither a position nor a region: no event
    expect(connection.position).toBe(11);
    expect(events.map((e) => [e.id, e.position, e.region])).toEqual([
      ['e-11', 11, undefined],
      ['eu-1', 11, 'eu'],
      ['eu-1', 11, 'eu'],
    ]);
    latest().drop(1006);
    await until(() => PlayedSocket.all.length === 2);
    expect(latest().url).toBe('ws://gateway.test:8080/v1/realtime?after=11');
    connection.close();
  });

  it('resumes from where a socket started even when no event came before the drop', async () => {
    const { connection } = open();
    await until(() => PlayedSocket.all.length === 1);
    latest().open(99);
    latest().drop(1001);
    await until(() => PlayedSocket.all.length === 2);
    expect(latest().url).toMatch(/\?after=99$/);
    connection.close();
  });

  it.each([
    [4410, 'position_expired'],
    [4400, 'invalid_position'],
  ])('stops for good on close %s, saying why', async (code, expected) => {
    const { connection, errors } = open({ after: 5 });
    await until(() => PlayedSocket.all.length === 1);
    latest().frame({ type: 'error', code: expected, message: 'gone' });
    latest().drop(code, 'gone');
    expect(connection.state).toBe('closed');
    expect(errors.at(-1)).toMatchObject({ code: expected, fatal: true });
    await expect(connection.ready).rejects.toBeInstanceOf(RealtimeError);
    await new Promise((r) => setTimeout(r, 20));
    expect(PlayedSocket.all).toHaveLength(1);
  });

  it('stops when the gateway refuses a fixed token, and tries again with a token function', async () => {
    const fixed = open();
    await until(() => PlayedSocket.all.length === 1);
    latest().refuse(401);
    expect(fixed.connection.state).toBe('closed');
    expect(fixed.errors.at(-1)).toMatchObject({ code: 'unauthorized', fatal: true });

    let n = 0;
    const renewing = open({ token: () => `tok-${++n}` });
    await until(() => PlayedSocket.all.length === 2);
    latest().refuse(401);
    await until(() => PlayedSocket.all.length === 3);
    expect(latest().protocols).toEqual(['cc.realtime.v1', 'bearer.tok-2']);
    renewing.connection.close();
  });

  it('hands over typing frames and events of types it does not know; sends typing only while open', async () => {
    const typing: unknown[] = [];
    const { connection, events } = open({ onTyping: (t) => typing.push(t) });
    await until(() => PlayedSocket.all.length === 1);
    expect(connection.sendTyping('c-1', true)).toBe(false);
    latest().open(1);
    expect(connection.sendTyping('c-1', true)).toBe(true);
    expect(latest().sent).toEqual(['{"type":"typing","conversationId":"c-1","typing":true}']);
    latest().frame({ type: 'typing', conversationId: 'c-1', typing: true, from: { kind: 'agent', id: 'a-1' } });
    latest().event(2, 'contactcenter.future.v9.SomethingNew');
    expect(typing).toEqual([{ type: 'typing', conversationId: 'c-1', typing: true, from: { kind: 'agent', id: 'a-1' } }]);
    expect(events).toEqual([expect.objectContaining({ type: 'contactcenter.future.v9.SomethingNew', position: 2 })]);
    connection.close();
  });

  it('asks for the tenant scope in the URL, and names what it follows in the URL of every new socket', async () => {
    const { connection } = open({ scope: 'tenant' });
    await until(() => PlayedSocket.all.length === 1);
    expect(latest().url).toBe('ws://gateway.test:8080/v1/realtime?scope=tenant');
    connection.subscribe({ conversations: ['c-1'], queues: ['q-1'] }); // before ready: remembered, not sent
    expect(latest().sent).toEqual([]);
    latest().open(5);
    expect(latest().sent.map((f) => JSON.parse(f))).toEqual([{ type: 'subscribe', conversations: ['c-1'], queues: ['q-1'] }]);
    connection.unsubscribe({ queues: ['q-1'] });
    latest().drop(1006);
    await until(() => PlayedSocket.all.length === 2);
    expect(latest().url).toBe('ws://gateway.test:8080/v1/realtime?after=5&scope=tenant&conversations=c-1');
    latest().open(5);
    expect(latest().sent.map((f) => JSON.parse(f))).toEqual([]);
    connection.close();
  });

  it('takes a socket that stays silent through a keepalive round for dead, and replaces it', async () => {
    const { connection } = open({ keepAliveMs: 15 });
    await until(() => PlayedSocket.all.length === 1);
    latest().open(3);
    await until(() => latest().sent.includes('{"type":"ping"}'));
    await until(() => PlayedSocket.all.length === 2, 1_000);
    expect(latest().url).toMatch(/\?after=3$/);
    connection.close();
  });
});
