/**
 * Per kill, the recovery figures the issue bounds, measured from the ledger's
 * timestamps: kill → ready again, → next accepted message (the first 2xx to
 * an attempt started after the kill), → live delivery caught up, and a
 * conversation started right after ready → assigned.
 *
 * "Caught up" follows the messages accepted since the previous kill up to
 * `shortlyAfterKillMs` after the killed part is ready again, and at least up
 * to the next accepted message: so it covers both the backlog of the outage
 * and live delivery of what comes after the restart (a feed frozen after a
 * NATS restart shows here even when nothing was accepted while NATS was
 * down). It is reached when each of them is on every agent socket and on SSE.
 * Its bound applies to the lag of each message after it could first be
 * delivered: arrival − max(accepted, ready), so that a late acceptance (its
 * own bound) is not counted twice. Also what tells which part stalled: when the relay had
 * published those messages, when each live channel had them, the gateway's
 * answers and the services' warnings meanwhile.
 */
import { ASSIGNED_BOUND_MS, CAUGHT_UP_BOUND_MS, NEXT_ACCEPTED_BOUND_MS } from './chaosSettings';
import type { ChaosLedger } from './chaosLedger';
import type { TimedLogLine } from './chaosStack';
import type { KillTimes } from './kills';
import type { ProbeResult } from './assignmentProbe';

export interface Stage {
  name: string;
  times: KillTimes;
  probe?: ProbeResult;
  /** Since when messages count as "before the kill" (the previous kill's ready, or the load's start). */
  since: number;
  /** Gateway answers between this kill and the next (status → count). */
  answers: Record<string, number>;
}

export interface Recovery {
  kill: string;
  detail: string;
  readyMs: number;
  nextAcceptedMs?: number;
  nextAcceptedAfterReadyMs?: number;
  caughtUpMs?: number;
  /** The largest arrival − max(accepted, ready) over the set: what the bound applies to. */
  deliveryLagMs?: number;
  /** Messages that had to catch up, and those still missing on a live channel at the end of the run. */
  catchUpSet: number;
  neverCaughtUp: number;
  assignedMs?: number;
  probeError?: string;
  /** Of the messages first sent between this kill and the next: the slowest acceptance (first send → 2xx), and how many took over the next-accepted bound (reported, not bounded). */
  slowestAcceptMs?: number;
  acceptedSlowerThanBound: number;
  /** When the relay had published the set, and each live channel had it (ms after ready; negative: before). */
  afterReady: { published?: number; channels: Record<string, number | undefined> };
  answers: Record<string, number>;
  warnings: Record<string, number>;
  /** Bounds this kill missed, each with its figure. */
  failed: string[];
}

export function recoveryOf(stage: Stage, ledger: ChaosLedger, logs: TimedLogLine[], shortlyAfterKillMs: number, untilMs: number): Recovery {
  const { killAt, readyAt, detail } = stage.times;
  const accepted = ledger.accepted();
  const next = accepted.filter((r) => r.acceptedAttemptAt! >= killAt).reduce<number | undefined>((min, r) => (min === undefined || r.acceptedAt! < min ? r.acceptedAt! : min), undefined);
  const setEnd = Math.max(readyAt + shortlyAfterKillMs, next ?? 0);
  const set = accepted.filter((r) => r.acceptedAt! >= stage.since && r.acceptedAt! <= setEnd);
  const delivered = set.map((r) => ledger.liveDeliveredAt(r));
  const neverCaughtUp = delivered.filter((t) => t === undefined).length;
  const caughtUpAt = set.length === 0 || neverCaughtUp > 0 ? undefined : Math.max(...(delivered as number[]));
  const deliveryLagMs = caughtUpAt === undefined ? undefined : Math.max(0, ...set.map((r, i) => delivered[i]! - Math.max(r.acceptedAt!, readyAt)));
  const lastOf = (times: (number | undefined)[]) => (times.some((t) => t === undefined) || times.length === 0 ? undefined : Math.max(...(times as number[])) - readyAt);
  const channels: Record<string, number | undefined> = {};
  for (const agent of ledger.agentIds) channels[`socket ${agent}`] = lastOf(set.map((r) => r.sockets.get(agent)?.[0]));
  channels.sse = lastOf(set.map((r) => r.sse[0]));

  const recovery: Recovery = {
    kill: stage.name,
    detail,
    readyMs: readyAt - killAt,
    nextAcceptedMs: next === undefined ? undefined : next - killAt,
    nextAcceptedAfterReadyMs: next === undefined ? undefined : Math.max(0, next - readyAt),
    caughtUpMs: caughtUpAt === undefined ? undefined : caughtUpAt - killAt,
    deliveryLagMs,
    catchUpSet: set.length,
    neverCaughtUp,
    assignedMs: stage.probe?.assignedAt === undefined ? undefined : stage.probe.assignedAt - stage.probe.startedAt,
    probeError: stage.probe?.error,
    ...acceptanceOf(ledger, killAt, untilMs),
    afterReady: { published: lastOf(set.map((r) => r.publishedAt)), channels },
    answers: stage.answers,
    warnings: warningsBetween(logs, killAt, untilMs),
    failed: [],
  };
  const f = recovery.failed;
  if (recovery.nextAcceptedAfterReadyMs === undefined) f.push('no message accepted after the kill');
  else if (recovery.nextAcceptedAfterReadyMs > NEXT_ACCEPTED_BOUND_MS) f.push(`next accepted ${recovery.nextAcceptedAfterReadyMs} ms after ready (bound ${NEXT_ACCEPTED_BOUND_MS})`);
  if (set.length === 0) f.push('no message accepted around the kill to follow');
  else if (deliveryLagMs === undefined) f.push(`${neverCaughtUp} of ${set.length} messages never reached their agent's socket and SSE`);
  else if (deliveryLagMs > CAUGHT_UP_BOUND_MS) f.push(`live delivery caught up ${deliveryLagMs} ms after ready (bound ${CAUGHT_UP_BOUND_MS})`);
  if (recovery.assignedMs === undefined) f.push(`new conversation not assigned: ${stage.probe?.error ?? 'no probe'}`);
  else if (recovery.assignedMs > ASSIGNED_BOUND_MS) f.push(`new conversation assigned in ${recovery.assignedMs} ms (bound ${ASSIGNED_BOUND_MS})`);
  return recovery;
}

function acceptanceOf(ledger: ChaosLedger, from: number, until: number) {
  const waits = ledger.accepted().filter((r) => r.firstSentAt >= from && r.firstSentAt < until).map((r) => r.acceptedAt! - r.firstSentAt);
  return { slowestAcceptMs: waits.length ? Math.max(...waits) : undefined, acceptedSlowerThanBound: waits.filter((w) => w > NEXT_ACCEPTED_BOUND_MS).length };
}

/** Warnings and errors the services logged in [from, until), and the lines where a follower says it resumed, by service and message. */
function warningsBetween(logs: TimedLogLine[], from: number, until: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of logs) {
    if (l.at < from || l.at >= until) continue;
    let what: string | undefined;
    try {
      const rec = JSON.parse(l.line) as { level?: number | string; msg?: string; err?: { message?: string }; follower?: string };
      const level = typeof rec.level === 'number' ? rec.level : { warn: 40, error: 50, fatal: 60 }[String(rec.level)] ?? 30;
      if (level >= 40 || /again|resum|reconnect/i.test(rec.msg ?? '')) what = `${rec.msg ?? ''}${rec.follower ? ` (${rec.follower})` : ''}${rec.err?.message ? `: ${rec.err.message.slice(0, 100)}` : ''}`;
    } catch {
      if (l.stream === 'stderr' && l.line.trim()) what = l.line.slice(0, 120);
    }
    if (what === undefined) continue;
    const key = `${l.service}: ${what}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The table the suite prints: one row per kill. */
export function formatRecoveryTable(rows: Recovery[]): string {
  const header = ['kill', '→ ready', '→ next accepted (after ready)', '→ caught up (lag after ready)', '→ assigned', 'slowest accept (n > bound)', 'bounds'];
  const lines = rows.map((r) => [
    r.kill,
    s(r.readyMs),
    `${s(r.nextAcceptedMs)} (${s(r.nextAcceptedAfterReadyMs)})`,
    `${s(r.caughtUpMs)} (${s(r.deliveryLagMs)})`,
    s(r.assignedMs),
    `${s(r.slowestAcceptMs)} (${r.acceptedSlowerThanBound})`,
    r.failed.length ? `FAIL: ${r.failed.join('; ')}` : 'ok',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}
