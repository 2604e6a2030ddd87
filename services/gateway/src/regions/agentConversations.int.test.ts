/**
 * An agent's own conversation list across two regions (follow-the-sun): two
 * gateway apps (REGION eu and us, REGIONS eu,us) on one private NATS
 * server, each in front of its own conversation service (its own embedded
 * event store and read model), presence and routing, linked by RegionLink.
 * eu's conversation service assigns an eu conversation to us's agent with
 * `agentRegion: us`, as routing does after a follow-the-sun choice; the
 * agent's list at us's gateway then holds it, marked as eu's, while nothing
 * of it is written in us. With eu gone, us still lists its own and names eu;
 * a single-region gateway answers as it always did.
 */
import { connectNats, createGrpcClient, createLogger, GrpcServer, unary, type NatsConnection } from '@contactcenter/infra';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AssignAgentRequest, ConversationServiceClient, ConversationServiceService } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { addRoutingAndPresence } from '../../../../test/support/regionDesk';
import { conversationStreamId } from '../../../conversation/src/conversation';
import { assembleConversationService } from '../../../conversation/src/service';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

jest.setTimeout(90_000);

const SECRET = 'a'.repeat(48);
const RUN = randomUUID().slice(0, 8);
const CLOSED = '127.0.0.1:1';
const TENANT = `t-${RUN}`;
const REGIONS = ['eu', 'us'];
/**
 * Every service runs in this one process (embedded PostgreSQL blocks its event loop at times): the gateways must not shed load for it.
 * Off rather than high: a sample in which the loop never ran is reported as Infinity ms behind, above any limit.
 */
const ADMISSION = { maxEventLoopDelayMs: 0 };

type Json = Record<string, any>;

/** One region's services in-process: conversation (embedded store), presence and routing on one gRPC server, and its gateway. */
interface Region {
  name: string;
  nats: NatsConnection;
  events: EventStore;
  sql: SqlClient;
  stopProjector(): Promise<void>;
  grpc: GrpcServer;
  address: string;
  peers: ReturnType<typeof connectPeers>;
  app: FastifyInstance;
  closed: boolean;
}

let server: TestNats;
const regions = new Map<string, Region>();
/** A gateway of a single-region deployment, in front of eu's services. */
let solo: { app: FastifyInstance; nats: NatsConnection; peers: ReturnType<typeof connectPeers> } | undefined;

async function startRegion(name: string): Promise<Region> {
  const logger = createLogger(`agent-conversations-${name}`, 'silent');
  const nats = await connectNats(server.url, `agent-conversations-${name}`, logger);
  const events = await createEventStore('pglite://memory');
  const sql = await connectSql('pglite://memory');
  const conversations = await assembleConversationService({ events, sql, logger, snapshotEvery: 50, regions: { region: name, regions: REGIONS } });
  conversations.projector.start();
  const grpc = new GrpcServer(logger);
  grpc.addService(ConversationServiceService, conversations.grpc);
  await addRoutingAndPresence(grpc, nats, name, RUN, logger);
  const address = `127.0.0.1:${await grpc.listen('127.0.0.1', 0)}`;
  grpc.markServing();
  const peers = connectPeers({ CONVERSATION_GRPC_ADDR: address, ROUTING_GRPC_ADDR: address, PRESENCE_GRPC_ADDR: address, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: CLOSED, CHANNELS_GRPC_ADDR: CLOSED });
  const app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, admission: ADMISSION, gatewayBucket: `gw_${name}_${RUN}`, region: name, regions: { region: name, regions: REGIONS, forwardTimeoutMs: 5_000 } });
  await app.ready(); // answers the other region's forwards from here on
  return { name, nats, events, sql, stopProjector: () => conversations.projector.stop(), grpc, address, peers, app, closed: false };
}

async function stopRegion(r: Region): Promise<void> {
  if (r.closed) return;
  r.closed = true;
  await r.app.close();
  r.peers.close();
  await r.grpc.shutdown(1_000);
  await r.stopProjector();
  await r.events.close();
  await r.sql.close();
  await r.nats.close();
}

beforeAll(async () => {
  server = await freshNats();
  for (const name of REGIONS) regions.set(name, await startRegion(name));
});

afterAll(async () => {
  if (solo) {
    await solo.app.close();
    solo.peers.close();
    await solo.nats.close();
  }
  for (const r of regions.values()) await stopRegion(r);
  await server?.stop();
});

const region = (name: string) => regions.get(name)!;
const auth = (sub: string, roles = ['agent']) => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid: TENANT, sub, roles })}` });

async function startIn(name: string): Promise<string> {
  const res = await region(name).app.inject({ method: 'POST', url: '/v1/conversations', headers: auth('ada', ['admin']), payload: { channel: 'chat', customerId: `c-${randomUUID().slice(0, 6)}`, language: 'en' } });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  return String(res.json().conversationId);
}

/** What routing does after picking an agent: the conversation's own region's conversation service assigns it. */
async function assignIn(name: string, conversationId: string, agentId: string, agentRegion?: string): Promise<void> {
  const client = createGrpcClient(ConversationServiceClient, region(name).address);
  try {
    const request = AssignAgentRequest.fromPartial({ conversationId, agentId, reason: agentRegion ? 'follow-the-sun: test' : 'test', ...(agentRegion ? { agentRegion } : {}) });
    await unary(client, client.assignAgent, request, { tenantId: TENANT, actorId: 'routing' });
  } finally {
    client.close();
  }
}

async function listOf(app: FastifyInstance, agentId: string, headers: Record<string, string> = {}): Promise<Json> {
  const res = await app.inject({ method: 'GET', url: '/v1/agents/me/conversations', headers: { ...auth(agentId), ...headers } });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^200 /);
  return res.json() as Json;
}

/** The list once it holds `ids` (read models follow their store a moment later). */
async function listHolding(app: FastifyInstance, agentId: string, ids: string[]): Promise<Json> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const list = await listOf(app, agentId);
    const listed = new Set((list.conversations as Json[]).map((c) => c.conversationId));
    if (ids.every((id) => listed.has(id)) || Date.now() > deadline) return list;
    await new Promise((res) => setTimeout(res, 100));
  }
}

let euConversation: string;
let usConversation: string;

beforeAll(async () => {
  euConversation = await startIn('eu');
  usConversation = await startIn('us');
  await assignIn('eu', euConversation, 'uma', 'us'); // follow-the-sun: eu's conversation, us's agent
  await assignIn('us', usConversation, 'uma');
});

describe('GET /v1/agents/me/conversations across regions', () => {
  it('at us’s gateway lists the eu conversation assigned to the us agent, marked as eu’s, written in eu only', async () => {
    expect([euConversation, usConversation]).toEqual([expect.stringMatching(/^eu_/), expect.stringMatching(/^us_/)]);
    const list = await listHolding(region('us').app, 'uma', [euConversation, usConversation]);
    expect(list).toMatchObject({ region: 'us', complete: true, regions: [{ region: 'us', status: 'ok' }, { region: 'eu', status: 'ok' }] });
    const byId = new Map((list.conversations as Json[]).map((c) => [c.conversationId, c]));
    expect(byId.get(euConversation)).toMatchObject({ homeRegion: 'eu', assignedAgentId: 'uma', status: 'assigned' });
    expect(byId.get(usConversation)).toMatchObject({ homeRegion: 'us', assignedAgentId: 'uma' });
    expect(list.conversations).toHaveLength(2);
    // Listed from eu, never stored in us.
    expect(await region('us').events.streamRevision(conversationStreamId(TENANT, euConversation))).toBeUndefined();
    expect(await region('eu').events.streamRevision(conversationStreamId(TENANT, euConversation))).toBeDefined();
  });

  it('lists nothing of another agent’s, in any region', async () => {
    const list = await listOf(region('us').app, 'vic');
    expect(list).toMatchObject({ complete: true, conversations: [] });
  });

  it('answers a request forwarded from another region for its own region only', async () => {
    // app.inject stands for RegionResponder's replay: the only requests forwardedFrom trusts.
    const list = await listOf(region('eu').app, 'uma', { 'x-cc-forwarded-from': 'us' });
    expect(list).toMatchObject({ region: 'eu', complete: true, regions: [{ region: 'eu', status: 'ok' }] });
    expect((list.conversations as Json[]).map((c) => [c.conversationId, c.homeRegion])).toEqual([[euConversation, 'eu']]);
  });

  it('with one region, answers as a single-region gateway always did', async () => {
    const logger = createLogger('agent-conversations-solo', 'silent');
    const nats = await connectNats(server.url, 'agent-conversations-solo', logger);
    const eu = region('eu').address;
    const peers = connectPeers({ CONVERSATION_GRPC_ADDR: eu, ROUTING_GRPC_ADDR: eu, PRESENCE_GRPC_ADDR: eu, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: CLOSED, CHANNELS_GRPC_ADDR: CLOSED });
    solo = { app: await buildApp({ logger, peers, nats, jwtSecret: SECRET, admission: ADMISSION, gatewayBucket: `gw_solo_${RUN}` }), nats, peers };
    const list = await listOf(solo.app, 'uma');
    expect(Object.keys(list)).toEqual(['conversations']);
    expect((list.conversations as Json[]).map((c) => c.conversationId)).toEqual([euConversation]);
    expect(list.conversations[0]).not.toHaveProperty('homeRegion');
  });

  it('with eu gone, us lists its own and names eu as unavailable instead of failing', async () => {
    await stopRegion(region('eu'));
    const started = Date.now();
    const list = await listOf(region('us').app, 'uma');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(list.complete).toBe(false);
    expect(list.regions).toEqual([{ region: 'us', status: 'ok' }, { region: 'eu', status: 'unavailable', reason: expect.stringContaining('"eu" is unavailable') }]);
    expect((list.conversations as Json[]).map((c) => [c.conversationId, c.homeRegion])).toEqual([[usConversation, 'us']]);
  });
});
