import { UnavailableError } from '@contactcenter/infra/errors';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long the circuit stays open before one trial call may pass. */
  coolDownMs?: number;
  /** Injected so tests move time without sleeping. */
  clock?: () => number;
  /**
   * Which errors say the dependency is unwell. Others (a bad request, the
   * caller giving up) pass through without counting either way.
   */
  isFailure?: (err: unknown) => boolean;
}

/** The circuit is open: the call was not attempted. */
export class CircuitOpenError extends UnavailableError {
  constructor(
    readonly dependency: string,
    readonly retryInMs: number,
  ) {
    super(`${dependency}: circuit open after repeated failures; next trial in ${Math.max(0, Math.ceil(retryInMs))} ms`);
  }
}

/**
 * Stops calling a dependency that keeps failing, so a dead translation
 * provider costs each message one fast rejection instead of a full timeout.
 * Closed: calls pass; `failureThreshold` consecutive failures open it. Open:
 * calls fail at once with CircuitOpenError until `coolDownMs` has passed.
 * Half-open: exactly one trial call passes (the others are rejected while it
 * runs); success closes the circuit, failure opens it for another cool-down.
 *
 * @example
 *   const breaker = new CircuitBreaker('deepl', { failureThreshold: 5, coolDownMs: 30_000 });
 *   await breaker.run(() => deepl.translate(request));
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialRunning = false;
  private readonly threshold: number;
  private readonly coolDownMs: number;
  private readonly clock: () => number;
  private readonly isFailure: (err: unknown) => boolean;

  constructor(
    readonly dependency: string,
    options: CircuitBreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
    this.isFailure = options.isFailure ?? (() => true);
  }

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock() - this.openedAt >= this.coolDownMs ? 'half_open' : 'open';
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.trialRunning)) {
      const retryInMs = state === 'open' ? this.openedAt! + this.coolDownMs - this.clock() : 0;
      throw new CircuitOpenError(this.dependency, retryInMs);
    }
    const trial = state === 'half_open';
    if (trial) this.trialRunning = true;
    try {
      const result = await call();
      this.failures = 0;
      this.openedAt = undefined;
      return result;
    } catch (err) {
      if (this.isFailure(err)) this.recordFailure(trial);
      throw err;
    } finally {
      if (trial) this.trialRunning = false;
    }
  }

  private recordFailure(trial: boolean): void {
    this.failures++;
    // A failed trial re-opens at once: the dependency has had its chance.
    if (trial || this.failures >= this.threshold) this.openedAt = this.clock();
  }
}
