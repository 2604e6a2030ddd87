/**
 * The real-time channel against a real NATS server (JetStream): events are
 * published into the events stream as CloudEvents, as the relay and routing
 * do, and read back through real WebSockets on a listening app whose one
 * event hub serves every socket. The conversation and routing services the
 * sockets ask (who follows what, whether a subscription's ids exist) are
 * real gRPC servers on loopback answering from the maps below.
 */
import { connectNats, createGrpcClient, createLogger, GrpcServer, NotFoundError, type NatsConnection } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream, readEvents } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { RealtimeSocket, type Frame, type RealtimeSocketOptions } from '../../../../test/support/realtimeSocket';
import {
  ConversationServiceClient,
  ConversationServiceService,
  GetConversationResponse,
  GetCustomerTimelineResponse,
  ListConversationsResponse,
} from '@contactcenter/proto/conversation/v1';
import { GetQueueResponse, ListTeamsResponse, RoutingServiceClient, RoutingServiceService } from '@contactcenter/proto/routing/v1';
import { conversationOwnersOf } from './ownConversation';
import { authPlugin } from '../plugins/auth';
import { problemPlugin } from '../plugins/problem';
import { realtimeRoutes } from './realtime';
import { Revocations } from '../store/revocations';
import { openStateBucket } from '@contactcenter/infra/kv';
import { EventHub } from '../realtime/eventHub';
import { realtimeDirectoryOf } from '../realtime/realtimeDirectory';

const SECRET = 's'.repeat(48);
const PING_MS = 150;
/** Conversations the conversation service knows: id → customer. */
const known = new Map<string, string>();
/** Conversations assigned now: id → agent. */
const assignedNow = new Map<string, string>();
const QUEUES = new Set(['billing']);
const TEAMS = ['tier-2'];
/** Directory calls made (timeline and assigned-conversation lookups). */
let lookups = 0;

let server: TestNats;
let nats: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let app: FastifyInstance;
let hub: EventHub;
let base: string;
let grpcServer: GrpcServer;
let conversation: ConversationServiceClient;
let routing: RoutingServiceClient;
const logger = createLogger('realtime-test', 'silent');

/** A listening gateway app with its own hub, as one replica. */
async function startReplica(): Promise<{ app: FastifyInstance; hub: EventHub; url: string }> {
  const owners = conversationOwnersOf(conversation);
  const replicaHub = await EventHub.start(nats, { owners, logger });
  const replica = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  problemPlugin(replica);
  await authPlugin(replica, { secret: SECRET });
  // Visitor tokens here carry no widget key (`wk`): nothing to revoke, but the route needs the watch.
  const revocations = await Revocations.start(nats, await openStateBucket(nats, `gw_${randomUUID().slice(0, 8)}`, 'gateway'), logger);
  replica.addHook('onClose', async () => (revocations.stop(), await replicaHub.stop()));
  await replica.register(realtimeRoutes, {
    prefix: '/v1',
    owners,
    nats,
    hub: replicaHub,
    directory: realtimeDirectoryOf({ conversation, routing }),
    limits: { pingIntervalMs: PING_MS, maxFrameBytes: 2048, framesPerSecond: 50 },
    revocations,
  });
  await replica.listen({ host: '127.0.0.1', port: 0 });
  const address = replica.server.address();
  return { app: replica, hub: replicaHub, url: `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/realtime` };
}

beforeAll(async () => {
  server = await freshNats();
  nats = await connectNats(server.url, 'realtime-test', logger);
  jsm = await jetstreamManager(nats);
  await ensureEventStream(jsm);
  js = jetstream(nats);
  grpcServer = new GrpcServer(logger);
  grpcServer.addService(ConversationServiceService, {
    getConversation: async (req: { conversationId: string }) => {
      const customerId = known.get(req.conversationId);
      if (customerId === undefined) throw new NotFoundError('conversation', req.conversationId);
      return GetConversationResponse.fromPartial({ conversation: { conversationId: req.conversationId, customerId } });
    },
    getCustomerTimeline: async (req: { customerId: string }) => {
      lookups++;
      const mine = [...known].filter(([, customer]) => customer === req.customerId);
      return GetCustomerTimelineResponse.fromPartial({ entries: mine.map(([conversationId, customerId]) => ({ conversation: { conversationId, customerId } })), customerIds: [req.customerId] });
    },
    listConversations: async (req: { assignedAgentId: string }) => {
      lookups++;
      const theirs = [...assignedNow].filter(([, agent]) => agent === req.assignedAgentId);
      return ListConversationsResponse.fromPartial({ conversations: theirs.map(([conversationId]) => ({ conversationId, customerId: known.get(conversationId) ?? '' })) });
    },
  });
  grpcServer.addService(RoutingServiceService, {
    getQueue: async (req: { queueId: string }) => {
      if (!QUEUES.has(req.queueId)) throw new NotFoundError('queue', req.queueId);
      return GetQueueResponse.fromPartial({ queue: { queueId: req.queueId } });
    },
    listTeams: async () => ListTeamsResponse.fromPartial({ teams: TEAMS.map((teamId) => ({ teamId })) }),
  });
  const grpcPort = await grpcServer.listen('127.0.0.1', 0);
  grpcServer.markServing();
  conversation = createGrpcClient(ConversationServiceClient, `127.0.0.1:${grpcPort}`);
  routing = createGrpcClient(RoutingServiceClient, `127.0.0.1:${grpcPort}`);
  ({ app, hub, url: base } = await startReplica());
});

afterAll(async () => {
  await app?.close();
  conversation?.close();
  routing?.close();
  await grpcServer?.shutdown(1_000);
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const staffToken = (tid: string, sub = 'agent-1', roles: ('agent' | 'supervisor' | 'admin')[] = ['agent']) => signStaffToken(SECRET, { tid, sub, roles });
const supervisorToken = (tid: string, sub = 'sup-1') => staffToken(tid, sub, ['supervisor']);
const visitorToken = (tid: string, sub: string, ttl?: number) => signStaffToken(SECRET, { tid, sub, roles: ['visitor'] }, ttl);

/** Publishes a domain event as the relay would; returns its stream position. */
async function publish(tid: string, context: 'conversation' | 'routing' | 'presence', type: string, conversationId: string, data: Record<string, unknown> = {}) {
  const id = randomUUID();
  const msg = encodeCloudEventMessage(
    `cc.${tid}.${context}.${type}.${conversationId}`,
    { id, source: `/contactcenter/test/${context}`, type: `contactcenter.${context}.v1.${type}`, subject: conversationId, time: new Date(), tenantid: tid },
    context === 'presence' ? { agentId: conversationId, ...data } : { conversationId, ...data },
  );
  const ack = await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
  return { id, position: ack.seq };
}

/** A client socket on this test's gateway (or `at`), with `after`, `scope` or a raw `query` in its URL. */
const Client = {
  open(token: string | undefined, options: RealtimeSocketOptions & { after?: number; scope?: 'tenant'; query?: string; at?: string } = {}): Promise<RealtimeSocket> {
    const params = [options.after !== undefined ? `after=${options.after}` : '', options.scope ? `scope=${options.scope}` : ''].filter(Boolean).join('&');
    return RealtimeSocket.open(`${options.at ?? base}${params ? `?${params}` : (options.query ?? '')}`, token, options);
  },
};
type Client = RealtimeSocket;

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

  it('answers 426 problem JSON to a plain request (no upgrade), with or without a token, and 400 to a malformed after or scope', async () => {
    for (const headers of [{}, { authorization: `Bearer ${staffToken('acme')}` }]) {
      const res = await app.inject({ method: 'GET', url: '/v1/realtime', headers });
      expect(res.statusCode).toBe(426);
      expect(res.headers.upgrade).toBe('websocket');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 426, code: 'upgrade_required' });
    }
    await expect(Client.open(staffToken('acme'), { query: '?after=abc' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(Client.open(staffToken('acme'), { query: '?scope=everything' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('refuses scope=tenant to an agent and to a visitor with 403 before the upgrade', async () => {
    await expect(Client.open(staffToken(tenant()), { scope: 'tenant' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(Client.open(visitorToken(tenant(), 'v-1'), { scope: 'tenant' })).rejects.toMatchObject({ statusCode: 403 });
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

describe('GET /v1/realtime: what each socket follows', () => {
  it('gives a supervisor with scope=tenant every conversation and routing event of the tenant, in order, and nothing of other tenants or presence', async () => {
    const tid = tenant();
    const sup = await Client.open(supervisorToken(tid), { scope: 'tenant' });
    expect(sup.frames[0]).toMatchObject({ type: 'ready', following: { tenant: true } });
    const a = await publish(tid, 'conversation', 'ConversationStarted', 'c-1', { customerId: 'cust-1' });
    await publish(tenant(), 'conversation', 'ConversationStarted', 'c-x', { customerId: 'cust-x' });
    await publish(tid, 'presence', 'AgentStatusChanged', 'agent-1', { status: 'online' });
    const b = await publish(tid, 'conversation', 'InternalNoteAdded', 'c-1', { note: { text: 'VIP' } });
    const c = await publish(tid, 'routing', 'OfferMade', 'c-1', { agentIds: ['agent-9'] });
    await sup.next((f) => f.id === c.id);
    expect(sup.events()).toEqual([
      { id: a.id, type: 'contactcenter.conversation.v1.ConversationStarted', subject: 'c-1', time: expect.any(String), data: { conversationId: 'c-1', customerId: 'cust-1' }, position: a.position },
      expect.objectContaining({ id: b.id, type: 'contactcenter.conversation.v1.InternalNoteAdded', position: b.position }),
      expect.objectContaining({ id: c.id, type: 'contactcenter.routing.v1.OfferMade', position: c.position }),
    ]);
    sup.close();
  });

  it("gives an agent their own work: offers to them, their assignments and from then on the assigned conversation's events, and the conversations assigned when the socket opened", async () => {
    const tid = tenant();
    known.set('c-before', 'cust-0');
    assignedNow.set('c-before', 'agent-5');
    const agent = await Client.open(staffToken(tid, 'agent-5'));
    expect(agent.frames[0]).toMatchObject({ type: 'ready', following: { conversations: ['c-before'], tenant: false } });
    const other = await publish(tid, 'conversation', 'MessagePosted', 'c-2', { message: { text: 'not yet theirs' } });
    const offer = await publish(tid, 'routing', 'OfferMade', 'c-2', { agentIds: ['agent-5', 'agent-6'], queueId: 'billing' });
    await publish(tid, 'routing', 'OfferMade', 'c-3', { agentIds: ['agent-6'] });
    const assigned = await publish(tid, 'conversation', 'AgentAssigned', 'c-2', { agentId: 'agent-5', reason: 'least busy' });
    const mine = await publish(tid, 'conversation', 'MessagePosted', 'c-2', { message: { text: 'now theirs' } });
    const earlier = await publish(tid, 'conversation', 'MessagePosted', 'c-before', { message: { text: 'assigned before the socket' } });
    await publish(tid, 'conversation', 'MessagePosted', 'c-3', { message: { text: 'someone else' } });
    await agent.next((f) => f.id === earlier.id);
    await settle(200);
    expect(agent.events().map((f) => f.id)).toEqual([offer.id, assigned.id, mine.id, earlier.id]);
    expect(agent.events().map((f) => f.position)).not.toContain(other.position);
    agent.close();
    assignedNow.delete('c-before');
  });

  it('gives a visitor only their own conversations, without internal notes, routing events or internal fields', async () => {
    const tid = tenant();
    const alice = await Client.open(visitorToken(tid, 'alice'));
    const sup = await Client.open(supervisorToken(tid), { scope: 'tenant' });
    const started = await publish(tid, 'conversation', 'ConversationStarted', 'c-a', { customerId: 'alice' });
    await publish(tid, 'conversation', 'ConversationStarted', 'c-b', { customerId: 'bob' });
    await publish(tid, 'conversation', 'MessagePosted', 'c-b', { message: { text: 'bob secret' } });
    await publish(tid, 'conversation', 'InternalNoteAdded', 'c-a', { note: { text: 'alice is a VIP' } });
    await publish(tid, 'routing', 'OfferMade', 'c-a', { agentIds: ['agent-1'] });
    await publish(tid, 'conversation', 'ConversationTagged', 'c-a', { added: ['angry'] });
    const assigned = await publish(tid, 'conversation', 'AgentAssigned', 'c-a', { agentId: 'agent-1', reason: 'least busy', decision: { score: 3 } });
    const posted = await publish(tid, 'conversation', 'MessagePosted', 'c-a', { message: { text: 'hello alice' } });
    await alice.next((f) => f.id === posted.id);
    await sup.next((f) => f.id === posted.id);
    expect(alice.events().map((f) => f.id)).toEqual([started.id, assigned.id, posted.id]);
    expect(alice.events()[1]!.data).toEqual({ conversationId: 'c-a', agentId: 'agent-1' });
    expect(JSON.stringify(alice.frames)).not.toMatch(/bob|VIP|angry|OfferMade/);
    expect(sup.events()).toHaveLength(8);
    alice.close();
    sup.close();
  });

  it("follows the conversations a visitor had before the socket opened (asked once per socket), and never anyone else's", async () => {
    const tid = tenant();
    known.set('c-old-mine', 'carol');
    known.set('c-old-theirs', 'dave');
    const before = lookups;
    const carol = await Client.open(visitorToken(tid, 'carol'));
    const carol2 = await Client.open(visitorToken(tid, 'carol'));
    expect(lookups - before).toBe(2);
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
  });
});

describe('GET /v1/realtime: subscriptions on the open socket', () => {
  it('lets an agent follow a conversation, a queue and a team, and stop, from the next event on', async () => {
    const tid = tenant();
    known.set('c-watch', 'cust-w');
    const agent = await Client.open(staffToken(tid, 'agent-8'));
    agent.send({ type: 'subscribe', conversations: ['c-watch'], queues: ['billing'], teams: ['tier-2'] });
    expect(await agent.next((f) => f.type === 'subscribed')).toEqual({ type: 'subscribed', following: { conversations: ['c-watch'], queues: ['billing'], teams: ['tier-2'], tenant: false } });
    const watched = await publish(tid, 'conversation', 'MessagePosted', 'c-watch', { message: { text: 'watched' } });
    const queued = await publish(tid, 'conversation', 'ConversationQueued', 'c-q', { queueId: 'billing' });
    await publish(tid, 'conversation', 'ConversationQueued', 'c-q2', { queueId: 'sales' });
    const toTeam = await publish(tid, 'conversation', 'ConversationTransferred', 'c-t2', { toTeamId: 'tier-2', toAgentId: '' });
    await agent.next((f) => f.id === toTeam.id);
    const seen = agent.frames.length;
    agent.send({ type: 'unsubscribe', conversations: ['c-watch'], queues: ['billing'] });
    expect(await agent.next((f) => agent.frames.indexOf(f) >= seen && f.type === 'subscribed')).toMatchObject({ following: { conversations: [], queues: [], teams: ['tier-2'] } });
    await publish(tid, 'conversation', 'MessagePosted', 'c-watch', { message: { text: 'no longer watched' } });
    await publish(tid, 'conversation', 'ConversationQueued', 'c-q3', { queueId: 'billing' });
    const last = await publish(tid, 'conversation', 'ConversationTransferred', 'c-t3', { toTeamId: 'tier-2', toAgentId: '' });
    await agent.next((f) => f.id === last.id);
    expect(agent.events().map((f) => f.id)).toEqual([watched.id, queued.id, toTeam.id, last.id]);
    agent.close();
  });

  it('refuses a subscription naming what does not exist, or the tenant for an agent, or anything for a visitor, and changes nothing', async () => {
    const tid = tenant();
    known.set('c-real', 'cust-r');
    const agent = await Client.open(staffToken(tid, 'agent-9'));
    const cases: [unknown, string, RegExp][] = [
      [{ type: 'subscribe', conversations: ['c-real', 'c-ghost'] }, 'not_found', /conversation "c-ghost" not found/],
      [{ type: 'subscribe', queues: ['no-such-queue'] }, 'not_found', /queue "no-such-queue"/],
      [{ type: 'subscribe', teams: ['no-such-team'] }, 'not_found', /team "no-such-team"/],
      [{ type: 'subscribe', tenant: true }, 'forbidden', /supervisors and admins/],
      [{ type: 'subscribe', conversations: ['c.>'] }, 'invalid_frame', /conversations/],
    ];
    for (const [frame, code, message] of cases) {
      const seen = agent.frames.length;
      agent.send(frame);
      const error = await agent.next((f) => agent.frames.indexOf(f) >= seen && (f.type === 'error' || f.type === 'subscribed'));
      expect(error).toMatchObject({ type: 'error', code, message: expect.stringMatching(message) });
    }
    // Nothing was followed: c-real's events do not come.
    await publish(tid, 'conversation', 'MessagePosted', 'c-real', { message: { text: 'x' } });
    const marker = await publish(tid, 'routing', 'OfferMade', 'c-m', { agentIds: ['agent-9'] });
    await agent.next((f) => f.id === marker.id);
    expect(agent.events().map((f) => f.id)).toEqual([marker.id]);
    const visitor = await Client.open(visitorToken(tid, 'vera'));
    visitor.send({ type: 'subscribe', conversations: ['c-real'] });
    expect(await visitor.next((f) => f.type === 'error')).toMatchObject({ code: 'forbidden' });
    agent.close();
    visitor.close();
  });

  it('takes subscriptions in the URL of a resuming socket, so that what those did while it was away comes back too', async () => {
    const tid = tenant();
    known.set('c-away', 'cust-a');
    const agent = await Client.open(staffToken(tid, 'agent-11'));
    agent.send({ type: 'subscribe', conversations: ['c-away'] });
    await agent.next((f) => f.type === 'subscribed');
    const seen = await publish(tid, 'conversation', 'MessagePosted', 'c-away', { message: { text: 'seen' } });
    await agent.next((f) => f.id === seen.id);
    agent.close();
    const missed = await publish(tid, 'conversation', 'MessagePosted', 'c-away', { message: { text: 'while away' } });
    await publish(tid, 'conversation', 'MessagePosted', 'c-elsewhere', { message: { text: 'not followed' } });
    const again = await Client.open(staffToken(tid, 'agent-11'), { query: `?after=${seen.position}&conversations=c-away,c-nowhere` });
    expect(again.frames[0]).toMatchObject({ type: 'ready', following: { conversations: ['c-away'] } });
    expect(await again.next((f) => f.type === 'error')).toMatchObject({ code: 'not_found', message: expect.stringContaining('c-nowhere') });
    const live = await publish(tid, 'conversation', 'MessagePosted', 'c-away', { message: { text: 'live' } });
    await again.next((f) => f.id === live.id);
    expect(again.events().map((f) => f.id)).toEqual([missed.id, live.id]);
    again.close();
    await expect(Client.open(visitorToken(tid, 'vera'), { query: '?conversations=c-away' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(Client.open(staffToken(tid), { query: '?conversations=c.%3E' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('lets a supervisor follow the whole tenant on the open socket, and stop', async () => {
    const tid = tenant();
    const sup = await Client.open(supervisorToken(tid));
    sup.send({ type: 'subscribe', tenant: true });
    await sup.next((f) => f.type === 'subscribed');
    const any = await publish(tid, 'conversation', 'MessagePosted', 'c-any', { message: { text: 'x' } });
    await sup.next((f) => f.id === any.id);
    sup.close();
  });
});

describe('GET /v1/realtime: resuming with after', () => {
  it('sends exactly the events after the given position, then live ones, with no gap or duplicate at the seam', async () => {
    const tid = tenant();
    const first = await Client.open(supervisorToken(tid), { scope: 'tenant' });
    const early: { id: string; position: number }[] = [];
    for (let i = 0; i < 5; i++) early.push(await publish(tid, 'conversation', 'MessagePosted', 'c-r', { message: { text: `m${i}` } }));
    await first.next((f) => f.id === early[4]!.id);
    const lastSeen = first.events()[2]!.position as number; // the client saw three, say, before its network dropped
    first.close();
    await first.closed;

    // Events keep coming while it reconnects: some before, some during, some after it catches up.
    const burst = (async () => {
      const out = [];
      for (let i = 0; i < 60; i++) out.push(await publish(tid, 'conversation', 'MessagePosted', 'c-r', { message: { text: `b${i}` } }));
      return out;
    })();
    const again = await Client.open(supervisorToken(tid), { after: lastSeen, scope: 'tenant' });
    expect(again.frames[0]).toMatchObject({ type: 'ready', position: lastSeen });
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

  it("reads back a visitor's own conversation only, on another replica started after the client left, then live", async () => {
    const tid = tenant();
    known.set('c-v', 'vic');
    const vic = await Client.open(visitorToken(tid, 'vic'));
    const seen = await publish(tid, 'conversation', 'MessagePosted', 'c-v', { message: { text: 'seen' } });
    await vic.next((f) => f.id === seen.id);
    vic.close();
    const missed = [];
    for (let i = 0; i < 10; i++) {
      await publish(tid, 'conversation', 'MessagePosted', 'c-other', { message: { text: `other ${i}` } });
      missed.push(await publish(tid, 'conversation', 'MessagePosted', 'c-v', { message: { text: `missed ${i}` } }));
    }
    // A replica whose hub starts after all of that: everything the visitor missed is read back.
    const second = await startReplica();
    try {
      const again = await Client.open(visitorToken(tid, 'vic'), { after: seen.position, at: second.url });
      const live = await publish(tid, 'conversation', 'MessagePosted', 'c-v', { message: { text: 'live' } });
      await again.next((f) => f.id === live.id);
      expect(again.events().map((f) => f.id)).toEqual([...missed, live].map((e) => e.id));
      again.close();
      await again.closed;
    } finally {
      await second.app.close();
    }
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
  it('relays typing over core NATS to the others following the conversation, never echoes it, never stores it', async () => {
    const tid = tenant();
    known.set('c-t', 'alice'); // started before these sockets: the gateway asks the conversation service
    assignedNow.set('c-t', 'agent-7');
    const bystander = await Client.open(staffToken(tid, 'agent-8')); // same tenant, not on this conversation
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
    expect(bystander.frames.filter((f) => f.type === 'typing')).toHaveLength(0);
    expect((await jsm.streams.info('CC_EVENTS')).state.last_seq).toBe(before);
    await expect(jsm.streams.find(`ccx.${tid}.typing.c-t`)).rejects.toThrow();
    for (const c of [alice, bob, agent, stranger, bystander]) c.close();
    assignedNow.delete('c-t');
  });
});

describe('GET /v1/realtime: bad input and keepalive', () => {
  it('answers malformed, unknown and invalid frames with an error frame and keeps the socket open', async () => {
    const c = await Client.open(staffToken(tenant()));
    const cases: [unknown, string][] = [
      ['not json', 'malformed_frame'],
      ['[1,2]', 'malformed_frame'],
      [{ type: 'watch' }, 'unknown_type'],
      [{ noType: true }, 'unknown_type'],
      [{ type: 'subscribe' }, 'invalid_frame'],
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

  it('holds one JetStream consumer for every socket of the replica; a resume reads back with a consumer of its own and deletes it', async () => {
    const consumers = async () => (await jsm.streams.info('CC_EVENTS')).state.consumer_count;
    await settle(300); // earlier tests' sockets finish closing
    const before = await consumers();
    const tid = tenant();
    const sockets = [];
    for (let i = 0; i < 20; i++) sockets.push(await Client.open(i % 2 ? visitorToken(tid, `v-${i}`) : staffToken(tid, `agent-${i}`)));
    expect(await consumers()).toBe(before);
    expect(hub.size).toBeGreaterThanOrEqual(20);
    const old = await publish(tid, 'conversation', 'MessagePosted', 'c-old', {});
    await publish(tid, 'conversation', 'MessagePosted', 'c-old', {});
    const resumed = await Client.open(supervisorToken(tid), { after: old.position - 1, scope: 'tenant' });
    await resumed.next((f) => f.id === old.id);
    const deadline = Date.now() + 3_000;
    while ((await consumers()) !== before && Date.now() < deadline) await settle(50);
    expect(await consumers()).toBe(before);
    for (const s of [...sockets, resumed]) s.close();
  });
});
