import type { AgentView } from './agentView';
import { judgeFit, requirementFor } from './eligibility';
import type { QueuePolicy } from './policy';
import type { Waiting } from './waiting';

/** What operations watch per queue: how many wait, the longest wait, and who could answer now. */
export interface QueueStats {
  queueId: string;
  depth: number;
  longestWaitSeconds: number;
  /** Agents accepting work now (online, connected, on shift) who fit the queue: team, channel, skills, language or translation. */
  agentsOnline: number;
}

/**
 * Stats of every queue of one tenant, defined queues first (a queue with
 * nobody waiting shows 0, so an alert can tell "empty" from "unknown").
 * Conversations transferred to a team wait in that team's line, `team:<id>`.
 * Pure: the caller passes the clock.
 */
export function queueStats(
  queues: Iterable<QueuePolicy>,
  waiting: Iterable<Waiting>,
  agents: Iterable<AgentView>,
  now: number,
): QueueStats[] {
  const online = [...agents].filter((a) => a.acceptsWork);
  const stats = new Map<string, QueueStats>();
  for (const q of queues) {
    const probe: Waiting = { tenantId: '', conversationId: '', queueId: q.queueId, teamId: '', channel: q.channel, language: '', priority: q.priority, queuedAt: now };
    const req = requirementFor(probe, q, now);
    stats.set(q.queueId, { queueId: q.queueId, depth: 0, longestWaitSeconds: 0, agentsOnline: online.filter((a) => judgeFit(a, req).ok).length });
  }
  for (const w of waiting) {
    const line = w.queueId || `team:${w.teamId}`;
    let s = stats.get(line);
    if (!s) {
      s = { queueId: line, depth: 0, longestWaitSeconds: 0, agentsOnline: w.teamId ? online.filter((a) => a.teamIds.includes(w.teamId)).length : 0 };
      stats.set(line, s);
    }
    s.depth++;
    s.longestWaitSeconds = Math.max(s.longestWaitSeconds, Math.max(0, now - w.queuedAt) / 1000);
  }
  return [...stats.values()];
}
