/**
 * What the run prints on stdout: a header, a table per phase, a table of the
 * headline figures, then as its very last line one JSON object (with a
 * `failed` list when a message was lost or duplicated, or a POST failed at
 * the steady rate). Progress notes (warnings, socket problems) go to stderr.
 */
import type { IdleSockets } from './idleSockets';
import type { SocketHealth } from './agentDesk';
import type { Baselines } from './baselines';
import type { Ceiling } from './ceilingSearch';
import { formatCpu } from './cpuMeter';
import type { DeliveryLedger, WholeRunDelivery } from './deliveryLedger';
import type { PhaseResult } from './phaseResult';
import { log } from './progressLog';
import { round } from './round';
import type { ServiceWarnings } from './serviceWarnings';
import { settings } from './settings';
import { latencyOf, rateOf } from '../support/closedLoop';

export interface RunOutcome {
  warmup: PhaseResult;
  steady: PhaseResult;
  ceiling: Ceiling;
  /** The steady phase again beside idle sockets on the gateway. */
  idle: { sockets: IdleSockets; steady: PhaseResult };
  base: Baselines;
  delivery: WholeRunDelivery;
  ledger: DeliveryLedger;
  health: SocketHealth;
  warnings: ServiceWarnings;
  elapsedS: () => number;
}

const ms = (n: number) => `${round(n, 2)} ms`;

const phaseRow = (r: PhaseResult) => ({
  phase: r.name,
  'offered/s': round(r.offeredRate, 1),
  convs: r.conversations,
  'accepted/s': round(r.acceptedPerSecond, 1),
  'ok/posted': `${r.accepted}/${r.posted}`,
  arrived: r.arrived,
  dup: r.duplicates,
  'p50 ms': round(r.latency.p50, 1),
  'p99 ms': round(r.latency.p99, 1),
  'max ms': round(r.latency.max, 0),
  'REST p50': round(r.rest.p50, 1),
  result: r.why,
});

/** Prints the report; returns what failed the run (empty when it held). */
export function writeReport(run: RunOutcome): string[] {
  const { warmup, steady, base, delivery, ledger } = run;
  const { steps, ceiling, ceilingBound } = run.ceiling;
  const natsRr = latencyOf(base.natsSequential);
  const pgInsert = latencyOf(base.pgSequential);
  const pgConcurrent = latencyOf(base.pgConcurrent);
  const pgRate = rateOf(base.pgConcurrent);
  const natsPaced = latencyOf(base.natsPaced);
  const pgPaced = latencyOf(base.pgPaced);
  const pacedRawP99 = natsPaced.p99 + pgPaced.p99;
  process.stdout.write(
    `\nend-to-end benchmark: tenant ${settings.tenant}, ${settings.agents} agents, visitor POST → assigned agent's WebSocket, ${round(run.elapsedS(), 0)} s in all\n` +
      `gateway rate limits raised to ${settings.rateLimitPerMinute}/min per key and per IP for the bench (RATE_LIMIT_PER_KEY_PER_MINUTE, RATE_LIMIT_PER_IP_PER_MINUTE): the figures are the pipeline's, not the limiter's\n`,
  );
  const { idle } = run;
  const rawP99 = pgInsert.p99 + natsRr.p99;
  console.table([warmup, steady, ...steps, idle.steady].map(phaseRow));
  console.table([
    { figure: `steady ${settings.rate}/s: e2e p50 / p90 / p99 / max`, value: `${ms(steady.latency.p50)} / ${ms(steady.latency.p90)} / ${ms(steady.latency.p99)} / ${ms(steady.latency.max)}` },
    { figure: 'steady: REST answer p50 / p99', value: `${ms(steady.rest.p50)} / ${ms(steady.rest.p99)}` },
    { figure: 'steady: POST → recorded in PostgreSQL, recorded → agent socket (p50, wall clock)', value: `${ms(steady.toRecordedP50)}, ${ms(steady.recordedToSocketP50)}` },
    { figure: 'steady: frame on the socket before the POST answer', value: `${steady.frameBeforeAnswer} of ${steady.arrived}` },
    { figure: 'ceiling: highest accepted msgs/s with every message delivered', value: ceiling ? `${round(ceiling.acceptedPerSecond, 1)} (${ceiling.name}, p99 ${ms(ceiling.latency.p99)})` : 'none passed' },
    { figure: 'first failing step', value: ceilingBound ? `${round(ceilingBound.offeredRate, 1)}/s offered: ${ceilingBound.why}` : 'none (raise BENCH_E2E_MAX_STEPS)' },
    { figure: 'NATS request/reply: p50 / p99, sequential rate, 64 in flight', value: `${ms(natsRr.p50)} / ${ms(natsRr.p99)}, ${round(rateOf(base.natsSequential), 0)}/s, ${round(rateOf(base.natsConcurrent), 0)}/s` },
    { figure: 'PostgreSQL INSERT: p50 / p99 one writer, rate 8 writers (p50 / p99 there)', value: `${ms(pgInsert.p50)} / ${ms(pgInsert.p99)}, ${round(pgRate, 0)}/s (${ms(pgConcurrent.p50)} / ${ms(pgConcurrent.p99)})` },
    { figure: 'whole run: accepted, lost, duplicates, POST errors (429)', value: `${delivery.accepted}, ${delivery.lost}, ${ledger.duplicates}, ${delivery.postErrors} (${delivery.rateLimited})` },
    { figure: 'tenant fan-out: the same frames on the other agents\' sockets', value: ledger.foreignAgentFrames },
    { figure: `idle sockets: ${idle.sockets.visitors} visitors + ${idle.sockets.staff} staff, gateway RSS`, value: `${round(idle.sockets.rssBeforeBytes / 1_048_576, 1)} → ${round(idle.sockets.rssAfterBytes / 1_048_576, 1)} MiB; ${idle.sockets.bytesPerVisitorSocket} B per visitor socket, ${idle.sockets.bytesPerStaffSocket} B per staff socket` },
    { figure: 'steady p99 without / with the idle sockets', value: `${ms(steady.latency.p99)} / ${ms(idle.steady.latency.p99)}` },
    { figure: 'steady p99 vs 3 × (PostgreSQL INSERT p99 + NATS request/reply p99)', value: `${round(steady.latency.p99 / rawP99, 2)} (bound: 3)` },
    {
      figure: `the same baselines one call at a time, ${round(1_000 / settings.rate, 1)} ms apart (the steady pacing): NATS p50 / p99, PostgreSQL p50 / p99; steady p99 vs their sum`,
      value: `${ms(natsPaced.p50)} / ${ms(natsPaced.p99)}, ${ms(pgPaced.p50)} / ${ms(pgPaced.p99)}; ${round(steady.latency.p99 / pacedRawP99, 2)}`,
    },
    { figure: 'CPU, % of one core: steady', value: formatCpu(steady.cpu) },
    { figure: 'CPU, % of one core: ceiling step', value: formatCpu(ceiling?.cpu) },
    { figure: 'CPU, % of one core: first failing step', value: formatCpu(ceilingBound?.cpu) },
  ]);
  for (const [what, n] of run.warnings.top(8)) log(`logged ${n}× ${what}`);
  for (const p of run.health.problems.slice(0, 8)) log(`socket: ${p}`);

  const summary = {
    tenant_agents: settings.agents,
    steady_rate_per_s: settings.rate,
    steady_seconds: round(steady.seconds, 1),
    steady_conversations: steady.conversations,
    steady_held: steady.passed,
    e2e_p50_ms: round(steady.latency.p50, 2),
    e2e_p90_ms: round(steady.latency.p90, 2),
    e2e_p99_ms: round(steady.latency.p99, 2),
    e2e_max_ms: round(steady.latency.max, 1),
    rest_p50_ms: round(steady.rest.p50, 2),
    rest_p99_ms: round(steady.rest.p99, 2),
    post_to_recorded_p50_ms: round(steady.toRecordedP50, 1),
    recorded_to_socket_p50_ms: round(steady.recordedToSocketP50, 1),
    steady_send_lag_p99_ms: round(steady.sendLagP99, 2),
    sustained_msgs_per_s: steady.passed ? round(steady.acceptedPerSecond, 1) : null,
    ceiling_msgs_per_s: ceiling ? round(ceiling.acceptedPerSecond, 1) : null,
    p50_ms: round(steady.latency.p50, 2),
    p99_ms: round(steady.latency.p99, 2),
    p99_ratio_vs_raw: round(steady.latency.p99 / rawP99, 2),
    sockets: idle.sockets.visitors + idle.sockets.staff,
    bytes_per_idle_socket: idle.sockets.bytesPerVisitorSocket,
    bytes_per_idle_staff_socket: idle.sockets.bytesPerStaffSocket,
    gateway_rss_idle_sockets_mib: round(idle.sockets.rssAfterBytes / 1_048_576, 1),
    p99_ms_with_idle_sockets: round(idle.steady.latency.p99, 2),
    lost: delivery.lost,
    duplicated: ledger.duplicates,
    ceiling_p50_ms: ceiling ? round(ceiling.latency.p50, 2) : null,
    ceiling_p99_ms: ceiling ? round(ceiling.latency.p99, 2) : null,
    ceiling_is_lower_bound: !ceilingBound,
    first_failing_offered_per_s: ceilingBound ? round(ceilingBound.offeredRate, 1) : null,
    first_failing_reason: ceilingBound?.why ?? null,
    steps: steps.map((r) => ({ offered: round(r.offeredRate, 1), accepted_per_s: round(r.acceptedPerSecond, 1), p50_ms: round(r.latency.p50, 1), p99_ms: round(r.latency.p99, 1), errors: r.errors, passed: r.passed })),
    messages_accepted: delivery.accepted,
    duplicates: ledger.duplicates,
    post_errors: delivery.postErrors,
    rate_limited_429: delivery.rateLimited,
    arrived_despite_post_error: delivery.arrivedDespiteError,
    socket_reconnects: run.health.reconnects,
    service_warnings: run.warnings.total,
    rate_limits_raised_to_per_min: settings.rateLimitPerMinute,
    cpu_pct_of_core_steady: steady.cpu ?? null,
    cpu_pct_of_core_ceiling: ceiling?.cpu ?? null,
    cpu_pct_of_core_first_failing: ceilingBound?.cpu ?? null,
    nats_rr_p50_ms: round(natsRr.p50, 3),
    nats_rr_p99_ms: round(natsRr.p99, 3),
    nats_rr_seq_per_s: round(rateOf(base.natsSequential), 0),
    nats_rr_per_s_64_in_flight: round(rateOf(base.natsConcurrent), 0),
    pg_insert_p50_ms: round(pgInsert.p50, 3),
    pg_insert_p99_ms: round(pgInsert.p99, 3),
    pg_insert_seq_per_s: round(rateOf(base.pgSequential), 0),
    pg_inserts_per_s: round(pgRate, 0),
    // The same operations at the steady load's pacing (servers idle between calls, as the pipeline's are): informational;
    // p99_ratio_vs_raw above stays the figure against back-to-back baselines.
    nats_rr_paced_p50_ms: round(natsPaced.p50, 3),
    nats_rr_paced_p99_ms: round(natsPaced.p99, 3),
    pg_insert_paced_p50_ms: round(pgPaced.p50, 3),
    pg_insert_paced_p99_ms: round(pgPaced.p99, 3),
    p99_ratio_vs_raw_paced: round(steady.latency.p99 / pacedRawP99, 2),
    e2e_p50_vs_nats_rr_p50: round(steady.latency.p50 / natsRr.p50, 1),
    e2e_p99_vs_nats_rr_p99: round(steady.latency.p99 / natsRr.p99, 1),
    e2e_p50_vs_pg_insert_p50: round(steady.latency.p50 / pgInsert.p50, 1),
    e2e_p99_vs_pg_insert_p99: round(steady.latency.p99 / pgInsert.p99, 1),
    ceiling_vs_pg_inserts_per_s: ceiling ? round(ceiling.acceptedPerSecond / pgRate, 4) : null,
    ceiling_vs_nats_rr_per_s: ceiling ? round(ceiling.acceptedPerSecond / rateOf(base.natsConcurrent), 5) : null,
    runtime_s: round(run.elapsedS(), 0),
  };
  const failures: string[] = [];
  if (delivery.lost) failures.push(`${delivery.lost} accepted messages never reached their agent's socket`);
  if (ledger.duplicates) failures.push(`${ledger.duplicates} messages reached their agent's socket more than once`);
  if (steady.errors) failures.push(`${steady.errors} POSTs failed at the steady ${settings.rate}/s`);
  if (!steady.passed) log(`WARNING: the steady phase at ${settings.rate}/s is not below the ceiling here: ${steady.why}`);
  process.stdout.write(`${JSON.stringify(failures.length ? { ...summary, failed: failures } : summary)}\n`);
  return failures;
}
