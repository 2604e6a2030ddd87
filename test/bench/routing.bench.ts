/**
 * Routing benchmark: decision latency and assignments per second with
 * BENCH_AGENTS agents online (default 10,000) and BENCH_CONVERSATIONS queued
 * conversations (default 50,000), against baselines measured in the same run.
 * 1. Decision latency, in process: the pure `route()` over every agent, for a
 *    sample of the waiting conversations under one queue per strategy; and
 *    the serving-order sort the router does over all waiting ones each pass.
 * 2. Assignments per second, end to end: conversation, presence and routing
 *    as separate processes on a private NATS and a fresh PostgreSQL database.
 *    Agents come online through presence (chat capacity 3), conversations are
 *    started and enqueued through gRPC; assignments are counted from the
 *    conversation relay's `AgentAssigned` events, from the first enqueue until
 *    every slot is taken, every conversation assigned, or the count stalls.
 * 3. Baselines, before and after phase 2 on the same servers: NATS
 *    request/reply round trips (one at a time, and 64 in flight), and raw
 *    single-row PostgreSQL INSERTs (as test/bench/eventstore.bench.ts does).
 * Prints progress and tables, then as its very last line one JSON object.
 *   npx tsx test/bench/routing.bench.ts
 *   BENCH_AGENTS=1000 BENCH_CONVERSATIONS=5000 npx tsx test/bench/routing.bench.ts
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { Channel, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { Agent, AgentStatus, PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient, Strategy } from '@contactcenter/proto/routing/v1';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ServiceProcess, type LogLine, type ServiceName } from '../../scripts/stack';
import type { AgentView } from '../../services/routing/src/domain/agentView';
import { toView } from '../../services/routing/src/engine/agentDirectory';
import { STRATEGIES, type QueuePolicy } from '../../services/routing/src/domain/policy';
import { route } from '../../services/routing/src/domain/route';
import { servingOrder, type Waiting } from '../../services/routing/src/domain/waiting';
import { freshNats } from '../support/nats';
import { freshPostgresDatabase } from '../support/postgres';
import { emptySample, rateOf, timed, type Sample } from './support/closedLoop';
import { percentile } from './support/percentile';
import { natsEcho, rawEventTable } from './support/rawBaselines';

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
};
const AGENTS = positive('BENCH_AGENTS', 10_000);
const CONVERSATIONS = positive('BENCH_CONVERSATIONS', 50_000);
const SAMPLE = Math.min(positive('BENCH_SAMPLE', 5_000), CONVERSATIONS);
const CONCURRENCY = positive('BENCH_CONCURRENCY', 64);
/** The end-to-end phase ends when no assignment arrived for this long after the last enqueue. */
const STALL_MS = positive('BENCH_STALL_MS', 15_000);
/** Optional cap on the whole run (seconds): enqueueing and waiting stop there, and the figures cover what was done. */
const DEADLINE_S = process.env.BENCH_DEADLINE_S ? positive('BENCH_DEADLINE_S', 0) : Infinity;
const benchStarted = performance.now();
const pastDeadline = () => performance.now() - benchStarted > DEADLINE_S * 1000;
const CAPACITY = 3;
const LANGUAGES = ['en', 'es', 'de', 'pt'] as const;
const SKILLS = ['billing', 'tech', 'sales', 'returns', 'vip'] as const;
const TENANT = `bench-${randomUUID().slice(0, 8)}`;

/** Deterministic data: the same agents and conversations in every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = mulberry32(20_240_601);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const log = (line: string) => process.stderr.write(`[routing bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------- 1. decisions

/**
 * Agents as the routing service holds them: presence's Agent message, through
 * the wire format (map fields decode as ts-proto builds them) and `toView`.
 */
function agentViews(now: number): Map<string, AgentView> {
  const agents = new Map<string, AgentView>();
  const date = (ms: number) => (ms ? new Date(ms) : undefined);
  for (let i = 0; i < AGENTS; i++) {
    const onShift = random() < 0.9;
    const acceptsWork = onShift && random() < 0.85;
    const load = int(0, CAPACITY);
    const first = pick(LANGUAGES);
    const languages = random() < 0.3 ? [first, pick(LANGUAGES)] : [first];
    const skills = new Map(Array.from({ length: int(1, 3) }, () => [pick(SKILLS), int(1, 10)] as const));
    const agentId = `agent-${i}`;
    const agent = Agent.decode(
      Agent.encode({
        profile: {
          agentId,
          displayName: `Agent ${i}`,
          skills: [...skills].map(([name, level]) => ({ name, level })),
          languages: [...new Set(languages)],
          capacity: { chat: CAPACITY },
          calendar: undefined,
          translationEnabled: random() < 0.25,
          teamIds: [],
        },
        status: acceptsWork ? AgentStatus.AGENT_STATUS_ONLINE : AgentStatus.AGENT_STATUS_AWAY,
        customStatus: '',
        statusSince: new Date(now - 60_000),
        connections: 1,
        lastSeenAt: new Date(now),
        reservations: Array.from({ length: load }, () => ({ conversationId: randomUUID(), channel: 'chat', reservedAt: new Date(now) })),
        load: { chat: load },
        idleSince: date(load === 0 ? now - int(0, 3_600_000) : 0),
        lastAssignedAt: date(random() < 0.8 ? now - int(0, 3_600_000) : 0),
        acceptsWork,
        onShift,
        unavailableReason: acceptsWork ? '' : onShift ? 'status away' : 'off shift',
        revision: 1,
      }).finish(),
    );
    agents.set(agentId, toView(agent));
  }
  return agents;
}

/** One queue per strategy, each requiring a different skill; two widen after overflow. */
const POLICIES: QueuePolicy[] = STRATEGIES.map((strategy, i) => ({
  queueId: `q-${strategy}`,
  name: strategy,
  channel: 'chat',
  requiredSkills: [{ name: SKILLS[i]!, minLevel: [3, 5, 1, 7][i]! }],
  language: i === 2 ? 'en' : '',
  priority: 2,
  strategy,
  offerTimeoutSeconds: strategy === 'manual_pick' ? 30 : 0,
  agingSeconds: [60, 30, 0, 120][i]!,
  overflow: { afterSeconds: i % 2 === 0 ? 300 : 0, widen: i % 2 === 0, toQueueId: '' },
  averageHandleSeconds: 300,
  teamId: '',
  revision: 1,
}));

function waitingConversations(now: number): Waiting[] {
  return Array.from({ length: CONVERSATIONS }, (_, i) => ({
    tenantId: TENANT,
    conversationId: `conv-${i}`,
    queueId: POLICIES[i % POLICIES.length]!.queueId,
    teamId: '',
    channel: 'chat',
    language: pick([...LANGUAGES, 'pt-br', '']),
    priority: int(1, 4),
    queuedAt: now - int(0, 600_000),
  }));
}

function measureDecisions() {
  const now = Date.now();
  const agents = agentViews(now);
  const waiting = waitingConversations(now);
  const policies = new Map(POLICIES.map((p) => [p.queueId, p]));
  const sample = Array.from({ length: SAMPLE }, () => pick(waiting));
  // As the router calls it: the directory's Map values, a fresh declined set per decision.
  const decide = (w: Waiting) => route({ waiting: w, policy: policies.get(w.queueId), agents: agents.values(), declined: new Set<string>(), now });
  for (const w of sample.slice(0, 500)) decide(w);
  const all: number[] = [];
  const byStrategy = new Map<string, number[]>();
  let offers = 0;
  for (const w of sample) {
    const t0 = performance.now();
    const outcome = decide(w);
    const ms = performance.now() - t0;
    all.push(ms);
    const strategy = policies.get(w.queueId)!.strategy;
    if (!byStrategy.has(strategy)) byStrategy.set(strategy, []);
    byStrategy.get(strategy)!.push(ms);
    if (outcome.kind === 'offer') offers++;
  }
  // The router sorts every waiting conversation of a tenant into serving order at the start of each pass.
  const sorts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    [...waiting].sort(servingOrder((w) => policies.get(w.queueId), now));
    sorts.push(performance.now() - t0);
  }
  const summary = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  return { all: summary(all), byStrategy: [...byStrategy].map(([s, ms]) => ({ strategy: s, ...summary(ms) })), offers, sortMs: summary(sorts).p50 };
}

// ---------------------------------------------------------------- 3. baselines

interface Baselines {
  natsSequential: Sample;
  natsConcurrent: Sample;
  pgInserts: Sample;
  run(): Promise<void>;
  close(): Promise<void>;
}

async function baselines(natsUrl: string, dbUrl: string): Promise<Baselines> {
  const echo = await natsEcho(natsUrl, 'bench.rr');
  const payload = new TextEncoder().encode(JSON.stringify({ conversationId: randomUUID(), agentId: 'agent-1', channel: 'chat', padding: 'x'.repeat(160) }));
  const request = () => echo.request(payload);

  const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
  pool.on('error', () => undefined); // connections cut when the database is dropped at the end
  const insertRow = await rawEventTable(pool, 'bench_raw_events');
  let n = 0;
  const insert = () =>
    insertRow({ streamId: `raw-${n}`, revision: n++, eventId: randomUUID(), type: 'AgentAssigned', data: { conversationId: randomUUID(), agentId: 'agent-1' }, metadata: { tenant: TENANT } });

  const b: Baselines = {
    natsSequential: emptySample(),
    natsConcurrent: emptySample(),
    pgInserts: emptySample(),
    run: async () => {
      await timed(emptySample(), 8, 300, insert); // warm-up: connections, prepared statement
      await timed(emptySample(), 1, 300, request);
      await timed(b.natsSequential, 1, 2_000, request);
      await timed(b.natsConcurrent, CONCURRENCY, 2_000, request);
      await timed(b.pgInserts, 8, 2_000, insert);
    },
    close: async () => {
      await Promise.allSettled([echo.close(), pool.end()]);
    },
  };
  return b;
}

// ---------------------------------------------------------------- 2. end to end

/** Calls `fn(i)` for i in [0, count) with at most `concurrency` at once; counts failures instead of stopping. */
async function bounded(count: number, concurrency: number, label: string, fn: (i: number) => Promise<void>, stop = () => false): Promise<{ failed: number; firstError?: Error }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError: Error | undefined;
  const started = performance.now();
  const timer = setInterval(() => log(`${label}: ${done} of ${count} (${round(done / ((performance.now() - started) / 1000), 0)}/s, ${failed} failed)`), 5_000);
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count && !stop()) {
          const i = next++;
          await fn(i).catch((err: Error) => {
            failed++;
            firstError ??= err;
          });
          done++;
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  log(`${label}: ${done} in ${round((performance.now() - started) / 1000, 1)} s, ${failed} failed${firstError ? ` (first: ${firstError.message})` : ''}`);
  return { failed, firstError };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Mean of the routing service's own `routing_decision_seconds` histogram, in ms. */
async function serviceDecisionMeanMs(metricsPort: number): Promise<number | undefined> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => '');
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mean = (value('routing_decision_seconds_sum') / value('routing_decision_seconds_count')) * 1000;
  return Number.isFinite(mean) ? mean : undefined;
}

async function measureAssignments(natsUrl: string, dbUrl: string, cleanups: (() => Promise<unknown>)[], onBaseline: () => Promise<void>) {
  const base = { NATS_URL: natsUrl, EVENT_STORE_URL: dbUrl, GRPC_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' };
  // Warnings and errors the services log, grouped by message: retries and refusals cost throughput.
  const warnings = new Map<string, number>();
  const onLine = ({ service, line }: LogLine) => {
    if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) return;
    try {
      const rec = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      const what = `${service}: ${rec.msg}${rec.err?.message ? ` (${rec.err.message.replace(/"[^"]*"/g, '"…"').slice(0, 90)})` : ''}`;
      warnings.set(what, (warnings.get(what) ?? 0) + 1);
    } catch {
      // not a log record
    }
  };
  const start = (name: ServiceName, env: Record<string, string>) => {
    const proc = new ServiceProcess(name, { ...base, ...env }, onLine);
    cleanups.push(async () => {
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      await proc.stop('SIGTERM');
      clearTimeout(killer);
    });
    return proc;
  };
  // Agents are brought online once, without a heartbeat loop: a timeout longer than the run keeps them live.
  const [conversation, presence] = [start('conversation', {}), start('presence', { HEARTBEAT_TIMEOUT_MS: String(6 * 3_600_000) })];
  const [cInfo, pInfo] = await Promise.all([conversation.ready, presence.ready]);
  const addr = (port: number) => `127.0.0.1:${port}`;
  const routingProc = start('routing', { CONVERSATION_GRPC_ADDR: addr(cInfo.grpcPort), PRESENCE_GRPC_ADDR: addr(pInfo.grpcPort) });
  const rInfo = await routingProc.ready;
  log(`services ready: conversation :${cInfo.grpcPort}, presence :${pInfo.grpcPort}, routing :${rInfo.grpcPort}`);

  const conversations = createGrpcClient(ConversationServiceClient, addr(cInfo.grpcPort));
  const presenceClient = createGrpcClient(PresenceServiceClient, addr(pInfo.grpcPort));
  const routing = createGrpcClient(RoutingServiceClient, addr(rInfo.grpcPort));
  cleanups.push(async () => [conversations, presenceClient, routing].forEach((c) => c.close()));
  const as = (actorId = 'bench-admin'): CallOptions => ({ tenantId: TENANT, actorId, deadlineMs: 60_000 });

  const agentsStarted = performance.now();
  const agents = await bounded(AGENTS, CONCURRENCY, 'agents online', async (i) => {
    const agentId = `agent-${i}`;
    const first = LANGUAGES[i % LANGUAGES.length]!;
    const profile = {
      agentId,
      displayName: `Agent ${i}`,
      skills: [{ name: 'support', level: 1 + (i % 10) }, { name: SKILLS[i % SKILLS.length]!, level: 1 + ((i * 7) % 10) }],
      languages: first === 'en' ? ['en'] : [first, 'en'],
      capacity: { chat: CAPACITY },
      calendar: undefined,
      translationEnabled: i % 4 === 0,
      teamIds: [],
    };
    await unary(presenceClient, presenceClient.upsertAgent, { profile }, as());
    await unary(presenceClient, presenceClient.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(agentId));
    await unary(presenceClient, presenceClient.heartbeat, { agentId, connectionId: 'desk' }, as(agentId));
  });
  const agentSetupSeconds = (performance.now() - agentsStarted) / 1000;
  const online = (await unary(presenceClient, presenceClient.listAgents, { availableOnly: true, channel: 'chat' }, as())).agents.length;
  log(`${online} agents accept chat work`);

  const queue = {
    queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [{ name: 'support', minLevel: 1 }], language: '', priority: 0,
    strategy: Strategy.STRATEGY_LEAST_BUSY, offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 300, teamId: '', revision: 0,
  };
  await unary(routing, routing.upsertQueue, { queue }, as());

  // Baselines once the stack is up and idle: same servers, same neighbours.
  await onBaseline();

  const nc: NatsConnection = await connect({ servers: natsUrl });
  cleanups.push(() => nc.close());
  const assigned = new Map<string, number>();
  const perAgent = new Map<string, number>();
  nc.subscribe(`cc.${TENANT}.conversation.AgentAssigned`, {
    callback: (_err, msg) => {
      const event = msg.json<{ data?: { conversationId: string; agentId: string } }>();
      const { conversationId, agentId } = (event.data ?? event) as { conversationId: string; agentId: string };
      if (assigned.has(conversationId)) return; // a redelivery by the relay
      assigned.set(conversationId, performance.now());
      perAgent.set(agentId, (perAgent.get(agentId) ?? 0) + 1);
    },
  });
  await nc.flush();

  let firstEnqueueAt = 0;
  let enqueued = 0;
  const ids = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  const enqueueing = bounded(CONVERSATIONS, CONCURRENCY, 'conversations queued', async (i) => {
    const conversationId = ids[i]!;
    await unary(conversations, conversations.startConversation, { conversationId, channel: Channel.CHANNEL_CHAT, customerId: `c-${i}`, language: 'en', region: 'eu', subject: '', invitationId: '' }, as(`c-${i}`));
    firstEnqueueAt ||= performance.now();
    await unary(routing, routing.enqueueConversation, { conversationId, queueId: 'support' }, as(`c-${i}`));
    enqueued++;
  }, pastDeadline);
  const queuedResult = await enqueueing;
  const enqueueDoneAt = performance.now();

  const expected = Math.min(online * CAPACITY, enqueued);
  let lastCount = -1;
  let lastGrowth = performance.now();
  for (;;) {
    if (assigned.size !== lastCount) {
      lastCount = assigned.size;
      lastGrowth = performance.now();
      log(`assigned ${assigned.size} of ${expected}`);
    }
    if (assigned.size >= expected) break;
    if (pastDeadline()) {
      log(`BENCH_DEADLINE_S reached: stopping at ${assigned.size} of ${expected}`);
      break;
    }
    if (performance.now() - lastGrowth > STALL_MS) {
      log(`no assignment for ${STALL_MS / 1000} s: stopping at ${assigned.size} of ${expected}`);
      break;
    }
    await sleep(2_000);
  }
  const times = [...assigned.values()].sort((a, b) => a - b);
  const firstAt = times[0] ?? NaN;
  const lastAt = times[times.length - 1] ?? NaN;
  // The middle 80% of assignments: the rate once routing is under way, without the start and the tail.
  const p10 = percentile(times, 10);
  const p90 = percentile(times, 90);
  return {
    agents: AGENTS,
    online,
    queued: enqueued,
    assigned: assigned.size,
    expected,
    maxPerAgent: Math.max(0, ...perAgent.values()),
    agentSetupSeconds,
    enqueuePerSecond: enqueued / ((enqueueDoneAt - firstEnqueueAt) / 1000),
    assignmentsPerSecond: assigned.size / ((lastAt - firstEnqueueAt) / 1000),
    middleAssignmentsPerSecond: (0.8 * times.length) / ((p90 - p10) / 1000),
    timeToFirstAssignmentMs: firstAt - firstEnqueueAt,
    windowSeconds: (lastAt - firstEnqueueAt) / 1000,
    setupFailures: agents.failed + queuedResult.failed,
    complete: assigned.size >= expected && enqueued + queuedResult.failed === CONVERSATIONS,
    serviceDecisionMeanMs: await serviceDecisionMeanMs(rInfo.metricsPort),
    warnings: [...warnings].sort((a, b) => b[1] - a[1]),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  log(`decision latency: ${AGENTS} agents, ${CONVERSATIONS} waiting, ${SAMPLE} decisions`);
  const decisions = measureDecisions();
  log(`decision p50 ${round(decisions.all.p50, 3)} ms, p99 ${round(decisions.all.p99, 3)} ms; serving-order sort ${round(decisions.sortMs, 1)} ms`);

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((err: Error) => log(`cleanup: ${err.message}`));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const nats = await freshNats();
    cleanups.push(() => nats.stop());
    const db = await freshPostgresDatabase();
    cleanups.push(() => db.stop());
    log(`NATS ${nats.url}, PostgreSQL database ready`);
    const base = await baselines(nats.url, db.url);
    cleanups.push(() => base.close());
    const e2e = await measureAssignments(nats.url, db.url, cleanups, async () => {
      log('baselines (before)');
      await base.run();
    });
    log('baselines (after)');
    await base.run();
    await cleanup();

    const natsSeqSorted = [...base.natsSequential.latenciesMs].sort((a, b) => a - b);
    const natsRrP50 = percentile(natsSeqSorted, 50);
    const rows = [
      { figure: `route() p50 / p99, ${AGENTS} agents`, value: `${round(decisions.all.p50, 3)} / ${round(decisions.all.p99, 3)} ms` },
      ...decisions.byStrategy.map((s) => ({ figure: `  ${s.strategy} (${s.n})`, value: `${round(s.p50, 3)} / ${round(s.p99, 3)} ms` })),
      { figure: `serving-order sort of ${CONVERSATIONS} waiting (each pass)`, value: `${round(decisions.sortMs, 1)} ms` },
      { figure: 'routing service mean decision (its histogram)', value: e2e.serviceDecisionMeanMs === undefined ? 'n/a' : `${round(e2e.serviceDecisionMeanMs, 3)} ms` },
      { figure: `agents online (setup ${round(e2e.agentSetupSeconds, 0)} s)`, value: `${e2e.online} of ${e2e.agents}` },
      { figure: 'conversations queued', value: `${e2e.queued} at ${round(e2e.enqueuePerSecond, 0)}/s` },
      { figure: 'assigned (expected)', value: `${e2e.assigned} (${e2e.expected}), at most ${e2e.maxPerAgent} per agent` },
      { figure: 'assignments/s, first enqueue to last assignment', value: `${round(e2e.assignmentsPerSecond, 1)} over ${round(e2e.windowSeconds, 1)} s` },
      { figure: 'assignments/s, middle 80%', value: round(e2e.middleAssignmentsPerSecond, 1) },
      { figure: 'time to first assignment', value: `${round(e2e.timeToFirstAssignmentMs, 0)} ms` },
      { figure: 'NATS request/reply: sequential p50, rate', value: `${round(natsRrP50, 3)} ms, ${round(rateOf(base.natsSequential), 0)}/s` },
      { figure: `NATS request/reply: ${CONCURRENCY} in flight`, value: `${round(rateOf(base.natsConcurrent), 0)}/s` },
      { figure: 'PostgreSQL raw INSERT, 8 writers', value: `${round(rateOf(base.pgInserts), 0)}/s` },
    ];
    process.stdout.write(`\nrouting benchmark: tenant ${TENANT}, ${round((performance.now() - started) / 1000, 0)} s in all\n`);
    console.table(rows);
    for (const [what, n] of e2e.warnings.slice(0, 8)) log(`logged ${n}× ${what}`);
    if (e2e.maxPerAgent > CAPACITY) log(`WARNING: an agent got ${e2e.maxPerAgent} conversations with capacity ${CAPACITY}`);
    const summary = {
      agents: e2e.agents,
      queued: e2e.queued,
      decision_agents: AGENTS,
      decision_waiting: CONVERSATIONS,
      decision_p50_ms: round(decisions.all.p50, 4),
      decision_p99_ms: round(decisions.all.p99, 4),
      serving_sort_ms: round(decisions.sortMs, 2),
      assignments_per_s: round(e2e.assignmentsPerSecond, 1),
      assignments_per_s_middle: round(e2e.middleAssignmentsPerSecond, 1),
      assigned: e2e.assigned,
      expected_assignments: e2e.expected,
      complete: e2e.complete,
      time_to_first_assignment_ms: round(e2e.timeToFirstAssignmentMs, 0),
      enqueue_per_s: round(e2e.enqueuePerSecond, 1),
      setup_failures: e2e.setupFailures,
      service_warnings: e2e.warnings.reduce((sum, [, n]) => sum + n, 0),
      nats_rr_p50_ms: round(natsRrP50, 4),
      nats_rr_seq_per_s: round(rateOf(base.natsSequential), 1),
      nats_rr_per_s: round(rateOf(base.natsConcurrent), 1),
      pg_inserts_per_s: round(rateOf(base.pgInserts), 1),
      assignments_per_s_vs_nats_rr: round(e2e.assignmentsPerSecond / rateOf(base.natsConcurrent), 5),
      assignments_per_s_vs_pg_insert: round(e2e.assignmentsPerSecond / rateOf(base.pgInserts), 4),
      decision_p50_vs_nats_rr_p50: round(decisions.all.p50 / natsRrP50, 3),
      decision_p99_vs_nats_rr_p50: round(decisions.all.p99 / natsRrP50, 3),
      runtime_s: round((performance.now() - started) / 1000, 0),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
