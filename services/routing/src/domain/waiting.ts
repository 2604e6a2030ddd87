import { MAX_EFFECTIVE_PRIORITY, type ChannelName, type QueuePolicy } from './policy';

/** A conversation that waits for an agent. */
export interface Waiting {
  tenantId: string;
  conversationId: string;
  /** '' while it waits for a team (after a transfer) rather than a queue. */
  queueId: string;
  teamId: string;
  channel: ChannelName;
  /** Lower-case BCP 47 tag, '' when unknown. */
  language: string;
  /** 1 low … 4 urgent. */
  priority: number;
  /** Epoch ms it entered its current queue. */
  queuedAt: number;
}

/** Priority after aging: one level more per `agingSeconds` waited, up to MAX_EFFECTIVE_PRIORITY. */
export function effectivePriority(w: Waiting, policy: Pick<QueuePolicy, 'agingSeconds'> | undefined, now: number): number {
  const aging = policy?.agingSeconds ?? 0;
  if (aging <= 0) return w.priority;
  const levels = Math.floor(Math.max(0, now - w.queuedAt) / (aging * 1000));
  return Math.min(MAX_EFFECTIVE_PRIORITY, w.priority + levels);
}

/** Serving order: higher effective priority first, then first come first served. */
export function servingOrder(policyOf: (w: Waiting) => Pick<QueuePolicy, 'agingSeconds'> | undefined, now: number) {
  return (a: Waiting, b: Waiting): number =>
    effectivePriority(b, policyOf(b), now) - effectivePriority(a, policyOf(a), now) ||
    a.queuedAt - b.queuedAt ||
    (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0);
}
