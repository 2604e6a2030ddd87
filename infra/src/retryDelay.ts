/**
 * How long to wait before attempt `attempt` + 1 of something that failed:
 * `min` after the first failure, doubling up to `max`. Loops that follow a
 * stream or a log use it so that a dead dependency is retried quickly at
 * first and then without spinning.
 *
 * @example
 *   await sleepUnlessAborted(doublingDelay(failures, { min: 100, max: 2_000 }), signal);
 */
export function doublingDelay(attempt: number, range: { min: number; max: number }): number {
  return Math.min(range.max, range.min * 2 ** Math.min(Math.max(attempt, 1) - 1, 20));
}

/** Sleeps `ms`, waking at once when `signal` aborts (a stop must not wait out a backoff). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
