import { createLogger } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import type { AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import { AgentPool } from '../domain/agentPool';
import { capacityOn, loadOn, type AgentView } from '../domain/agentView';
import { parseBusinessHours } from '../domain/businessHours';
import { requirementFor } from '../domain/eligibility';
import { agent, waiting } from '../domain/routingFixtures';
import { RoutingStore } from '../store/routingStore';
import { AgentSlots } from './agentSlots';
import { RegionDesk, type DeskAgents } from './regionDesk';
import { NatsRemoteRegions, RegionUnavailableError, serveRegionRouting } from './remoteRegions';
import { SunFollower } from './sunFollower';

// Several regions' routing on one private nats-server: eu (home) asks the others over `region.<name>.routing`.
const nats = natsForThisFile('routing-regions-test');
const logger = createLogger('routing-regions-test', 'silent');

const hours = (timeZone: string) =>
  parseBusinessHours({ timeZone, holidays: [], intervals: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '08:00', end: '17:00', endsNextDay: false })) }, 'calendar');

const EVENING = Date.parse('2026-06-10T20:30:00Z'); // 22:30 in Berlin, 16:30 in New York, 15:30 in Chicago
const NIGHT = Date.parse('2026-06-10T23:00:00Z'); // nobody on shift anywhere
const requirement = { channel: 'chat' as const, skills: [], language: 'en', teamId: '', widened: false };

/**
 * A region's agents with presence's rules (a reservation beyond capacity is
 * refused, an unknown agent is not found), kept in memory: presence itself is
 * not part of this test.
 */
function regionAgents(tenantId: string, agents: AgentView[]): DeskAgents & { view: (id: string) => AgentView } {
  const pool = new AgentPool();
  for (const a of agents) pool.set(a);
  const change = (agentId: string, conversationId: string, by: number) => {
    const a = pool.get(agentId);
    if (!a) throw new NotFoundError('agent', agentId);
    const holds = new Set(a.holds);
    if (by > 0 && holds.has(conversationId)) return;
    if (by > 0 && loadOn(a, 'chat') >= capacityOn(a, 'chat')) throw new IllegalStateError(`agent "${agentId}" is at capacity`);
    if (by > 0) holds.add(conversationId);
    else if (!holds.delete(conversationId)) return;
    pool.set({ ...a, holds, load: { chat: loadOn(a, 'chat') + by } });
  };
  return {
    pool: async (t) => (t === tenantId ? pool : new AgentPool()),
    reserve: async (t, agentId, conversationId) => (change(t === tenantId ? agentId : '', conversationId, 1), undefined),
    release: async (t, agentId, conversationId) => (change(t === tenantId ? agentId : '', conversationId, -1), undefined),
    apply: () => undefined,
    view: (id) => pool.get(id)!,
  };
}

const usTeam = () => [
  agent('us-ann', { hours: hours('America/New_York'), capacity: { chat: 2 }, load: { chat: 1 }, holds: new Set(['other']) }),
  agent('us-bob', { hours: hours('America/New_York'), capacity: { chat: 2 } }),
];

/**
 * Counts the requests the routing of the served `regions` receives, per tenant (a plain subscriber
 * sees every request and does not answer; only served regions, so that an unserved one still has no responders).
 */
async function requestCounter(nc: NatsConnection, regions: string[]) {
  const seen: { subject: string; op: string; tenantId: string }[] = [];
  for (const region of regions) {
    nc.subscribe(`region.${region}.routing`, {
      callback: (_err, msg) => {
        const { op, tenantId } = JSON.parse(new TextDecoder().decode(msg.data)) as { op: string; tenantId: string };
        seen.push({ subject: msg.subject, op, tenantId });
      },
    });
  }
  await nc.flush();
  return {
    async of(tenantId: string) {
      await nc.flush();
      return seen.filter((s) => s.tenantId === tenantId).map((s) => `${s.subject} ${s.op}`);
    },
  };
}

describe('follow-the-sun across regions over NATS request/reply', () => {
  const euAgents = [agent('eu-eva', { hours: hours('Europe/Berlin') })];
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  /** Serves a region's routing desk; `holders`: who holds that region's own conversations, as its routing would say. */
  function serveDesk(nc: NatsConnection, region: string, agents: DeskAgents, holders = new Map<string, string | undefined>(), leaseMs?: number) {
    const desk = new RegionDesk({ region, agents, logger, remote: new NatsRemoteRegions(nc, 1_000), holderOf: (_t, c) => (holders.has(c) ? holders.get(c) : ''), leaseMs });
    const subscription = serveRegionRouting(nc, region, desk, logger);
    stops.push(() => (subscription.unsubscribe(), desk.stop()));
    return desk;
  }

  async function regions(now: number, options: { regions?: string[]; ap?: AgentView[] } = {}) {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const nc = await nats.connect();
    const counter = await requestCounter(await nats.connect(), options.ap ? ['us', 'ap'] : ['us']);
    const us = regionAgents(tenantId, usTeam());
    serveDesk(nc, 'us', us);
    const ap = options.ap && regionAgents(tenantId, options.ap);
    if (ap) serveDesk(nc, 'ap', ap);
    const store = await RoutingStore.open(nc, `routing-regions-${randomUUID().slice(0, 8)}`);
    const assigned: { agentId: string; reason: string; decision: AssignmentDecision; agentRegion: string }[] = [];
    const remote = new NatsRemoteRegions(nc, 1_000);
    const sun = new SunFollower({
      region: 'eu',
      regions: options.regions ?? ['eu', 'us'],
      remote,
      agents: () => euAgents,
      store,
      assign: async (_t, _c, agentId, reason, decision, agentRegion) => (assigned.push({ agentId, reason, decision, agentRegion }), 1),
      logger,
      replica: 'eu-1',
      claimTtlMs: 10_000,
      now: () => now,
    });
    const w = waiting({ tenantId, conversationId: `eu_${randomUUID()}`, queuedAt: now - 60_000 });
    const attempt = () => sun.tryElsewhere(w, undefined, requirementFor(w, undefined, now), undefined);
    return { tenantId, nc, us, ap, store, assigned, remote, sun, w, attempt, requests: () => counter.of(tenantId) };
  }

  it('with one other region, assigns to its agent with most room in one request, and releases the slot there', async () => {
    const { tenantId, us, store, assigned, sun, w, attempt, requests } = await regions(EVENING);
    const reason = 'no eligible agent on shift in eu (22:30 Europe/Berlin); us has 2 on shift with 3 free slots (16:30 America/New_York)';
    expect(await attempt()).toEqual({ kind: 'assigned', choice: { region: 'us', home: false, reason } });
    expect(await requests()).toEqual(['region.us.routing reserveIfChosen']);
    expect(assigned).toHaveLength(1);
    expect(assigned[0]).toMatchObject({ agentId: 'us-bob', agentRegion: 'us', decision: { regionReason: reason, eligibleCount: 2 } });
    expect(assigned[0]!.reason).toBe(`follow-the-sun: ${reason}; us-bob in us: most spare capacity, held 0 of 2`);
    expect(us.view('us-bob').holds.has(w.conversationId)).toBe(true);
    expect((await store.getOffer(tenantId, w.conversationId))?.value).toMatchObject({ state: 'assigned', acceptingAgent: 'us-bob', reservedFor: '' });

    // The conversation ends: the home routing gives the slot back in us.
    expect(sun.isRemote('us')).toBe(true);
    await sun.release('us', tenantId, 'us-bob', w.conversationId);
    expect(us.view('us-bob').holds.has(w.conversationId)).toBe(false);
  });

  it('keeps the conversation waiting when nobody eligible is on shift anywhere, and leaves no claim behind', async () => {
    const { tenantId, us, store, assigned, attempt, w, requests } = await regions(NIGHT);
    expect(await attempt()).toEqual({ kind: 'waits', unanswered: false });
    expect(await requests()).toEqual(['region.us.routing reserveIfChosen']);
    expect(assigned).toEqual([]);
    expect(await store.getOffer(tenantId, w.conversationId)).toBeUndefined();
    expect(us.view('us-bob').holds.size).toBe(0);
  });

  it('with several regions, asks every standing at once and reserves in the one chosen (most free slots, ties by name)', async () => {
    // ap ties with us on free slots (3 each): ap by name, as chooseRegion decides.
    const ap = [agent('ap-abe', { hours: hours('America/Chicago'), capacity: { chat: 3 } })];
    const { us, ap: apAgents, assigned, attempt, w, requests } = await regions(EVENING, { regions: ['eu', 'us', 'ap'], ap });
    const reason = 'no eligible agent on shift in eu (22:30 Europe/Berlin); ap has 1 on shift with 3 free slots (15:30 America/Chicago)';
    expect(await attempt()).toEqual({ kind: 'assigned', choice: { region: 'ap', home: false, reason } });
    expect((await requests()).sort()).toEqual(['region.ap.routing reserve', 'region.ap.routing standing', 'region.us.routing standing']);
    expect(assigned[0]).toMatchObject({ agentId: 'ap-abe', agentRegion: 'ap', reason: `follow-the-sun: ${reason}; ap-abe in ap: most spare capacity, held 0 of 3` });
    expect(apAgents!.view('ap-abe').holds.has(w.conversationId)).toBe(true);
    expect(us.view('us-bob').holds.size).toBe(0);
  });

  it('passes over a region that does not answer, and says a retry is worth it when the only region did not answer', async () => {
    const { tenantId, remote, attempt, assigned, w } = await regions(EVENING, { regions: ['eu', 'us', 'ap'] });
    expect(await remote.standing('ap', { tenantId, requirement, at: EVENING })).toBeUndefined();
    await expect(remote.reserve('ap', { tenantId, conversationId: w.conversationId, homeRegion: 'eu', requirement })).rejects.toBeInstanceOf(RegionUnavailableError);
    expect(await attempt()).toMatchObject({ kind: 'assigned', choice: { region: 'us' } });
    expect(assigned.map((a) => a.agentRegion)).toEqual(['us']);

    const alone = await regions(EVENING, { regions: ['eu', 'ap'] });
    expect(await alone.attempt()).toEqual({ kind: 'waits', unanswered: true });
    expect(await alone.store.getOffer(alone.tenantId, alone.w.conversationId)).toBeUndefined();
  });

  it('answers a malformed request with an error, which the asker sees as the region unavailable', async () => {
    const { remote } = await regions(EVENING);
    const bad = { channel: 'fax', skills: [], language: '', teamId: '', widened: false } as never;
    await expect(remote.reserve('us', { tenantId: 't', conversationId: 'c', homeRegion: 'eu', requirement: bad })).rejects.toThrow('routing of region us did not answer');
  });

  describe('leases on slots held for another region', () => {
    /** us holds slots on a short lease; eu answers who holds its conversations from `holders`. */
    async function leased(holders: Map<string, string | undefined>, serveEu = true) {
      const tenantId = `t-${randomUUID().slice(0, 8)}`;
      const nc = await nats.connect();
      const us = regionAgents(tenantId, usTeam());
      const desk = serveDesk(nc, 'us', us, new Map(), 150);
      if (serveEu) serveDesk(nc, 'eu', regionAgents(tenantId, []), holders);
      const conversationId = `eu_${randomUUID()}`;
      // The home routing reserves, then (as far as us can tell) dies before assigning.
      const reserved = await new NatsRemoteRegions(nc, 1_000).reserve('us', { tenantId, conversationId, homeRegion: 'eu', requirement });
      expect(reserved?.agentId).toBe('us-bob');
      return { us, desk, conversationId, held: () => us.view('us-bob').holds.has(conversationId) };
    }
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('releases a slot the home region never assigned, once the lease runs out', async () => {
      const { desk, held } = await leased(new Map());
      expect(held()).toBe(true);
      await pause(600);
      expect(held()).toBe(false);
      expect(desk.leased).toBe(0);
    });

    it('keeps a slot whose conversation the home region says the agent holds', async () => {
      const holders = new Map<string, string | undefined>();
      const { desk, conversationId, held } = await leased(holders);
      holders.set(conversationId, 'us-bob');
      await pause(600);
      expect(held()).toBe(true);
      expect(desk.leased).toBe(0); // confirmed: released later by the home, when the conversation ends
    });

    it('keeps it while the home region cannot say yet, and releases once it says nobody holds it', async () => {
      const holders = new Map<string, string | undefined>();
      const { desk, conversationId, held } = await leased(holders);
      holders.set(conversationId, undefined); // the home's feed is catching up, or a claim is in flight
      await pause(600);
      expect(held()).toBe(true);
      expect(desk.leased).toBe(1);
      holders.set(conversationId, ''); // queued again, nobody holds it
      await pause(600);
      expect(held()).toBe(false);
    });

    it('keeps it while the home region does not answer at all', async () => {
      const { desk, held } = await leased(new Map(), false);
      await pause(600);
      expect(held()).toBe(true);
      expect(desk.leased).toBe(1);
    });
  });

  describe('a transfer to an agent (the event does not say where they work)', () => {
    async function transfers() {
      const { tenantId, nc, us, sun } = await regions(EVENING);
      const eu = regionAgents(tenantId, euAgents);
      const placed: string[] = [];
      const slots = new AgentSlots({ presence: eu, apply: () => undefined, sun, placed: (_t, _c, agentId, region) => placed.push(`${agentId}@${region}`), logger });
      return { tenantId, nc, us, eu, slots, placed, conversationId: `eu_${randomUUID()}` };
    }

    it('holds the slot of an agent of another region there, and releases it there when they leave', async () => {
      const { tenantId, us, eu, slots, placed, conversationId } = await transfers();
      await slots.hold(tenantId, 'us-bob', conversationId, 'chat');
      expect(placed).toEqual(['us-bob@us']);
      expect(us.view('us-bob').holds.has(conversationId)).toBe(true);
      expect(eu.view('eu-eva').holds.size).toBe(0);
      // Transferred on from us-bob (the feed now says us) to eu-eva: us-bob's slot back in us, eu-eva's held here.
      await slots.release(tenantId, 'us-bob', conversationId, 'us');
      await slots.hold(tenantId, 'eu-eva', conversationId, 'chat');
      expect(us.view('us-bob').holds.has(conversationId)).toBe(false);
      expect(eu.view('eu-eva').holds.has(conversationId)).toBe(true);
      expect(placed).toEqual(['us-bob@us']);
    });

    it('finds no region for an agent nobody knows, and holds nothing', async () => {
      const { tenantId, us, slots, placed, conversationId } = await transfers();
      await slots.hold(tenantId, 'nobody', conversationId, 'chat');
      expect(placed).toEqual([]);
      expect([...us.view('us-bob').holds, ...us.view('us-ann').holds]).not.toContain(conversationId);
    });

    it('knows the region of an agent presence there refuses (at capacity): the assignment stands uncounted', async () => {
      const { tenantId, us, slots, placed } = await transfers();
      await slots.hold(tenantId, 'us-bob', 'x1', 'chat');
      await slots.hold(tenantId, 'us-bob', 'x2', 'chat');
      await slots.hold(tenantId, 'us-bob', 'x3', 'chat');
      expect(placed).toEqual(['us-bob@us', 'us-bob@us', 'us-bob@us']);
      expect([...us.view('us-bob').holds].sort()).toEqual(['x1', 'x2']);
    });
  });
});
