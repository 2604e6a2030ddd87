/**
 * PresenceService over real gRPC on a real NATS server (KV + JetStream), with
 * two replicas sharing one bucket, as in production.
 */
import { createGrpcClient, createLogger, GrpcServer, unary, type CallOptions } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { readEvents } from '@contactcenter/infra/events';
import { AgentStatus, DayOfWeek, PresenceServiceClient, PresenceServiceService, type AgentProfile } from '@contactcenter/proto/presence/v1';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { freshNats, type TestNats } from '../../../test/support/nats';
import { Presence, presenceGrpc } from './presenceService';
import { PresenceEvents } from './store/presenceEvents';
import { PresenceStore } from './store/presenceStore';

jest.setTimeout(120_000);

// Short enough for the sweep test to wait it out, long enough that a loaded CI machine keeps agents live between a beat and the calls after it.
const TIMEOUT_MS = 3_000;

type Replica = { nc: NatsConnection; presence: Presence; server: GrpcServer; client: PresenceServiceClient };

describe('PresenceService, two replicas on one NATS KV bucket', () => {
  let nats: TestNats;
  let replicas: Replica[] = [];
  let observer: NatsConnection;
  const bucket = `presence_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    nats = await freshNats();
    const logger = createLogger('presence-test', 'silent');
    for (let i = 0; i < 2; i++) {
      const nc = await connect({ servers: nats.url });
      const store = await PresenceStore.open(nc, bucket);
      const events = await PresenceEvents.open(nc, `region-${i}`, logger);
      const presence = new Presence({ store, events, logger, heartbeatTimeoutMs: TIMEOUT_MS });
      const server = new GrpcServer(logger);
      server.addService(PresenceServiceService, presenceGrpc(presence, store));
      const port = await server.listen('127.0.0.1', 0);
      server.markServing();
      replicas.push({ nc, presence, server, client: createGrpcClient(PresenceServiceClient, `127.0.0.1:${port}`) });
    }
    observer = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    for (const r of replicas) {
      r.client.close();
      await r.server.shutdown(1_000);
      await r.nc.close();
    }
    await observer?.close();
    await nats?.stop();
  });

  const as = (tenantId: string): CallOptions => ({ tenantId, actorId: 'admin', deadlineMs: 10_000 });
  const replica = (i: number) => replicas[i % replicas.length]!.client;
  const profile = (agentId: string, overrides: Partial<AgentProfile> = {}): AgentProfile => ({
    agentId,
    displayName: agentId,
    skills: [{ name: 'billing', level: 5 }],
    languages: ['en', 'es'],
    capacity: { chat: 3, email: 5 },
    calendar: undefined,
    translationEnabled: false,
    teamIds: [],
    ...overrides,
  });
  const upsert = (tenant: string, p: AgentProfile, i = 0) => unary(replica(i), replica(i).upsertAgent, { profile: p }, as(tenant));
  const get = (tenant: string, agentId: string, i = 0) => unary(replica(i), replica(i).getAgent, { agentId }, as(tenant));
  const goOnline = async (tenant: string, agentId: string) => {
    await unary(replica(0), replica(0).setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(tenant));
    return unary(replica(1), replica(1).heartbeat, { agentId, connectionId: 'desk-1' }, as(tenant));
  };
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

  it('stores an agent on one replica and serves it from the other', async () => {
    await upsert('acme', profile('ana', { calendar: { timeZone: 'Europe/Madrid', shifts: [{ day: DayOfWeek.DAY_OF_WEEK_MONDAY, start: '22:00', end: '06:00', endsNextDay: true }], holidays: ['2026-12-25'] } }));
    const { agent } = await get('acme', 'ana', 1);
    expect(agent).toMatchObject({
      profile: { agentId: 'ana', languages: ['en', 'es'], capacity: { chat: 3, email: 5 }, calendar: { timeZone: 'Europe/Madrid' } },
      status: AgentStatus.AGENT_STATUS_OFFLINE,
      acceptsWork: false,
      unavailableReason: 'status offline',
      load: { chat: 0, email: 0 },
    });
    // Tenants are isolated.
    expect(await failure(get('globex', 'ana'))).toBeInstanceOf(NotFoundError);
  });

  it('answers bad input with the field at fault and changes nothing', async () => {
    await upsert('acme', profile('bruno'));
    const before = (await get('acme', 'bruno')).agent!.revision;
    const cases: [Partial<AgentProfile>, string][] = [
      [{ capacity: { chat: -1 } }, 'profile.capacity[chat]'],
      [{ calendar: { timeZone: 'Europe/Nowhere', shifts: [], holidays: [] } }, 'profile.calendar.time_zone'],
      [{ calendar: { timeZone: 'UTC', shifts: [{ day: DayOfWeek.DAY_OF_WEEK_MONDAY, start: '09:00', end: '13:00', endsNextDay: false }, { day: DayOfWeek.DAY_OF_WEEK_MONDAY, start: '12:00', end: '16:00', endsNextDay: false }], holidays: [] } }, 'profile.calendar.shifts[1]'],
      [{ calendar: { timeZone: 'UTC', shifts: [{ day: DayOfWeek.DAY_OF_WEEK_MONDAY, start: '17:00', end: '09:00', endsNextDay: false }], holidays: [] } }, 'profile.calendar.shifts[0].end'],
      [{ skills: [{ name: 'billing', level: 42 }] }, 'profile.skills[0].level'],
    ];
    for (const [overrides, field] of cases) {
      const err = await failure(upsert('acme', profile('bruno', overrides)));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
    expect((await get('acme', 'bruno')).agent!.revision).toBe(before);
    expect(await failure(unary(replica(0), replica(0).heartbeat, { agentId: 'nobody', connectionId: 'x' }, as('acme')))).toBeInstanceOf(NotFoundError);
    expect(await failure(unary(replica(0), replica(0).setAgentStatus, { agentId: 'bruno', status: AgentStatus.AGENT_STATUS_CUSTOM, customStatus: 'gym' }, as('acme')))).toBeInstanceOf(ValidationError);
    expect(await failure(unary(replica(0), replica(0).reserveCapacity, { agentId: 'bruno', conversationId: 'c1', channel: 'fax' }, as('acme')))).toMatchObject({ field: 'channel' });
    expect((await get('acme', 'bruno')).agent!.revision).toBe(before);
  });

  it('never reserves beyond capacity with hundreds of concurrent requests across both replicas', async () => {
    const tenant = 'race';
    const agents = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    for (const a of agents) {
      await upsert(tenant, profile(a, { capacity: { chat: 3 } }));
      await goOnline(tenant, a);
    }
    // Fresh beats for all, so every agent is live while the requests race (going online one by one takes a while on a busy machine).
    await Promise.all(agents.map((a) => unary(replica(0), replica(0).heartbeat, { agentId: a, connectionId: 'desk-1' }, as(tenant))));
    // 400 requests: 40 conversations per agent, some conversations asked twice (a retried request).
    const requests = Array.from({ length: 400 }, (_, i) => ({ agentId: agents[i % agents.length]!, conversationId: `conv-${i % 370}`, channel: 'chat' }));
    const results = await Promise.allSettled(requests.map((r, i) => unary(replica(i), replica(i).reserveCapacity, r, as(tenant))));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IllegalStateError);
    const listed = (await unary(replica(0), replica(0).listAgents, { availableOnly: false, channel: '' }, as(tenant))).agents;
    expect(listed).toHaveLength(agents.length);
    for (const agent of listed) {
      expect(agent.load.chat).toBe(3);
      expect(new Set(agent.reservations.map((r) => r.conversationId)).size).toBe(3);
    }
    // Each conversation is held by at most one agent here (distinct ids per agent by construction), and no agent has a spare slot.
    expect((await unary(replica(1), replica(1).listAgents, { availableOnly: true, channel: 'chat' }, as(tenant))).agents).toEqual([]);
    // Releasing one slot lets exactly one more in.
    const held = listed[0]!.reservations[0]!.conversationId;
    await unary(replica(0), replica(0).heartbeat, { agentId: listed[0]!.profile!.agentId, connectionId: 'desk-1' }, as(tenant));
    await unary(replica(1), replica(1).releaseCapacity, { agentId: listed[0]!.profile!.agentId, conversationId: held }, as(tenant));
    const second = await Promise.allSettled(['x1', 'x2', 'x3'].map((c, i) => unary(replica(i), replica(i).reserveCapacity, { agentId: listed[0]!.profile!.agentId, conversationId: c, channel: 'chat' }, as(tenant))));
    expect(second.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason)))).toContain('ok');
    expect(second.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('ReserveCapacities decides each item alone: the ones with room are reserved, the rest refused with their own reason', async () => {
    const tenant = 'batch';
    await upsert(tenant, profile('kai', { capacity: { chat: 2 } }));
    await goOnline(tenant, 'kai');
    await upsert(tenant, profile('lee', { capacity: { chat: 1 } })); // offline: accepts no work
    const items = [
      { agentId: 'kai', conversationId: 'b1', channel: 'chat' },
      { agentId: 'kai', conversationId: 'b2', channel: 'chat' },
      { agentId: 'kai', conversationId: 'b3', channel: 'chat' }, // one over kai's capacity
      { agentId: 'lee', conversationId: 'b4', channel: 'chat' },
      { agentId: 'nobody', conversationId: 'b5', channel: 'chat' },
      { agentId: 'kai', conversationId: 'b6', channel: 'fax' },
    ];
    const { outcomes } = await unary(replica(0), replica(0).reserveCapacities, { items }, as(tenant));
    expect(outcomes).toHaveLength(items.length);
    const cases = outcomes.map((o) => (o.outcome?.$case === 'error' ? o.outcome.value.code : 'reserved'));
    // Two of kai's three fit; which one is refused depends on which write lands first.
    expect(cases.slice(0, 3).sort()).toEqual(['illegal_state', 'reserved', 'reserved']);
    expect(cases.slice(3)).toEqual(['illegal_state', 'not_found', 'validation']);
    const fax = outcomes[5]!.outcome;
    expect(fax?.$case === 'error' && fax.value.field).toBe('channel');
    const kai = (await get(tenant, 'kai', 1)).agent!;
    expect(kai.load.chat).toBe(2);
    expect((await get(tenant, 'lee')).agent!.load.chat).toBe(0);
    // Empty and oversized batches are refused as a whole, naming the field.
    expect(await failure(unary(replica(0), replica(0).reserveCapacities, { items: [] }, as(tenant)))).toMatchObject({ field: 'items' });
    const tooMany = Array.from({ length: 257 }, (_, i) => ({ agentId: 'kai', conversationId: `m${i}`, channel: 'chat' }));
    expect(await failure(unary(replica(0), replica(0).reserveCapacities, { items: tooMany }, as(tenant)))).toMatchObject({ field: 'items' });
    expect((await get(tenant, 'kai')).agent!.load.chat).toBe(2);
  });

  it('lists every agent written through either replica the moment the write was answered', async () => {
    const tenant = 'listing';
    for (let i = 0; i < 30; i++) {
      await upsert(tenant, profile(`agent-${i}`), i);
      // Each replica's list waits until its copy of the bucket has the other's write.
      const listed = (await unary(replica(i + 1), replica(i + 1).listAgents, { availableOnly: false, channel: '' }, as(tenant))).agents;
      expect(listed.map((a) => a.profile!.agentId)).toContain(`agent-${i}`);
      expect(listed).toHaveLength(i + 1);
    }
  });

  it('never answers "already held" from a stale copy: a reservation released through the other replica is taken again', async () => {
    const tenant = 'stale-copy';
    await upsert(tenant, profile('dana', { capacity: { chat: 1 } }));
    await goOnline(tenant, 'dana');
    for (let round = 0; round < 20; round++) {
      await unary(replica(0), replica(0).heartbeat, { agentId: 'dana', connectionId: 'desk-1' }, as(tenant));
      await unary(replica(0), replica(0).reserveCapacity, { agentId: 'dana', conversationId: 'c1', channel: 'chat' }, as(tenant));
      await unary(replica(1), replica(1).releaseCapacity, { agentId: 'dana', conversationId: 'c1' }, as(tenant));
      // Right away, through the replica that reserved: its copy may not have seen the release yet.
      const again = await unary(replica(0), replica(0).reserveCapacity, { agentId: 'dana', conversationId: 'c1', channel: 'chat' }, as(tenant));
      expect(again.agent!.reservations.map((r) => r.conversationId)).toEqual(['c1']);
      expect((await get(tenant, 'dana', 1)).agent!.reservations.map((r) => r.conversationId)).toEqual(['c1']);
      await unary(replica(1), replica(1).releaseCapacity, { agentId: 'dana', conversationId: 'c1' }, as(tenant));
    }
    expect((await get(tenant, 'dana', 0)).agent!.load.chat).toBe(0);
  });

  it('refuses a reservation for an agent whose tenant status does not accept work, and changes nothing', async () => {
    const tenant = 'statuses';
    await unary(replica(0), replica(0).defineStatus, { status: { name: 'lunch', acceptsWork: false } }, as(tenant));
    const defined = await unary(replica(1), replica(1).defineStatus, { status: { name: 'back-office', acceptsWork: true } }, as(tenant));
    expect(defined.statuses).toEqual([{ name: 'back-office', acceptsWork: true }, { name: 'lunch', acceptsWork: false }]);
    expect(await failure(unary(replica(0), replica(0).defineStatus, { status: { name: 'online', acceptsWork: true } }, as(tenant)))).toMatchObject({ field: 'status.name' });
    await upsert(tenant, profile('carla'));
    await goOnline(tenant, 'carla');
    await unary(replica(0), replica(0).setAgentStatus, { agentId: 'carla', status: AgentStatus.AGENT_STATUS_CUSTOM, customStatus: 'lunch' }, as(tenant));
    const before = (await get(tenant, 'carla')).agent!;
    expect(before).toMatchObject({ acceptsWork: false, unavailableReason: 'status lunch does not accept work' });
    const err = await failure(unary(replica(1), replica(1).reserveCapacity, { agentId: 'carla', conversationId: 'c1', channel: 'chat' }, as(tenant)));
    expect(err).toBeInstanceOf(IllegalStateError);
    expect((await get(tenant, 'carla')).agent!.revision).toBe(before.revision);
  });

  it('sends an agent away once its connections stop beating, once, even with both replicas sweeping; a beat brings it back', async () => {
    const tenant = 'beats';
    await upsert(tenant, profile('dora'));
    await goOnline(tenant, 'dora');
    expect((await get(tenant, 'dora')).agent).toMatchObject({ status: AgentStatus.AGENT_STATUS_ONLINE, acceptsWork: true, connections: 1 });
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 100));
    await Promise.all(replicas.map((r) => r.presence.sweepAll()));
    expect((await get(tenant, 'dora')).agent).toMatchObject({ status: AgentStatus.AGENT_STATUS_AWAY, acceptsWork: false, connections: 0 });
    await unary(replica(1), replica(1).heartbeat, { agentId: 'dora', connectionId: 'desk-2' }, as(tenant));
    expect((await get(tenant, 'dora')).agent).toMatchObject({ status: AgentStatus.AGENT_STATUS_ONLINE, acceptsWork: true });

    const events = await readEvents(observer, { filter: `cc.${tenant}.presence.>` });
    const statusChanges = events.filter((m) => m.subject.startsWith(`cc.${tenant}.presence.AgentStatusChanged.`)).map((m) => m.event.data as { to: string; reason: string });
    expect(statusChanges).toEqual([
      expect.objectContaining({ to: 'online', reason: 'manual' }),
      expect.objectContaining({ to: 'away', reason: 'heartbeat_timeout' }),
      expect.objectContaining({ to: 'online', reason: 'reconnected' }),
    ]);
    expect(events[0]!.event).toMatchObject({ type: 'contactcenter.presence.v1.AgentProfileUpdated', subject: 'dora', tenantid: tenant });
    expect(new Set(events.map((m) => m.event.id)).size).toBe(events.length);
  });
});
