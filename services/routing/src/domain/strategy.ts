import { loadOn, spareOn, type AgentView } from './agentView';
import type { ChannelName, StrategyName } from './policy';

/** Negative when `a` should be offered before `b`. */
export type Ranking = (a: AgentView, b: AgentView) => number;

/** An unknown idle time (0) counts as idle since now: no agent jumps the line for lack of data. */
const idle = (a: AgentView) => a.idleSince || Number.MAX_SAFE_INTEGER;

const byId = (a: AgentView, b: AgentView) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

/**
 * How each strategy orders eligible agents on a channel. Ties always end on
 * the agent id, so every routing replica ranks alike.
 * - longest idle: agents holding nothing on the channel first, the one idle
 *   longest first; then the one assigned least recently.
 * - least busy: most spare capacity first, then fewest held, then least recently assigned.
 * - round robin: least recently assigned first (never assigned before all).
 * - manual pick offers to all; the list is ordered least busy first.
 */
export function ranking(strategy: StrategyName, channel: ChannelName): Ranking {
  switch (strategy) {
    case 'longest_idle':
      return (a, b) => {
        const busyA = loadOn(a, channel) > 0 ? 1 : 0;
        const busyB = loadOn(b, channel) > 0 ? 1 : 0;
        if (busyA !== busyB) return busyA - busyB;
        return busyA === 0 ? idle(a) - idle(b) || byId(a, b) : a.lastAssignedAt - b.lastAssignedAt || byId(a, b);
      };
    case 'least_busy':
    case 'manual_pick':
      return (a, b) => spareOn(b, channel) - spareOn(a, channel) || loadOn(a, channel) - loadOn(b, channel) || a.lastAssignedAt - b.lastAssignedAt || byId(a, b);
    case 'round_robin':
      return (a, b) => a.lastAssignedAt - b.lastAssignedAt || byId(a, b);
  }
}

/** The `k` best of `items` under `rank`, best first, in one pass (no full sort of thousands of agents). */
export function topK<T>(items: Iterable<T>, k: number, rank: (a: T, b: T) => number): T[] {
  const best = new TopK(k, rank);
  for (const item of items) best.add(item);
  return best.best();
}

/** Keeps the `k` best of what it is given, best first; `seen` counts everything given. */
export class TopK<T> {
  private readonly items: T[] = [];
  seen = 0;

  constructor(
    private readonly k: number,
    private readonly rank: (a: T, b: T) => number,
  ) {}

  add(item: T): void {
    this.seen++;
    const { items, k, rank } = this;
    if (k <= 0 || (items.length === k && rank(item, items[k - 1]!) >= 0)) return;
    let i = items.length < k ? items.length : k - 1;
    if (items.length < k) items.push(item);
    while (i > 0 && rank(item, items[i - 1]!) < 0) {
      items[i] = items[i - 1]!;
      i--;
    }
    items[i] = item;
  }

  best(): T[] {
    return this.items;
  }
}
