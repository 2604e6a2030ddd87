/**
 * The real-time channel against a real NATS server (JetStream): events are
 * published into the events stream as CloudEvents, as the relay and routing
 * do, and read back through real WebSockets on a listening app.
 */
import { connectNats, createGrpcClient, createLogger, GrpcServer, NotFoundError, type NatsConnection } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream, readEvents } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import * as grpc from '@grpc/grpc-js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { ConversationServiceClient, ConversationServiceService, GetConversationResponse } from '@contactcenter/proto/conversation/v1';
import { conversationOwnersOf } from './ownConversation';
import { authPlugin } from '../plugins/auth';
import { problemPlugin } from '../plugins/problem';
import { realtimeRoutes } from './realtime';
import { Revocations } from '../store/revocations';
import { openStateBucket } from '@contactcenter/infra/kv';

const SECRET = 's'.repeat(48);
const PING_MS = 150;
/** Conversations the fake conversation service knows: id → customer. */
const known = new Map<string, string>();
let fetches = 0;

let server: TestNats;
let nats: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let app: FastifyInstance;
let base: string;
let grpcServer: GrpcServer;
let conversation: ConversationServiceClient;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('realtime-test', 'silent');
  nats = await connectNats(server.url, 'realtime-test', logger);
  jsm = await jetstreamManager(nats);
  await ensureEventStream(jsm);
  js = jetstream(nats);
  // Only GetConversation is used: served by a real gRPC server on loopback, called through the real client and `unary`.
  grpcServer = new GrpcServer(logger);
  grpcServer.addService(ConversationServiceService, {
    getConversation: async (req: { conversationId: string }) => {
      fetches++;
      const customerId = known.get(req.conversationId);
      if (customerId === undefined) throw new NotFoundError('conversation', req.conversationId);
      return GetConversationResponse.fromPartial({ conversation: { conversationId: req.conversationId, customerId } });
    },
  });
  const grpcPort = await grpcServer.listen('127.0.0.1', 0);
  grpcServer.markServing();
  conversation = createGrpcClient(ConversationServiceClient, `127.0.0.1:${grpcPort}`);
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  problemPlugin(app);
  await authPlugin(app, { secret: SECRET });
  // Visitor tokens here carry no widget key (`wk`): nothing to revoke, but the route needs the watch.
  const revocations = await Revocations.start(nats, await openStateBucket(nats, `gw_${randomUUID().slice(0, 8)}`, 'gateway'), logger);
  app.addHook('onClose', () => revocations.stop());
  await app.register(realtimeRoutes, { prefix: '/v1', owners: conversationOwnersOf(conversation), nats, limits: { pingIntervalMs: PING_MS, maxFrameBytes: 2048, framesPerSecond: 50 }, revocations });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/realtime`;
});

afterAll(async () => {
  await app?.close();
  conversation?.close();
  await grpcServer?.shutdown(1_000);
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const staffToken = (tid: string, sub = 'agent-1') => signStaffToken(SECRET, { tid, sub, roles: ['agent'] });
const visitorToken = (tid: string, sub: string, ttl?: number) => signStaffToken(SECRET, { tid, sub, roles: ['visitor'] }, ttl);

/** Publishes a domain event as the relay would; returns its stream position. */
async function publish(tid: string, context: 'conversation' | 'routing' | 'presence', type: string, conversationId: string, data: Record<string, unknown> = {}) {
  const id = randomUUID();
  const msg = encodeCloudEventMessage(
    `cc.${tid}.${context}.${type}`,
    { id, source: `/contactcenter/test/${context}`, type: `contactcenter.${context}.v1.${type}`, subject: conversationId, time: new Date(), tenantid: tid },
    { conversationId, ...data },
  );
  const ack = await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
  return { id, position: ack.seq };
}

type Frame = { type: string; [k: string]: unknown };

/** A client socket that records every frame it receives. */
class Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.frames.push(JSON.parse(String(raw)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async open(token: string | undefined, options: { after?: number; via?: 'header' | 'protocol'; query?: string; autoPong?: boolean } = {}): Promise<Client> {
    const url = `${base}${options.after !== undefined ? `?after=${options.after}` : options.query ?? ''}`;
    const via = options.via ?? 'protocol';
    const ws =
      via === 'protocol' && token
        ? new WebSocket(url, ['cc.realtime.v1', `bearer.${token}`], { autoPong: options.autoPong ?? true })
        : new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, autoPong: options.autoPong ?? true });
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
    });
    await client.next((f) => f.type === 'ready');
    return client;
  }

  /** The first frame (from `from` on) matching, waiting for it. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  events = () => this.frames.filter((f) => typeof f.position === 'number' && f.type.includes('.'));
  send = (frame: unknown) => this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  close = () => this.ws.close();
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('GET /v1/realtime: authentication before the upgrade', () => {
  it.each([
    ['no token', undefined, {}],
    ['a forged token', signStaffToken('x'.repeat(48), { tid: 'acme', sub: 'a', roles: ['agent'] }), {}],
    ['an expired token (beyond the 30 s clock skew)', signStaffToken(SECRET, { tid: 'acme', sub: 'a', roles: ['agent'] }, -60), {}],
    ['a token in the URL', undefined, { query: `?token=${staffToken('acme')}` }],
  ])('refuses %s with HTTP 401 and no socket', async (_label, token, options) => {
    await expect(Client.open(token, options)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('answers 426 problem JSON to a plain request (no upgrade), with or without a token, and 400 to a malformed after', async () => {
    for (const headers of [{}, { authorization: `Bearer ${staffToken('acme')}` }]) {
      const res = await app.inject({ method: 'GET', url: '/v1/realtime', headers });
      expect(res.statusCode).toBe(426);
      expect(res.headers.upgrade).toBe('websocket');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 426, code: 'upgrade_required' });
    }
    await expect(Client.open(staffToken('acme'), { query: '?after=abc' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('accepts the token in the Authorization header or as a subprotocol, and selects cc.realtime.v1, never the token', async () => {
    const tid = tenant();
    const viaHeader = await Client.open(staffToken(tid), { via: 'header' });
    const viaProtocol = await Client.open(staffToken(tid), { via: 'protocol' });
    expect(viaHeader.ws.protocol).toBe('');
    expect(viaProtocol.ws.protocol).toBe('cc.realtime.v1');
    viaHeader.close();
    viaProtocol.close();
  });

  it('closes the socket with 4401 when the token expires', async () => {
    const c = await Client.open(visitorToken(tenant(), 'v-1', 2)); // exp has whole seconds: 1-2 s from now
    const { code } = await c.closed;
    expect(code).toBe(4401);
    expect(c.frames.at(-1)).toMatchObject({ type: 'error', code: 'token_expired' });
  });
});

describe('GET /v1/realtime: what each principal receives', () => {
  it('gives staff every conversation and routing event of their tenant, in order, and nothing of other tenants or presence', async () => {
    const tid = tenant();
    const agent = await Client.open(staffToken(tid));
    const a = await publish(tid, 'conversation', 'ConversationStarted', 'c-1', { customerId: 'cust-1' });
    await publish(tenant(), 'conversation', 'ConversationStarted', 'c-x', { customerId: 'cust-x' });
    await publish(tid, 'presence', 'AgentStatusChanged', 'agent-1', { status: 'online' });
    const b = await publish(tid, 'conversation', 'InternalNoteAdded', 'c-1', { note: { text: 'VIP' } });
    const c = await publish(tid, 'routing', 'OfferMade', 'c-1', { agentIds: ['agent-1'] });
    await agent.next((f) => f.id === c.id);
    expect(agent.events()).toEqual([
      { id: a.id, type: 'contactcenter.conversation.v1.ConversationStarted', subject: 'c-1', time: expect.any(String), data: { conversationId: 'c-1', customerId: 'cust-1' }, position: a.position },
      expect.objectContaining({ id: b.id, type: 'contactcenter.conversation.v1.InternalNoteAdded', position: b.position }),
      expect.objectContaining({ id: c.id, type: 'contactcenter.routing.v1.OfferMade', position: c.position }),
    ]);
    agent.close();
  });

  it('gives a visitor only their own conversations, without internal notes, routing events or internal fields', async () => {
    const tid = tenant();
    const alice = await Client.open(visitorToken(tid, 'alice'));
    const agent = await Client.open(staffToken(tid));
    const started = await publish(tid, 'conversation', 'ConversationStarted', 'c-a', { customerId: 'alice' });
    await publish(tid, 'conversation', 'ConversationStarted', 'c-b', { customerId: 'bob' });
    await publish(tid, 'conversation', 'MessagePosted', 'c-b', { message: { text: 'bob secret' } });
    await publish(tid, 'conversation', 'InternalNoteAdded', 'c-a', { note: { text: 'alice is a VIP' } });
    await publish(tid, 'routing', 'OfferMade', 'c-a', { agentIds: ['agent-1'] });
    await publish(tid, 'conversation', 'ConversationTagged', 'c-a', { added: ['angry'] });
    const assigned = await publish(tid, 'conversation', 'AgentAssigned', 'c-a', { agentId: 'agent-1', reason: 'least busy', decision: { score: 3 } });
    const posted = await publish(tid, 'conversation', 'MessagePosted', 'c-a', { message: { text: 'hello alice' } });
    await alice.next((f) => f.id === posted.id);
    await agent.next((f) => f.id === posted.id);
    expect(alice.events().map((f) => f.id)).toEqual([started.id, assigned.id, posted.id]);
    expect(alice.events()[1]!.data).toEqual({ conversationId: 'c-a', agentId: 'agent-1' });
    expect(JSON.stringify(alice.frames)).not.toMatch(/bob|VIP|angry|OfferMade/);
    expect(agent.events()).toHaveLength(8);
    alice.close();
    agent.close();
  });

  it('asks the conversation service once for a conversation it did not see start, and delivers only if it is the visitor\'s', async () => {
    const tid = tenant();
    known.set('c-old-mine', 'carol');
    known.set('c-old-theirs', 'dave');
    const carol = await Client.open(visitorToken(tid, 'carol'));
    const carol2 = await Client.open(visitorToken(tid, 'carol'));
    const before = fetches;
    const theirs = await publish(tid, 'conversation', 'MessagePosted', 'c-old-theirs', { message: { text: 'dave here' } });
    await publish(tid, 'conversation', 'MessagePosted', 'c-unknown', { message: { text: 'nobody' } });
    const mine = await publish(tid, 'conversation', 'MessagePosted', 'c-old-mine', { message: { text: 'carol here' } });
    const mineAgain = await publish(tid, 'conversation', 'ConversationResolved', 'c-old-mine', {});
    for (const c of [carol, carol2]) {
      await c.next((f) => f.id === mineAgain.id);
      expect(c.events().map((f) => f.id)).toEqual([mine.id, mineAgain.id]);
      expect(c.events().map((f) => f.position)).not.toContain(theirs.position);
      c.close();
    }
    // three conversations, two sockets: one call each, shared
    expect(fetches - before).toBe(3);
  });
});

describe('GET /v1/realtime: resuming with after', () => {
  it('sends exactly the events after the given position, then live ones, with no gap or duplicate at the seam', async () => {
    const tid = tenant();
    const first = await Client.open(staffToken(tid));
    const early: { id: string; position: number }[] = [];
    for (let i = 0; i < 5; i++) early.push(await publish(tid, 'conversation', 'MessagePosted', 'c-r', { message: { text: `m${i}` } }));
    await first.next((f) => f.id === early[4]!.id);
    const lastSeen = first.events()[2]!.position as number; // the client saw three, say, before its network dropped
    first.close();
    await first.closed;

    // Events keep coming while it reconnects: some before, some during, some after the consumer starts.
    const burst = (async () => {
      const out = [];
      for (let i = 0; i < 60; i++) out.push(await publish(tid, 'conversation', 'MessagePosted', 'c-r', { message: { text: `b${i}` } }));
      return out;
    })();
    const again = await Client.open(staffToken(tid), { after: lastSeen });
    expect(again.frames[0]).toEqual({ type: 'ready', position: lastSeen });
    const published = await burst;
    const live = await publish(tid, 'conversation', 'MessagePosted', 'c-r', { message: { text: 'live' } });
    await again.next((f) => f.id === live.id);

    const expected = [...early.slice(3), ...published, live];
    expect(again.events().map((f) => f.id)).toEqual(expected.map((e) => e.id));
    const positions = again.events().map((f) => f.position as number);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    // ...and that is exactly what the stream holds for the tenant after that position
    const stored = (await readEvents(nats, { filter: `cc.${tid}.>` })).filter((m) => m.seq > lastSeen);
    expect(stored.map((m) => m.event.id)).toEqual(expected.map((e) => e.id));
    again.close();
  });

  it('closes with 4400 when after is beyond the end of the stream', async () => {
    const info = await jsm.streams.info('CC_EVENTS');
    const ws = new WebSocket(`${base}?after=${info.state.last_seq + 1000}`, ['cc.realtime.v1', `bearer.${staffToken(tenant())}`]);
    const frames: Frame[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Frame));
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4400);
    expect(frames).toEqual([expect.objectContaining({ type: 'error', code: 'invalid_position' })]);
  });
});

describe('GET /v1/realtime: typing indicators', () => {
  it('relays typing over core NATS to the others allowed to see the conversation, never echoes it, never stores it', async () => {
    const tid = tenant();
    known.set('c-t', 'alice'); // started before these sockets: the gateway asks the conversation service
    const alice = await Client.open(visitorToken(tid, 'alice'));
    const bob = await Client.open(visitorToken(tid, 'bob'));
    const agent = await Client.open(staffToken(tid, 'agent-7'));
    const stranger = await Client.open(staffToken(tenant(), 'agent-x'));
    const before = (await jsm.streams.info('CC_EVENTS')).state.last_seq;

    alice.send({ type: 'typing', conversationId: 'c-t', typing: true });
    expect(await agent.next((f) => f.type === 'typing')).toEqual({ type: 'typing', conversationId: 'c-t', typing: true, from: { kind: 'visitor', id: 'alice' } });
    agent.send({ type: 'typing', conversationId: 'c-t', typing: false });
    expect(await alice.next((f) => f.type === 'typing')).toEqual({ type: 'typing', conversationId: 'c-t', typing: false, from: { kind: 'agent', id: 'agent-7' } });
    bob.send({ type: 'typing', conversationId: 'c-t', typing: true });
    expect(await bob.next((f) => f.type === 'error')).toMatchObject({ code: 'not_found' });
    await settle();

    expect(alice.frames.filter((f) => f.type === 'typing')).toHaveLength(1); // the agent's, not her own echo
    expect(agent.frames.filter((f) => f.type === 'typing')).toHaveLength(1);
    expect(bob.frames.filter((f) => f.type === 'typing')).toHaveLength(0);
    expect(stranger.frames.filter((f) => f.type === 'typing')).toHaveLength(0);
    expect((await jsm.streams.info('CC_EVENTS')).state.last_seq).toBe(before);
    await expect(jsm.streams.find(`ccx.${tid}.typing.c-t`)).rejects.toThrow();
    for (const c of [alice, bob, agent, stranger]) c.close();
  });
});

describe('GET /v1/realtime: bad input and keepalive', () => {
  it('answers malformed, unknown and invalid frames with an error frame and keeps the socket open', async () => {
    const c = await Client.open(staffToken(tenant()));
    const cases: [unknown, string][] = [
      ['not json', 'malformed_frame'],
      ['[1,2]', 'malformed_frame'],
      [{ type: 'subscribe' }, 'unknown_type'],
      [{ noType: true }, 'unknown_type'],
      [{ type: 'typing', conversationId: 'a.b.>', typing: true }, 'invalid_frame'],
      [{ type: 'typing', conversationId: 'c-1', typing: 'yes' }, 'invalid_frame'],
    ];
    for (const [frame, code] of cases) {
      const seen = c.frames.length;
      c.send(frame);
      expect(await c.next((f) => c.frames.indexOf(f) >= seen && f.type === 'error')).toMatchObject({ type: 'error', code });
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.next((f) => f.code === 'malformed_frame' && String(f.message).includes('binary'));
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.close();
  });

  it('closes the socket with 1009 on a frame over the size limit', async () => {
    const c = await Client.open(staffToken(tenant()));
    c.send({ type: 'typing', conversationId: 'c-1', typing: true, pad: 'x'.repeat(4096) });
    expect((await c.closed).code).toBe(1009);
  });

  it('keeps answering sockets open and terminates one that stops answering pings', async () => {
    const tid = tenant();
    const healthy = await Client.open(staffToken(tid));
    const dead = await Client.open(staffToken(tid), { autoPong: false });
    const closed = await dead.closed;
    expect(closed.code).toBe(1006); // terminated, no closing handshake
    await settle(PING_MS * 3);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    healthy.close();
  });

  it('deletes its JetStream consumer when the socket closes', async () => {
    const consumers = async () => (await jsm.streams.info('CC_EVENTS')).state.consumer_count;
    await settle(300); // earlier tests' sockets finish closing
    const before = await consumers();
    const c = await Client.open(staffToken(tenant()));
    expect(await consumers()).toBe(before + 1);
    c.close();
    const deadline = Date.now() + 3_000;
    while ((await consumers()) !== before && Date.now() < deadline) await settle(50);
    expect(await consumers()).toBe(before);
  });
});
