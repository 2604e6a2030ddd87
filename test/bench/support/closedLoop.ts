/** Closed-loop sampling for the benchmarks: how many calls of an operation complete, and how long each took. */
import { percentile, sortedAscending } from './percentile';

export type Sample = { ops: number; seconds: number; latenciesMs: number[] };

export const emptySample = (): Sample => ({ ops: 0, seconds: 0, latenciesMs: [] });
export const rateOf = (s: Sample) => s.ops / s.seconds;
export const latencyOf = (s: Sample) => {
  const sorted = sortedAscending(s.latenciesMs);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** Runs `op` in `workers` concurrent loops for `ms`, adding to `into`; `op` gets its worker number and its call number in that worker. */
export async function timed(into: Sample, workers: number, ms: number, op: (worker: number, i: number) => Promise<unknown>): Promise<void> {
  const before = into.latenciesMs.length;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        await op(w, i);
        into.latenciesMs.push(performance.now() - t);
      }
    }),
  );
  into.ops += into.latenciesMs.length - before;
  into.seconds += (performance.now() - t0) / 1000;
}

/**
 * Runs `op` `count` times, one at a time, each start `intervalMs` after the
 * previous one's (a call taking longer delays the next), adding to `into`:
 * latency at a load's pacing, where every party may have gone idle between
 * calls, rather than back to back.
 */
export async function paced(into: Sample, count: number, intervalMs: number, op: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op();
    const took = performance.now() - t;
    into.latenciesMs.push(took);
    if (took < intervalMs) await new Promise((r) => setTimeout(r, intervalMs - took));
  }
  into.ops += count;
  into.seconds += (performance.now() - t0) / 1000;
}
