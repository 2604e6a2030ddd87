import { ConfigError, type Field } from '@contactcenter/infra';

/** Waits before the 2nd, 3rd, … attempt: 1 s, 5 s, 30 s, 2 min, 10 min (six attempts over ~13 minutes). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * The wait before the next attempt after `attempt` (1-based) failed, or
 * undefined when it was the last one. `jitter` (0..1) spreads retries of many
 * deliveries that failed together (an endpoint back from an outage) by up to
 * ±jitter of the delay; `random` is injectable for tests.
 *
 * @example retryDelayMs(1, [1000, 5000]) // 1000; retryDelayMs(3, [1000, 5000]) // undefined
 */
export function retryDelayMs(attempt: number, schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS, jitter = 0, random: () => number = Math.random): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/** Total attempts a delivery gets: the first one plus one per scheduled retry. */
export const maxAttempts = (schedule: readonly number[]): number => schedule.length + 1;

/** `WEBHOOKS_RETRY_SCHEDULE_MS`: comma-separated non-negative milliseconds, at most 10 retries. */
export const retrySchedule = (opts: { default: readonly number[] }): Field<readonly number[]> => ({
  describe: 'comma-separated retry delays in milliseconds, e.g. 1000,5000,30000',
  parse: (raw, name) => {
    if (raw === undefined || raw.trim() === '') return opts.default;
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.length > 10 || parts.some((p) => !/^\d{1,9}$/.test(p))) {
      throw new ConfigError(name, `must be up to 10 comma-separated non-negative integers (milliseconds), got ${JSON.stringify(raw)}`);
    }
    return parts.map(Number);
  },
});
