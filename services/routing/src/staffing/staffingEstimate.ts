import type { QueuePolicy } from '../domain/policy';
import type { RecordedWindow } from '../simulation/recordedWindow';
import { erlangCServers, type StaffingTarget } from './erlang';
import { erlangAServers } from './erlangA';

const HOUR = 3_600_000;

/** Agents a queue needs in one hour to meet the target, by formula. */
export interface StaffingEstimate {
  queueId: string;
  hourStart: number;
  arrivals: number;
  averageHandleSeconds: number;
  /** Mean patience of waiting visitors (total time waited ÷ visitors who left); 0 when nobody left. */
  patienceSeconds: number;
  /** Conversations an agent holds at once on the queue's channel (mean capacity of the agents who fit it). */
  concurrency: number;
  erlangCAgents: number;
  /** Equal to Erlang C when nobody left (no patience to go by). */
  erlangAAgents: number;
}

/**
 * Erlang C and Erlang A staffing per queue and hour of a recorded window.
 * Each slot of an agent is a server (a chat agent holding three at once
 * counts as three), so agents = servers ÷ concurrency, rounded up; the
 * handle time is as recorded, which already includes the slowdown of
 * handling several at once.
 */
export function estimateStaffing(window: RecordedWindow, policies: ReadonlyMap<string, QueuePolicy>, target: StaffingTarget): StaffingEstimate[] {
  const groups = new Map<string, RecordedWindow['conversations']>();
  for (const c of window.conversations) {
    const k = `${c.queueId}|${Math.floor(c.queuedAt / HOUR) * HOUR}`;
    groups.get(k)?.push(c) ?? groups.set(k, [c]);
  }
  const out: StaffingEstimate[] = [];
  for (const [k, cs] of groups) {
    const queueId = k.slice(0, k.lastIndexOf('|'));
    const hourStart = Number(k.slice(k.lastIndexOf('|') + 1));
    const policy = policies.get(queueId);
    const handled = cs.filter((c) => c.handleMs !== undefined && c.handleMs > 0);
    const handleSeconds = handled.length ? handled.reduce((s, c) => s + c.handleMs!, 0) / handled.length / 1000 : policy?.averageHandleSeconds || 120;
    const waited = cs.reduce((s, c) => s + ((c.assignedAt ?? (c.abandonedAfterMs !== undefined ? c.queuedAt + c.abandonedAfterMs : window.end)) - c.queuedAt), 0);
    const left = cs.filter((c) => c.abandonedAfterMs !== undefined).length;
    const patienceSeconds = left > 0 ? Math.max(1, waited / left / 1000) : 0;
    const concurrency = concurrencyOf(window, policy, cs[0]!.channel);
    // Arrivals per second over the part of the hour inside the window.
    const span = (Math.min(window.end, hourStart + HOUR) - Math.max(window.start, hourStart)) / 1000;
    const lambda = cs.length / span;
    const servers = erlangCServers(lambda * handleSeconds, handleSeconds, target);
    const serversA = left > 0 ? erlangAServers({ arrivalsPerSecond: lambda, handleSeconds, patienceSeconds }, target) : servers;
    out.push({
      queueId,
      hourStart,
      arrivals: cs.length,
      averageHandleSeconds: Math.round(handleSeconds * 10) / 10,
      patienceSeconds: Math.round(patienceSeconds * 10) / 10,
      concurrency,
      erlangCAgents: Math.ceil(servers / concurrency),
      erlangAAgents: Math.ceil(serversA / concurrency),
    });
  }
  return out.sort((a, b) => (a.queueId < b.queueId ? -1 : a.queueId > b.queueId ? 1 : a.hourStart - b.hourStart));
}

function concurrencyOf(window: RecordedWindow, policy: QueuePolicy | undefined, channel: RecordedWindow['conversations'][number]['channel']): number {
  const fits = window.agents.filter((a) => (a.profile.capacity[channel] ?? 0) > 0 && (policy?.requiredSkills ?? []).every((s) => (a.profile.skills.get(s.name) ?? -1) >= s.minLevel));
  if (fits.length === 0) return 1;
  return Math.max(1, Math.round(fits.reduce((s, a) => s + (a.profile.capacity[channel] ?? 0), 0) / fits.length));
}
