/**
 * The replay against what really happened: a small rush of chat traffic goes
 * through the real stack (conversation, presence, routing and the gateway as
 * processes on a fresh NATS server and PostgreSQL event store); its window is
 * then read back from the events stream and replayed under the policy that
 * was in force. Every conversation's wait in the replay is within
 * WAIT_TOLERANCE_MS of its recorded wait: the replay frees an agent the
 * moment a conversation is resolved, while the live path adds the feed's
 * lag, the capacity release and the next pass (tens to hundreds of ms per
 * hand-over, adding up along an agent's chain of conversations).
 * The same window through POST /v1/simulations: figures, series, 400s naming
 * the field, and nothing written to the event store or any stream or bucket.
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { RoutingServiceClient, Strategy } from '@contactcenter/proto/routing/v1';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startTestStack, type TestStack } from '../support/stack';
import { validateQueue } from '../../services/routing/src/domain/policy';
import { queueFromProto } from '../../services/routing/src/grpc';
import { driveTraffic } from '../../services/routing/src/simulation/demoTraffic';
import { applyPolicyChange, NO_CHANGE } from '../../services/routing/src/simulation/policyChange';
import { readRecordedEvents } from '../../services/routing/src/simulation/recordedEvents';
import { foldRecordedWindow } from '../../services/routing/src/simulation/recordedWindow';
import { simulate } from '../../services/routing/src/simulation/simulator';

jest.setTimeout(180_000);

const WAIT_TOLERANCE_MS = 1_500;
const HANDLE_MS = [1_500, 2_500, 2_000, 3_000, 1_800, 2_200, 2_600, 1_600, 2_400, 2_000];
const ARRIVALS = HANDLE_MS.length;
/** The last visitor gives up after this long in the queue (it is long by then). */
const PATIENCE_MS = 800;

describe('routing simulation against recorded traffic', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let conversation: ConversationServiceClient;
  let presence: PresenceServiceClient;
  let routing: RoutingServiceClient;
  const tenant = `sim-${randomUUID().slice(0, 8)}`;
  const as = (actorId: string): CallOptions => ({ tenantId: tenant, actorId, deadlineMs: 20_000 });
  let windowStart = 0;
  let windowEnd = 0;
  /** After the agents came online and before the first visitor: no traffic. */
  let quietStart = 0;

  beforeAll(async () => {
    stack = await startTestStack();
    const addr = (n: 'conversation' | 'presence' | 'routing') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    conversation = createGrpcClient(ConversationServiceClient, addr('conversation'));
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    routing = createGrpcClient(RoutingServiceClient, addr('routing'));
    nc = await connect({ servers: stack.nats.url });
    await recordTraffic();
  });

  afterAll(async () => {
    for (const c of [conversation, presence, routing]) c?.close();
    await nc?.close();
    await stack?.teardown();
  });

  /** Two agents, one chat each; ten visitors 300 ms apart; agents reply, then resolve; the last visitor leaves while waiting. */
  async function recordTraffic(): Promise<void> {
    const t = await driveTraffic({ conversation, presence, routing }, { tenantId: tenant, agentIds: ['ana', 'bo'], handleMs: HANDLE_MS, gapMs: 300, lastLeavesAfterMs: PATIENCE_MS });
    ({ quietStart, start: windowStart, end: windowEnd } = t);
  }

  it('reproduces every recorded wait within the tolerance under the policy in force', async () => {
    const events = await readRecordedEvents(nc, { tenantId: tenant, start: windowStart, end: windowEnd });
    const window = foldRecordedWindow(events, windowStart, windowEnd);
    expect(window.conversations).toHaveLength(ARRIVALS);
    expect(window.agents.map((a) => a.agentId)).toEqual(['ana', 'bo']);
    const queues = (await unary(routing, routing.listQueues, {}, as('admin'))).queues;
    expect(queues).toHaveLength(1);
    const inForce = queues.map((q) => ({ ...validateQueue(queueFromProto(q)), revision: Number(q.revision) }));
    const replay = await simulate(window, applyPolicyChange(window, inForce, NO_CHANGE));
    const simulated = new Map(replay.conversations.map((c) => [c.conversationId, c]));
    const deltas = window.conversations.map((c) => {
      const s = simulated.get(c.conversationId)!;
      if (c.abandonedAfterMs !== undefined) {
        expect(s.abandonedAt).toBe(c.queuedAt + c.abandonedAfterMs);
        return 0;
      }
      expect(s.assignedAt).toBeDefined();
      return s.assignedAt! - s.arrivedAt - (c.assignedAt! - c.queuedAt);
    });
    expect(window.conversations.filter((c) => c.abandonedAfterMs !== undefined)).toHaveLength(1);
    // Some visitors waited: the replay had a line to serve, not only free agents.
    expect(window.conversations.filter((c) => c.assignedAt !== undefined && c.assignedAt - c.queuedAt > 1_000).length).toBeGreaterThan(2);
    for (const d of deltas) expect(Math.abs(d)).toBeLessThanOrEqual(WAIT_TOLERANCE_MS);
    process.stdout.write(`replay minus recorded wait per conversation (ms): ${deltas.map((d) => Math.round(d)).join(', ')}\n`);
  });

  it('answers POST /v1/simulations with figures and series, and refuses bad input naming the field', async () => {
    const post = (body: unknown, roles = ['supervisor']) =>
      fetch(`${stack.gatewayUrl}/v1/simulations`, { method: 'POST', headers: { authorization: `Bearer ${stack.token(tenant, 'sue', roles)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const window = { windowStart: new Date(windowStart).toISOString(), windowEnd: new Date(windowEnd).toISOString() };

    const res = await post({ ...window, staffing: [{ skill: 'billing', language: 'en', add: 10, remove: 0 }], serviceLevelTargetSeconds: 1 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { conversations: number; recorded: { arrivals: number; abandoned: number; waitP90Seconds: number }[]; simulated: { arrivals: number; waitP90Seconds: number; abandoned: number }[]; staffing: { erlangCAgents: number }[]; series: { hours: string[]; lines: { figure: string; recorded: unknown[]; simulated: unknown[] }[] } };
    expect(body.conversations).toBe(ARRIVALS);
    expect(body.recorded.reduce((s, r) => s + r.arrivals, 0)).toBe(ARRIVALS);
    expect(body.recorded.reduce((s, r) => s + r.abandoned, 0)).toBe(1);
    // Twelve agents for the same traffic: nobody waits, nobody leaves.
    expect(body.simulated.every((r) => r.waitP90Seconds === 0 && r.abandoned === 0)).toBe(true);
    expect(body.staffing.length).toBeGreaterThan(0);
    expect(body.staffing.every((s) => s.erlangCAgents >= 1)).toBe(true);
    expect(body.series.hours.length).toBeGreaterThan(0);
    expect(body.series.lines.find((l) => l.figure === 'arrivals')!.recorded.length).toBe(body.series.hours.length);

    const problems: [unknown, string][] = [
      [{ ...window, queueChanges: [{ queueId: 'nope' }] }, 'queue_changes[0].queue_id'],
      [{ ...window, staffing: [{ skill: 'billing', language: 'en', add: -2, remove: 0 }] }, 'staffing[0].add'],
      [{ ...window, staffing: [{ skill: 'knitting', language: 'en', add: 1, remove: 0 }] }, 'staffing[0].skill'],
      [{ ...window, staffing: [{ skill: '', language: 'ja', add: 1, remove: 0 }] }, 'staffing[0].language'],
      [{ ...window, shiftMoves: [{ agentId: 'zed', minutes: 30 }] }, 'shift_moves[0].agent_id'],
      [{ windowStart: new Date(windowStart - 86_400_000).toISOString(), windowEnd: window.windowEnd }, 'window.start'],
      [{ windowStart: new Date(quietStart).toISOString(), windowEnd: window.windowStart }, 'window'],
      [{ windowStart: window.windowStart }, 'window_end'],
    ];
    for (const [bad, field] of problems) {
      const r = await post(bad);
      expect({ field, status: r.status }).toEqual({ field, status: 400 });
      expect(((await r.json()) as { field?: string }).field).toBe(field);
    }
    expect((await post(window, ['agent'])).status).toBe(403);
  });

  // Asked of routing directly: the gateway's own shared rate counters (KV) count every request and are not the simulation's doing.
  it('writes nothing to the event store, the events stream or any KV bucket', async () => {
    let before = await liveState();
    // Let what the traffic set off (surveys, offer clean-up) come to rest first.
    for (let after = before, tries = 0; tries === 0 || JSON.stringify(after) !== JSON.stringify(before); tries++) {
      if (tries > 20) throw new Error(`the live system did not come to rest: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      before = after;
      await new Promise((r) => setTimeout(r, 1_000));
      after = await liveState();
    }
    const req = { windowStart: new Date(windowStart), windowEnd: new Date(windowEnd), queueChanges: [{ queueId: 'support', strategy: Strategy.STRATEGY_ROUND_ROBIN, overflow: undefined }], staffing: [{ skill: 'billing', language: 'en', add: 1, remove: 1 }], shiftMoves: [{ agentId: 'bo', minutes: -5 }], serviceLevelTargetSeconds: 2, serviceLevelGoal: 0.9 };
    const res = await unary(routing, routing.simulateRouting, req, { ...as('sue'), deadlineMs: 60_000 });
    expect(res.simulated.reduce((s, r) => s + r.arrivals, 0)).toBe(ARRIVALS);
    await expect(unary(routing, routing.simulateRouting, { ...req, staffing: [{ skill: 'billing', language: 'en', add: 0, remove: -1 }] }, as('sue'))).rejects.toMatchObject({ field: 'staffing[0].remove' });
    expect(await liveState()).toEqual(before);
  });

  /** Every stream (events, KV buckets but the relay's lease) by its last sequence and count, and the event store's log. */
  async function liveState() {
    const jsm = await jetstreamManager(nc);
    const streams: Record<string, [number, number]> = {};
    for await (const s of jsm.streams.list()) {
      // The relay renews its lease on a timer, whatever else happens: not a change of anything a simulation could touch.
      if (s.config.name !== 'KV_cc_relay_leases') streams[s.config.name] = [s.state.last_seq, s.state.messages];
    }
    const pg = new Client({ connectionString: stack.eventStoreUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query('SELECT count(*)::int AS n, coalesce(max(position), 0)::text AS last FROM es_events');
      return { streams, eventStore: rows[0] };
    } finally {
      await pg.end();
    }
  }
});
