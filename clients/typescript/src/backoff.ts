/** How long to wait between reconnects: growing, capped, jittered. */
export interface BackoffOptions {
  /** The first wait (default 250 ms). */
  initialMs?: number;
  /** The longest wait (default 10 s). */
  maxMs?: number;
}

/**
 * Exponential backoff with equal jitter: each wait is between half and all of
 * `min(maxMs, initialMs · 2^attempt)`. The jitter matters when a gateway
 * restarts: its thousands of widgets must not all come back in the same
 * millisecond.
 *
 * @example
 *   const backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
 *   setTimeout(reconnect, backoff.next()); // 125-250 ms, then 250-500 ms, …
 *   backoff.reset();                       // after a connection that worked
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 10_000;
  }

  /** The next wait in milliseconds. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** How many waits since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
