/** The bench's sense of time: how long the run has lasted, and waiting. */

/** Starts the run's clock; the returned function gives the seconds since. */
export function startRunClock(): () => number {
  const started = performance.now();
  return () => (performance.now() - started) / 1000;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
