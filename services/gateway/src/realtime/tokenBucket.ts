/**
 * A token bucket: up to `capacity` at once, refilled at `perSecond`. A
 * client that keeps to the rate is never refused; one that bursts may use
 * the capacity, then waits for the refill. `now` is injectable for tests.
 *
 * @example
 *   const frames = new TokenBucket(20, 20); // 20 frames per second, bursts of 20
 *   if (!frames.take()) sendError('rate_limited', 'slow down');
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perSecond > 0) || !(capacity >= 1)) throw new RangeError(`a token bucket needs perSecond > 0 and capacity ≥ 1, got ${perSecond} and ${capacity}`);
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
