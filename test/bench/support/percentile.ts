/**
 * Percentiles as every bench in test/bench reports them: the value at rank
 * floor(p% × n) of the ascending samples, NaN when there are none (so that an
 * empty phase shows as "no figure" rather than as 0 ms).
 *
 * @example
 *   const sorted = sortedAscending(latenciesMs);
 *   const p99 = percentile(sorted, 99);
 */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A sorted copy, smallest first: what `percentile` expects. */
export const sortedAscending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
