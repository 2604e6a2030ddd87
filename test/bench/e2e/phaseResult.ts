/**
 * A phase's figures from its messages: end-to-end latency percentiles, the
 * REST answer time, the wall-clock breakdown, lost and duplicate counts, and
 * whether the phase held (the ceiling search's pass/fail).
 */
import { percentile, sortedAscending } from '../support/percentile';
import { formatCpu, type CpuShare } from './cpuMeter';
import { isAccepted, type SentMessage } from './deliveryLedger';
import { log } from './progressLog';
import { round } from './round';
import { settings } from './settings';

export interface PhaseResult {
  name: string;
  offeredRate: number;
  seconds: number;
  conversations: number;
  posted: number;
  accepted: number;
  errors: number;
  errorKinds: Map<string, number>;
  rateLimited: number;
  arrived: number;
  lateOrLost: number;
  duplicates: number;
  acceptedPerSecond: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  rest: { p50: number; p99: number };
  /** Wall clock: POST → event recorded (PostgreSQL now()), recorded → frame on the socket (p50, ms resolution). */
  toRecordedP50: number;
  recordedToSocketP50: number;
  frameBeforeAnswer: number;
  sendLagP99: number;
  /** CPU of each part, in % of one core, from the first send until every message arrived. */
  cpu: CpuShare | undefined;
  passed: boolean;
  why: string;
}

/** What a phase did, as the load generator saw it. */
export interface PhaseRun {
  name: string;
  rate: number;
  conversations: number;
  messages: SentMessage[];
  sendWindowS: number;
  duplicates: number;
  cpu: CpuShare | undefined;
}

export function phaseResult({ name, rate, conversations, messages, sendWindowS, duplicates, cpu }: PhaseRun): PhaseResult {
  const accepted = messages.filter(isAccepted);
  const arrived = accepted.filter((s) => s.arrivals > 0);
  const latencies = sortedAscending(arrived.map((s) => s.arrivedAt! - s.t0));
  const rest = sortedAscending(messages.filter((s) => s.status !== undefined).map((s) => s.answeredAt! - s.t0));
  const errorKinds = new Map<string, number>();
  for (const s of messages) if (s.error) errorKinds.set(s.error, (errorKinds.get(s.error) ?? 0) + 1);
  const withRecorded = arrived.filter((s) => s.recordedAtWall !== undefined);
  // performance.now() and Date.now() tick together: the arrival in wall-clock terms is wall0 + (arrivedAt - t0).
  const toRecorded = sortedAscending(withRecorded.map((s) => s.recordedAtWall! - s.wall0));
  const recordedToSocket = sortedAscending(withRecorded.map((s) => s.wall0 + (s.arrivedAt! - s.t0) - s.recordedAtWall!));
  const lags = sortedAscending(messages.map((s) => s.scheduledLagMs));
  const errors = messages.length - accepted.length;
  const lateOrLost = accepted.length - arrived.length;
  const latency = { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
  const acceptedPerSecond = accepted.length / sendWindowS;
  const reasons: string[] = [];
  if (errors) reasons.push(`${errors} POST errors`);
  if (lateOrLost) reasons.push(`${lateOrLost} not on the agent's socket within ${settings.drainMs} ms`);
  if (duplicates) reasons.push(`${duplicates} duplicates`);
  if (!(latency.p99 <= settings.p99LimitMs)) reasons.push(`p99 ${round(latency.p99, 0)} ms > ${settings.p99LimitMs} ms`);
  if (acceptedPerSecond < 0.95 * rate) reasons.push(`accepted ${round(acceptedPerSecond, 1)}/s < 95% of ${round(rate, 1)}/s`);
  return {
    name,
    offeredRate: rate,
    seconds: sendWindowS,
    conversations,
    posted: messages.length,
    accepted: accepted.length,
    errors,
    errorKinds,
    rateLimited: messages.filter((s) => s.status === 429).length,
    arrived: arrived.length,
    lateOrLost,
    duplicates,
    acceptedPerSecond,
    latency,
    rest: { p50: percentile(rest, 50), p99: percentile(rest, 99) },
    toRecordedP50: percentile(toRecorded, 50),
    recordedToSocketP50: percentile(recordedToSocket, 50),
    frameBeforeAnswer: arrived.filter((s) => s.answeredAt !== undefined && s.arrivedAt! < s.answeredAt).length,
    sendLagP99: percentile(lags, 99),
    cpu,
    passed: reasons.length === 0,
    why: reasons.join('; ') || 'ok',
  };
}

export function logPhaseResult(r: PhaseResult): void {
  log(
    `${r.name}: offered ${round(r.offeredRate, 1)}/s × ${round(r.seconds, 1)} s over ${r.conversations} conversations: ${r.accepted}/${r.posted} accepted (${round(r.acceptedPerSecond, 1)}/s), ` +
      `${r.arrived} arrived, e2e p50 ${round(r.latency.p50, 1)} / p99 ${round(r.latency.p99, 1)} / max ${round(r.latency.max, 0)} ms, REST p50 ${round(r.rest.p50, 1)} ms, send lag p99 ${round(r.sendLagP99, 1)} ms → ${r.why}` +
      (r.errorKinds.size ? ` [${[...r.errorKinds].map(([k, n]) => `${n}× ${k}`).join(', ')}]` : '') +
      `; CPU % of a core: ${formatCpu(r.cpu)}`,
  );
}
