/**
 * The supervisors' overview across two regions: two gateway apps (REGION eu
 * and us, REGIONS eu,us) on one private NATS server, each with its own
 * presence and routing handlers in-process (their own KV buckets, as each
 * region has its own), linked by RegionLink. A `scope=all-regions` request
 * to either gateway merges both regions' answers; with one region's gateway
 * gone, the other answers for itself and names the missing one.
 *
 * Routing's waiting lines are the router's in-memory state, folded from the
 * conversation events; here they are given directly (no conversation
 * service runs), and read through the real GetQueue handler.
 */
import { connectNats, createLogger, GrpcServer, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { addRoutingAndPresence, type Waiting } from '../../../../test/support/regionDesk';
import { buildApp } from '../app';
import { connectPeers } from '../peers';
import type { SupervisorOverview } from './crossRegionView';

jest.setTimeout(60_000);

const SECRET = 'r'.repeat(48);
const RUN = randomUUID().slice(0, 8);
const CLOSED = '127.0.0.1:1';
const TENANT = `t-${RUN}`;

interface Region {
  name: string;
  nats: NatsConnection;
  grpc: GrpcServer;
  peers: ReturnType<typeof connectPeers>;
  app: FastifyInstance;
  /** The router's waiting lines: tenant → conversation → what GetQueue reads. */
  waiting: Waiting;
  closed: boolean;
}

let server: TestNats;
const regions = new Map<string, Region>();

async function startRegion(name: string): Promise<Region> {
  const logger = createLogger(`supervisor-view-${name}`, 'silent');
  const nats = await connectNats(server.url, `supervisor-view-${name}`, logger);
  const grpc = new GrpcServer(logger);
  const waiting: Waiting = new Map();
  await addRoutingAndPresence(grpc, nats, name, RUN, logger, waiting);
  const local = `127.0.0.1:${await grpc.listen('127.0.0.1', 0)}`;
  grpc.markServing();
  const peers = connectPeers({ CONVERSATION_GRPC_ADDR: CLOSED, ROUTING_GRPC_ADDR: local, PRESENCE_GRPC_ADDR: local, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: CLOSED, CHANNELS_GRPC_ADDR: CLOSED });
  const app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, gatewayBucket: `gw_${name}_${RUN}`, region: name, regions: { region: name, regions: ['eu', 'us'], forwardTimeoutMs: 5_000 } });
  await app.ready(); // answers the other region's forwards from here on
  return { name, nats, grpc, peers, app, waiting, closed: false };
}

async function stopRegion(r: Region): Promise<void> {
  if (r.closed) return;
  r.closed = true;
  await r.app.close();
  r.peers.close();
  await r.grpc.shutdown(1_000);
  await r.nats.close();
}

beforeAll(async () => {
  server = await freshNats();
  for (const name of ['eu', 'us']) regions.set(name, await startRegion(name));
});

afterAll(async () => {
  for (const r of regions.values()) await stopRegion(r);
  await server?.stop();
});

const region = (name: string) => regions.get(name)!;
const token = (sub: string, roles: string[]) => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid: TENANT, sub, roles })}` });
const call = async (r: string, method: 'GET' | 'PUT' | 'POST', url: string, headers: Record<string, string>, payload?: object) => {
  const res = await region(r).app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  expect(`${method} ${url} in ${r}: ${res.statusCode}`).toBe(`${method} ${url} in ${r}: 200`);
  return res.json();
};
const overview = (r: string, query = '') => call(r, 'GET', `/v1/supervisor/overview${query}`, token('sup-1', ['supervisor'])) as Promise<SupervisorOverview>;

async function agentOnline(r: string, agentId: string): Promise<void> {
  await call(r, 'PUT', `/v1/admin/agents/${agentId}`, token('admin-1', ['admin']), { displayName: agentId, capacity: { chat: 2 } });
  await call(r, 'POST', '/v1/agents/me/heartbeat', token(agentId, ['agent']), { connectionId: 'desk-1' });
  await call(r, 'PUT', '/v1/agents/me/status', token(agentId, ['agent']), { status: 'online' });
}

const queue = { name: 'Sales', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY' };
const T0 = Date.parse('2026-03-30T10:00:00.000Z');

beforeAll(async () => {
  await call('eu', 'PUT', '/v1/admin/queues/q1', token('admin-1', ['admin']), queue);
  await call('us', 'PUT', '/v1/admin/queues/q1', token('admin-1', ['admin']), queue);
  await call('us', 'PUT', '/v1/admin/queues/q2', token('admin-1', ['admin']), { ...queue, name: 'Support' });
  region('eu').waiting.set(TENANT, new Map([['eu_c1', { queueId: 'q1', queuedAt: T0 }], ['eu_c2', { queueId: 'q1', queuedAt: T0 + 60_000 }]]));
  region('us').waiting.set(TENANT, new Map([['us_c3', { queueId: 'q1', queuedAt: T0 - 120_000 }], ['us_c4', { queueId: 'q2', queuedAt: T0 + 30_000 }]]));
  await agentOnline('eu', 'ana');
  await agentOnline('eu', 'ben');
  await agentOnline('us', 'cyd');
  await call('us', 'PUT', '/v1/admin/agents/dee', token('admin-1', ['admin']), { displayName: 'dee' }); // never connected: offline
});

describe('GET /v1/supervisor/overview', () => {
  it('answers for its own region only by default, as a single-region gateway does', async () => {
    const view = await overview('eu');
    expect(view).toMatchObject({ scope: 'region', complete: true, regions: [{ region: 'eu', status: 'ok' }] });
    expect(view.queues.map((q) => [q.queueId, q.waiting, q.oldestWaitingSince])).toEqual([['q1', 2, '2026-03-30T10:00:00.000Z']]);
    expect(view.agents).toMatchObject({ online: 2, offline: 0 });
  });

  it.each(['eu', 'us'])('with scope=all-regions asked in %s: every region answers for itself and the figures add up', async (asked) => {
    const view = await overview(asked, '?scope=all-regions');
    const other = asked === 'eu' ? 'us' : 'eu';
    expect(view).toMatchObject({ scope: 'all-regions', complete: true, regions: [{ region: asked, status: 'ok' }, { region: other, status: 'ok' }] });
    const q1 = view.queues.find((q) => q.queueId === 'q1')!;
    expect(q1).toMatchObject({ waiting: 3, oldestWaitingSince: '2026-03-30T09:58:00.000Z' });
    expect(Object.fromEntries(q1.byRegion.map((b) => [b.region, [b.waiting, b.oldestWaitingSince]]))).toEqual({
      eu: [2, '2026-03-30T10:00:00.000Z'],
      us: [1, '2026-03-30T09:58:00.000Z'],
    });
    expect(q1.longestWaitSeconds).toBe(Math.max(...q1.byRegion.map((b) => b.longestWaitSeconds!)));
    expect(view.queues.find((q) => q.queueId === 'q2')).toMatchObject({ name: 'Support', waiting: 1, byRegion: [{ region: 'us', waiting: 1 }] });
    expect(view.agents).toMatchObject({ online: 3, offline: 1 });
    expect(Object.fromEntries(view.agents.byRegion.map((b) => [b.region, [b.online, b.offline]]))).toEqual({ eu: [2, 0], us: [1, 1] });
  });

  it('with a region gone: names it, and the totals cover only the region that answered', async () => {
    await stopRegion(region('us'));
    const view = await overview('eu', '?scope=all-regions');
    expect(view.complete).toBe(false);
    expect(view.regions).toEqual([{ region: 'eu', status: 'ok' }, { region: 'us', status: 'unavailable', reason: expect.stringContaining('"us" is unavailable') }]);
    expect(view.queues.map((q) => [q.queueId, q.waiting])).toEqual([['q1', 2]]);
    expect(view.agents).toMatchObject({ online: 2, offline: 0, byRegion: [{ region: 'eu' }] });
  });
});
