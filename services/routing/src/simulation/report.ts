import type { ChannelName } from '../domain/policy';
import type { SimulatedConversation, SimulationResult } from './simulator';

const HOUR = 3_600_000;

/** How a queue did in one hour (by arrival time). Durations in seconds; shares 0–1; NaN-free (0 when nothing to measure). */
export interface QueueHour {
  queueId: string;
  /** Epoch ms of the hour's start (UTC). */
  hourStart: number;
  arrivals: number;
  answered: number;
  abandoned: number;
  waitP50Seconds: number;
  waitP90Seconds: number;
  firstResponseP50Seconds: number;
  firstResponseP90Seconds: number;
  /** Abandoned ÷ arrivals. */
  abandonment: number;
  /** Answered within the target ÷ (answered + abandoned): who left counts as not answered in time. */
  serviceLevel: number;
  /** Slots busy ÷ slots offered on the queue's channel (all agents of the channel, as they cannot be split by queue). */
  occupancy: number;
  /** Agents at work on the channel, on average over the hour (the part of it inside the window). */
  agentsWorking: number;
}

/** One line of a chart: a figure of one queue over the window's hours (null where the queue had no arrivals). */
export interface Series {
  queueId: string;
  figure: 'waitP90Seconds' | 'serviceLevel' | 'abandonment' | 'occupancy' | 'arrivals';
  values: (number | null)[];
}

export interface Report {
  hours: number[];
  rows: QueueHour[];
  series: Series[];
}

/** The value at quantile `q` (0–1) of `xs`, by the nearest rank; 0 for none. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Per queue and hour figures of a replay (or of what was recorded, given as SimulatedConversations), with chart series. */
export function buildReport(result: Pick<SimulationResult, 'start' | 'end' | 'conversations' | 'channelHours'>, targetSeconds: number): Report {
  const hours: number[] = [];
  for (let h = Math.floor(result.start / HOUR) * HOUR; h < result.end; h += HOUR) hours.push(h);
  const groups = new Map<string, SimulatedConversation[]>();
  for (const c of result.conversations) {
    const k = `${c.queueId}|${Math.floor(c.arrivedAt / HOUR) * HOUR}`;
    groups.get(k)?.push(c) ?? groups.set(k, [c]);
  }
  const rows: QueueHour[] = [];
  for (const [k, cs] of groups) {
    const [queueId, hour] = [k.slice(0, k.lastIndexOf('|')), Number(k.slice(k.lastIndexOf('|') + 1))];
    // The part of the hour inside the window: a 30-minute window has agents at work for at most 30 minutes of it.
    const span = Math.min(result.end, hour + HOUR) - Math.max(result.start, hour);
    rows.push(queueHour(queueId, hour, span, cs, result.channelHours, targetSeconds));
  }
  rows.sort((a, b) => (a.queueId < b.queueId ? -1 : a.queueId > b.queueId ? 1 : a.hourStart - b.hourStart));
  const queueIds = [...new Set(rows.map((r) => r.queueId))];
  const figures: Series['figure'][] = ['arrivals', 'waitP90Seconds', 'serviceLevel', 'abandonment', 'occupancy'];
  const series = queueIds.flatMap((queueId) =>
    figures.map((figure) => ({ queueId, figure, values: hours.map((h) => rows.find((r) => r.queueId === queueId && r.hourStart === h)?.[figure] ?? null) })),
  );
  return { hours, rows, series };
}

function queueHour(queueId: string, hourStart: number, spanMs: number, cs: SimulatedConversation[], channelHours: SimulationResult['channelHours'], targetSeconds: number): QueueHour {
  const answered = cs.filter((c) => c.assignedAt !== undefined);
  const abandoned = cs.filter((c) => c.abandonedAt !== undefined);
  const waits = answered.map((c) => c.assignedAt! - c.arrivedAt);
  const frts = answered.filter((c) => c.firstResponseAt !== undefined).map((c) => c.firstResponseAt! - c.arrivedAt);
  const inTime = waits.filter((w) => w <= targetSeconds * 1000).length;
  const channel: ChannelName = cs[0]!.channel;
  const agentTime = channelHours.get(`${channel}|${hourStart}`);
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
  return {
    queueId,
    hourStart,
    arrivals: cs.length,
    answered: answered.length,
    abandoned: abandoned.length,
    waitP50Seconds: seconds(quantile(waits, 0.5)),
    waitP90Seconds: seconds(quantile(waits, 0.9)),
    firstResponseP50Seconds: seconds(quantile(frts, 0.5)),
    firstResponseP90Seconds: seconds(quantile(frts, 0.9)),
    abandonment: ratio(abandoned.length, cs.length),
    serviceLevel: ratio(inTime, answered.length + abandoned.length),
    occupancy: ratio(agentTime?.busy ?? 0, agentTime?.offered ?? 0),
    agentsWorking: spanMs > 0 ? Math.round(((agentTime?.working ?? 0) / spanMs) * 10) / 10 : 0,
  };
}
