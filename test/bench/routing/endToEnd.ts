/**
 * Phase 2 of the routing benchmark: assignments per second end to end, with
 * conversation, presence and routing (BENCH_ROUTING_REPLICAS of them) as
 * separate processes on a private NATS and a fresh PostgreSQL database.
 * Agents sign in through presence (chat capacity 3), conversations are
 * started into their queue through routing as the gateway starts them (RoutingStarts:
 * StartInQueues for those that arrive together, spread over the replicas);
 * assignments are counted from the conversation relay's `AgentAssigned`
 * events until every slot is taken, every conversation assigned, or the
 * count stalls. With BENCH_MODE=arrivals (the default) the agents are online
 * first and the count starts at the first enqueue; with `backlog` they are
 * away while every conversation is queued and greeted by the bot, then come
 * online together, and the count starts with the first of them. The capacity guarantees are
 * checked from the same events and from presence afterwards: nobody holds
 * more than their capacity, no conversation is assigned twice (two events
 * with different ids), and every agent's reservations match what they were
 * assigned once routing settles.
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { eventFilter } from '@contactcenter/infra/events';
import { Channel, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { AgentStatus, PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient, Strategy } from '@contactcenter/proto/routing/v1';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { ServiceProcess, type LogLine, type ServiceName } from '../../../scripts/stack';
import { RoutingStarts } from '../../../services/gateway/src/routingStarts';
import { percentile } from '../support/percentile';
import { AGENTS, CAPACITY, CONCURRENCY, CONVERSATIONS, LANGUAGES, log, MODE, pastDeadline, REPLICAS, round, SKILLS, sleep, STALL_MS, TENANT } from './settings';

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

const metricsOf = (port: number) => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');

/** The first sample of metric `name` (any labels) in a Prometheus text exposition; NaN when absent. */
const sampleOf = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Mean of the routing services' own `routing_decision_seconds` histograms, in ms. */
async function serviceDecisionMeanMs(metricsPorts: number[]): Promise<number | undefined> {
  let sum = 0;
  let count = 0;
  for (const port of metricsPorts) {
    const text = await metricsOf(port);
    sum += sampleOf(text, 'routing_decision_seconds_sum');
    count += sampleOf(text, 'routing_decision_seconds_count');
  }
  const mean = (sum / count) * 1000;
  return Number.isFinite(mean) ? mean : undefined;
}

/** Each service's gRPC calls by method: how many and their mean time, from its own histogram (where the time went). */
async function logServiceCalls(services: [string, number][]): Promise<void> {
  for (const [name, port] of services) {
    const calls = new Map<string, { sum: number; count: number }>();
    for (const m of (await metricsOf(port)).matchAll(/^grpc_server_handling_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
      const method = `${/method="[^"]*\/([^"/]+)"/.exec(m[2]!)?.[1]} ${/code="([^"]+)"/.exec(m[2]!)?.[1]}`;
      const c = calls.get(method) ?? { sum: 0, count: 0 };
      if (m[1] === 'sum') c.sum += Number(m[3]);
      else c.count += Number(m[3]);
      calls.set(method, c);
    }
    for (const [method, c] of calls) if (c.count > 0) log(`${name} ${method}: ${c.count} calls, mean ${round((c.sum / c.count) * 1000, 1)} ms`);
  }
}

export interface EndToEnd {
  conversations: ConversationServiceClient;
  as: (actorId?: string) => CallOptions;
}

export async function measureAssignments(natsUrl: string, dbUrl: string, cleanups: (() => Promise<unknown>)[], onBaseline: (stack: EndToEnd) => Promise<void>) {
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
  const routingEnv = { CONVERSATION_GRPC_ADDR: addr(cInfo.grpcPort), PRESENCE_GRPC_ADDR: addr(pInfo.grpcPort) };
  const rInfos = await Promise.all(Array.from({ length: REPLICAS }, () => start('routing', routingEnv).ready));
  log(`services ready: conversation :${cInfo.grpcPort}, presence :${pInfo.grpcPort}, routing ${rInfos.map((r) => `:${r.grpcPort}`).join(', ')}`);

  const conversations = createGrpcClient(ConversationServiceClient, addr(cInfo.grpcPort));
  const presenceClient = createGrpcClient(PresenceServiceClient, addr(pInfo.grpcPort));
  const routing = rInfos.map((r) => createGrpcClient(RoutingServiceClient, addr(r.grpcPort)));
  // Visitors start as the gateway starts them: those that arrive together go to routing in one call.
  const starts = routing.map((r) => new RoutingStarts(r));
  cleanups.push(async () => [conversations, presenceClient, ...routing].forEach((c) => c.close()));
  const as = (actorId = 'bench-admin'): CallOptions => ({ tenantId: TENANT, actorId, deadlineMs: 60_000 });

  const agentsStarted = performance.now();
  const agents = await bounded(AGENTS, CONCURRENCY, MODE === 'backlog' ? 'agents signed in' : 'agents online', async (i) => {
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
    // With a backlog to build first, they stay away until it is queued.
    const status = MODE === 'backlog' ? AgentStatus.AGENT_STATUS_AWAY : AgentStatus.AGENT_STATUS_ONLINE;
    await unary(presenceClient, presenceClient.setAgentStatus, { agentId, status, customStatus: '' }, as(agentId));
    await unary(presenceClient, presenceClient.heartbeat, { agentId, connectionId: 'desk' }, as(agentId));
  });
  const agentSetupSeconds = (performance.now() - agentsStarted) / 1000;
  let online = MODE === 'backlog' ? AGENTS - agents.failed : (await unary(presenceClient, presenceClient.listAgents, { availableOnly: true, channel: 'chat' }, as())).agents.length;
  log(MODE === 'backlog' ? `${online} agents signed in, away until the backlog is queued` : `${online} agents accept chat work`);

  const queue = {
    queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [{ name: 'support', minLevel: 1 }], language: '', priority: 0,
    strategy: Strategy.STRATEGY_LEAST_BUSY, offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 300, teamId: '', revision: 0,
  };
  await unary(routing[0]!, routing[0]!.upsertQueue, { queue }, as());

  // Baselines once the stack is up and idle: same servers, same neighbours.
  await onBaseline({ conversations, as });

  const nc: NatsConnection = await connect({ servers: natsUrl });
  cleanups.push(() => nc.close());
  const assigned = new Map<string, number>();
  const perAgent = new Map<string, number>();
  const eventIds = new Map<string, Set<string>>();
  nc.subscribe(eventFilter({ tenantId: TENANT, context: 'conversation', eventType: 'AgentAssigned' }), {
    callback: (_err, msg) => {
      const event = msg.json<{ id?: string; data?: { conversationId: string; agentId: string } }>();
      const { conversationId, agentId } = (event.data ?? event) as { conversationId: string; agentId: string };
      // A redelivery by the relay carries the same event id; a second assignment would carry another.
      const id = msg.headers?.get('ce-id') || event.id || '';
      let ids = eventIds.get(conversationId);
      if (!ids) eventIds.set(conversationId, (ids = new Set()));
      ids.add(id);
      if (assigned.has(conversationId)) return;
      assigned.set(conversationId, performance.now());
      perAgent.set(agentId, (perAgent.get(agentId) ?? 0) + 1);
    },
  });
  // Only the after-hours bot writes messages here: it greets each conversation queued while nobody works.
  const greeted = new Set<string>();
  nc.subscribe(eventFilter({ tenantId: TENANT, context: 'conversation', eventType: 'MessagePosted' }), {
    callback: (_err, msg) => {
      const event = msg.json<{ data?: { conversationId: string } }>();
      greeted.add(((event.data ?? event) as { conversationId: string }).conversationId);
    },
  });
  await nc.flush();

  let firstEnqueueAt = 0;
  let enqueued = 0;
  /** When each start was answered (the visitor is in the queue): how long they then wait for an agent. */
  const queuedAt = new Map<string, number>();
  const ids = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  const enqueueing = bounded(
    CONVERSATIONS,
    CONCURRENCY,
    'conversations queued',
    async (i) => {
      const conversationId = ids[i]!;
      // As the gateway starts a visitor's conversation into a queue (RoutingStarts): one start to routing, one append.
      const start = { conversationId, channel: Channel.CHANNEL_CHAT, customerId: `c-${i}`, language: 'en', region: 'eu', subject: '', invitationId: '' };
      firstEnqueueAt ||= performance.now();
      await starts[i % starts.length]!.start({ start, queueId: 'support' }, as(`c-${i}`));
      queuedAt.set(conversationId, performance.now());
      enqueued++;
    },
    pastDeadline,
  );
  const queuedResult = await enqueueing;
  const enqueueDoneAt = performance.now();
  /** From here assignments are counted: the first enqueue, or with a backlog the first agent coming online. */
  let countFrom = firstEnqueueAt;
  let backlogSeconds = 0;
  if (MODE === 'backlog') {
    // Every replica must hold the whole backlog before the first agent comes: routing is measured, not the relay catching up.
    const depths = async () => Promise.all(rInfos.map(async (r) => sampleOf(await metricsOf(r.metricsPort), 'routing_queue_depth') || 0));
    for (const until = performance.now() + 120_000; performance.now() < until && !(await depths()).every((d) => d >= enqueued); ) await sleep(500);
    // And the night is over: the bot has greeted every waiting conversation (its replies are not routing's work to measure).
    for (const until = performance.now() + 300_000; performance.now() < until && greeted.size < enqueued; ) await sleep(500);
    backlogSeconds = (performance.now() - firstEnqueueAt) / 1000;
    log(`backlog of ${enqueued} in front of routing after ${round(backlogSeconds, 1)} s (replicas see ${(await depths()).join(', ')}; ${greeted.size} greeted by the bot); agents coming online`);
    countFrom = performance.now();
    const flipped = await bounded(AGENTS, CONCURRENCY, 'agents online', async (i) => {
      const agentId = `agent-${i}`;
      await unary(presenceClient, presenceClient.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(agentId));
    });
    agents.failed += flipped.failed;
    online = AGENTS - agents.failed; // asking presence now would miss those already full
  }

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
  // A visitor's wait: from their start being answered to their AgentAssigned event reaching a subscriber
  // (negative when the event came first). Only in arrivals mode: a backlog waits for the agents by design.
  const waits = MODE === 'backlog' ? [] : [...assigned].flatMap(([id, at]) => (queuedAt.has(id) ? [at - queuedAt.get(id)!] : [])).sort((a, b) => a - b);
  await logServiceCalls([['conversation', cInfo.metricsPort], ['presence', pInfo.metricsPort], ...rInfos.map((r, i): [string, number] => [`routing#${i + 1}`, r.metricsPort])]);
  const reservationMismatches = await reservationsSettled(presenceClient, as(), perAgent);
  return {
    agents: AGENTS,
    online,
    queued: enqueued,
    assigned: assigned.size,
    expected,
    maxPerAgent: Math.max(0, ...perAgent.values()),
    overCapacity: [...perAgent.values()].filter((n) => n > CAPACITY).length,
    doubleAssignments: [...eventIds.values()].filter((s) => s.size > 1).length,
    reservationMismatches,
    agentSetupSeconds,
    enqueuePerSecond: enqueued / ((enqueueDoneAt - firstEnqueueAt) / 1000),
    assignmentsPerSecond: assigned.size / ((lastAt - countFrom) / 1000),
    middleAssignmentsPerSecond: (0.8 * times.length) / ((p90 - p10) / 1000),
    timeToFirstAssignmentMs: firstAt - countFrom,
    waitP50Ms: waits.length ? percentile(waits, 50) : NaN,
    waitP99Ms: waits.length ? percentile(waits, 99) : NaN,
    windowSeconds: (lastAt - countFrom) / 1000,
    mode: MODE,
    backlogSeconds,
    setupFailures: agents.failed + queuedResult.failed,
    complete: assigned.size >= expected && enqueued + queuedResult.failed === CONVERSATIONS,
    serviceDecisionMeanMs: await serviceDecisionMeanMs(rInfos.map((r) => r.metricsPort)),
    warnings: [...warnings].sort((a, b) => b[1] - a[1]),
  };
}

/**
 * Agents whose reservations in presence differ from the conversations they
 * were assigned (nobody resolves during the run, so the two must meet once
 * routing settles); waits up to 20 s for claims and releases in flight.
 */
async function reservationsSettled(presence: PresenceServiceClient, as: CallOptions, perAgent: Map<string, number>): Promise<number> {
  let mismatched = Infinity;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(1_000)) {
    const { agents } = await unary(presence, presence.listAgents, { availableOnly: false, channel: '' }, as);
    mismatched = agents.filter((a) => a.reservations.length !== (perAgent.get(a.profile!.agentId) ?? 0)).length;
    if (mismatched === 0) break;
  }
  if (mismatched > 0) log(`${mismatched} agents hold reservations that differ from their assignments`);
  return mismatched;
}
