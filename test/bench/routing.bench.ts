/**
 * Routing benchmark: decision latency and assignments per second with
 * BENCH_AGENTS agents online (default 10,000) and BENCH_CONVERSATIONS queued
 * conversations (default 50,000), against baselines measured in the same run.
 * 1. Decision latency, in process (routing/decisions.ts): the pure `route()`
 *    as the router calls it, on its AgentPool, for a sample of the waiting
 *    conversations under one queue per strategy; what starting a pass in
 *    serving order costs; and, for comparison, the old ways (every agent
 *    judged one by one, a full sort of the waiting conversations).
 * 2. Assignments per second, end to end (routing/endToEnd.ts; BENCH_MODE, see settings.ts): conversation,
 *    presence and BENCH_ROUTING_REPLICAS routing replicas as separate
 *    processes on a private NATS and a fresh PostgreSQL database, with the
 *    capacity guarantees checked from the events and from presence; with
 *    arrivals, also how long each visitor waited from their start being
 *    answered to their assignment (p50, p99).
 * 3. Baselines, before and after phase 2 on the same servers: NATS
 *    request/reply round trips (one at a time, and 64 in flight), raw
 *    single-row PostgreSQL INSERTs (as test/bench/eventstore.bench.ts does),
 *    and the conversation service alone (StartConversation, 64 in flight,
 *    another tenant): every assignment is one such command, so it bounds
 *    assignments per second end to end.
 * Prints progress and tables, then as its very last line one JSON object;
 * exits 1 when a capacity guarantee was broken.
 *   npx tsx test/bench/routing.bench.ts
 *   BENCH_AGENTS=1000 BENCH_CONVERSATIONS=5000 npx tsx test/bench/routing.bench.ts
 *   npm run bench:routing:replicas   (1,000 agents, 10,000 conversations, two replicas)
 *   npm run bench:routing:backlog    (every conversation queued before the agents come online)
 */
import { unary } from '@contactcenter/infra';
import { Channel } from '@contactcenter/proto/conversation/v1';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { freshNats } from '../support/nats';
import { freshPostgresDatabase } from '../support/postgres';
import { measureDecisions } from './routing/decisions';
import { measureAssignments, type EndToEnd } from './routing/endToEnd';
import { AGENTS, CAPACITY, CONCURRENCY, CONVERSATIONS, log, REPLICAS, round, SAMPLE, TENANT } from './routing/settings';
import { emptySample, rateOf, timed, type Sample } from './support/closedLoop';
import { percentile } from './support/percentile';
import { natsEcho, rawEventTable } from './support/rawBaselines';

interface Baselines {
  natsSequential: Sample;
  natsConcurrent: Sample;
  pgInserts: Sample;
  conversationCommands: Sample;
  run(stack: EndToEnd): Promise<void>;
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
    conversationCommands: emptySample(),
    run: async ({ conversations, as }) => {
      // Another tenant, so the routed tenant's figures and events stay its own.
      const other = { ...as('bench-ceiling'), tenantId: `${TENANT}-ceiling` };
      const start = () =>
        unary(conversations, conversations.startConversation, { conversationId: randomUUID(), channel: Channel.CHANNEL_CHAT, customerId: 'c', language: 'en', region: 'eu', subject: '', invitationId: '' }, other);
      // The conversation service first: the relay and routing's feed catch up with its events while the rest runs.
      await timed(b.conversationCommands, CONCURRENCY, 3_000, start);
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

async function main() {
  const started = performance.now();
  log(`decision latency: ${AGENTS} agents, ${CONVERSATIONS} waiting, ${SAMPLE} decisions`);
  const decisions = measureDecisions();
  log(`decision p50 ${round(decisions.all.p50, 3)} ms, p99 ${round(decisions.all.p99, 3)} ms; serving order per pass ${round(decisions.servingOrderMs, 2)} ms`);

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((err: Error) => log(`cleanup: ${err.message}`));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  let broken = false;
  try {
    const nats = await freshNats();
    cleanups.push(() => nats.stop());
    const db = await freshPostgresDatabase();
    cleanups.push(() => db.stop());
    log(`NATS ${nats.url}, PostgreSQL database ready`);
    const base = await baselines(nats.url, db.url);
    cleanups.push(() => base.close());
    let stack: EndToEnd | undefined;
    const e2e = await measureAssignments(nats.url, db.url, cleanups, async (s) => {
      stack = s;
      log('baselines (before)');
      await base.run(s);
    });
    log('baselines (after)');
    await base.run(stack!);
    await cleanup();

    const natsSeqSorted = [...base.natsSequential.latenciesMs].sort((a, b) => a - b);
    const natsRrP50 = percentile(natsSeqSorted, 50);
    const conversationCeiling = rateOf(base.conversationCommands);
    const rows = [
      { figure: `route() p50 / p99, ${AGENTS} agents (the router's AgentPool)`, value: `${round(decisions.all.p50, 3)} / ${round(decisions.all.p99, 3)} ms` },
      ...decisions.byStrategy.map((s) => ({ figure: `  ${s.strategy} (${s.n})`, value: `${round(s.p50, 3)} / ${round(s.p99, 3)} ms` })),
      { figure: '  first decision of a requirement (judges who fits)', value: `${round(decisions.firstOfRequirement.p99, 3)} ms at p99 of ${decisions.firstOfRequirement.n}` },
      { figure: '  every agent judged one by one (before)', value: `${round(decisions.oneByOne.p50, 3)} / ${round(decisions.oneByOne.p99, 3)} ms` },
      { figure: `serving order per pass, ${CONVERSATIONS} waiting (first 1,000)`, value: `${round(decisions.servingOrderMs, 2)} ms (a full sort: ${round(decisions.fullSortMs, 1)} ms)` },
      { figure: 'routing service mean decision (its histogram)', value: e2e.serviceDecisionMeanMs === undefined ? 'n/a' : `${round(e2e.serviceDecisionMeanMs, 3)} ms` },
      { figure: `agents online (setup ${round(e2e.agentSetupSeconds, 0)} s)`, value: `${e2e.online} of ${e2e.agents}` },
      { figure: `conversations queued (${REPLICAS} routing replica${REPLICAS === 1 ? '' : 's'})`, value: `${e2e.queued} at ${round(e2e.enqueuePerSecond, 0)}/s` },
      { figure: 'assigned (expected)', value: `${e2e.assigned} (${e2e.expected}), at most ${e2e.maxPerAgent} per agent` },
      { figure: 'over capacity / assigned twice / reservations ≠ assignments', value: `${e2e.overCapacity} / ${e2e.doubleAssignments} / ${e2e.reservationMismatches} agents` },
      { figure: 'mode (BENCH_MODE)', value: e2e.mode === 'backlog' ? `backlog: all queued first (${round(e2e.backlogSeconds, 0)} s), then agents online` : 'arrivals: queued while routing assigns' },
      { figure: e2e.mode === 'backlog' ? 'assignments/s, first agent online to last assignment' : 'assignments/s, first enqueue to last assignment', value: `${round(e2e.assignmentsPerSecond, 1)} over ${round(e2e.windowSeconds, 1)} s` },
      { figure: 'assignments/s, middle 80%', value: round(e2e.middleAssignmentsPerSecond, 1) },
      { figure: 'time to first assignment', value: `${round(e2e.timeToFirstAssignmentMs, 0)} ms` },
      ...(e2e.mode === 'arrivals' ? [{ figure: 'visitor waits, start answered → assigned: p50 / p99', value: `${round(e2e.waitP50Ms, 0)} / ${round(e2e.waitP99Ms, 0)} ms` }] : []),
      { figure: 'NATS request/reply: sequential p50, rate', value: `${round(natsRrP50, 3)} ms, ${round(rateOf(base.natsSequential), 0)}/s` },
      { figure: `NATS request/reply: ${CONCURRENCY} in flight`, value: `${round(rateOf(base.natsConcurrent), 0)}/s` },
      { figure: 'PostgreSQL raw INSERT, 8 writers', value: `${round(rateOf(base.pgInserts), 0)}/s` },
      { figure: `conversation service alone: StartConversation, ${CONCURRENCY} in flight`, value: `${round(conversationCeiling, 0)}/s` },
    ];
    process.stdout.write(`\nrouting benchmark: tenant ${TENANT}, ${round((performance.now() - started) / 1000, 0)} s in all\n`);
    console.table(rows);
    for (const [what, count] of e2e.warnings.slice(0, 8)) log(`logged ${count}× ${what}`);
    broken = e2e.overCapacity > 0 || e2e.doubleAssignments > 0 || e2e.reservationMismatches > 0;
    if (broken) log(`CAPACITY GUARANTEE BROKEN: ${e2e.overCapacity} agents over capacity ${CAPACITY}, ${e2e.doubleAssignments} conversations assigned twice, ${e2e.reservationMismatches} agents with reservations ≠ assignments`);
    const summary = {
      mode: e2e.mode,
      agents: e2e.agents,
      queued: e2e.queued,
      decision_agents: AGENTS,
      decision_waiting: CONVERSATIONS,
      decision_p50_ms: round(decisions.all.p50, 4),
      decision_p99_ms: round(decisions.all.p99, 4),
      serving_sort_ms: round(decisions.servingOrderMs, 2),
      assignments_per_s: round(e2e.assignmentsPerSecond, 1),
      assignments_per_s_middle: round(e2e.middleAssignmentsPerSecond, 1),
      assigned: e2e.assigned,
      expected_assignments: e2e.expected,
      complete: e2e.complete,
      time_to_first_assignment_ms: round(e2e.timeToFirstAssignmentMs, 0),
      wait_p50_ms: Number.isNaN(e2e.waitP50Ms) ? null : round(e2e.waitP50Ms, 0),
      wait_p99_ms: Number.isNaN(e2e.waitP99Ms) ? null : round(e2e.waitP99Ms, 0),
      enqueue_per_s: round(e2e.enqueuePerSecond, 1),
      setup_failures: e2e.setupFailures,
      service_warnings: e2e.warnings.reduce((sum, [, count]) => sum + count, 0),
      nats_rr_p50_ms: round(natsRrP50, 4),
      nats_rr_seq_per_s: round(rateOf(base.natsSequential), 1),
      nats_rr_per_s: round(rateOf(base.natsConcurrent), 1),
      pg_inserts_per_s: round(rateOf(base.pgInserts), 1),
      assignments_per_s_vs_nats_rr: round(e2e.assignmentsPerSecond / rateOf(base.natsConcurrent), 5),
      assignments_per_s_vs_pg_insert: round(e2e.assignmentsPerSecond / rateOf(base.pgInserts), 4),
      decision_p50_vs_nats_rr_p50: round(decisions.all.p50 / natsRrP50, 3),
      decision_p99_vs_nats_rr_p50: round(decisions.all.p99 / natsRrP50, 3),
      runtime_s: round((performance.now() - started) / 1000, 0),
      routing_replicas: REPLICAS,
      decision_one_by_one_p99_ms: round(decisions.oneByOne.p99, 4),
      serving_full_sort_ms: round(decisions.fullSortMs, 2),
      conversation_commands_per_s: round(conversationCeiling, 1),
      assignments_per_s_vs_conversation_commands: round(e2e.assignmentsPerSecond / conversationCeiling, 3),
      over_capacity: e2e.overCapacity,
      double_assignments: e2e.doubleAssignments,
      reservation_mismatches: e2e.reservationMismatches,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await cleanup();
  }
  return broken;
}

main().then(
  (broken) => process.exit(broken ? 1 : 0),
  (err: Error) => {
    process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
