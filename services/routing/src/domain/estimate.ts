/** Assignments older than this no longer say how fast a queue moves. */
export const THROUGHPUT_WINDOW_MS = 15 * 60_000;
/** Fewer assignments than this in the window: too little history, use the queue's average handle time. */
const MIN_SAMPLES = 3;

export interface WaitEstimateInput {
  /** 1 = next. */
  position: number;
  /** Times (epoch ms) of the queue's recent assignments, any order. */
  recentAssignments: readonly number[];
  /** Conversations agents who serve the queue and are on shift can hold at once, and how many of those slots are free. */
  servingSlots: number;
  freeSlots: number;
  averageHandleSeconds: number;
  now: number;
}

/**
 * Expected seconds until a waiting conversation gets an agent. From the
 * queue's own pace when it has recent history (position ÷ assignments per
 * second), otherwise from its staffing: the conversations ahead that free
 * slots cannot absorb, served `servingSlots` at a time, each for the average
 * handle time. Undefined when nobody who could serve it is on shift.
 */
export function estimateWaitSeconds(input: WaitEstimateInput): number | undefined {
  const { position, now } = input;
  // Nobody who could serve it is working: a recent pace says nothing about tonight.
  if (input.servingSlots <= 0) return undefined;
  const recent = input.recentAssignments.filter((t) => now - t <= THROUGHPUT_WINDOW_MS && t <= now);
  if (recent.length >= MIN_SAMPLES) {
    const span = Math.max(60_000, now - Math.min(...recent));
    const perSecond = recent.length / (span / 1000);
    return Math.round(position / perSecond);
  }
  const ahead = Math.max(0, position - input.freeSlots);
  return Math.round(Math.ceil(ahead / input.servingSlots) * input.averageHandleSeconds);
}
