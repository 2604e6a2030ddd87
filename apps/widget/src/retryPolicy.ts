/** What a failed call looked like: a ProblemError's status, code and Retry-After, or nothing known. */
export interface Failure {
  status: number;
  code?: string;
  retryAfter?: number | undefined;
}

/** What the widget tells the visitor about a failure. */
export type FailureKind =
  /** The widget key is unknown or revoked, or the session is refused: nothing to retry. */
  | 'refused'
  /** No answer: the network, the gateway down, or this site's origin not allowed (a browser shows a CORS refusal as no answer). */
  | 'unreachable'
  /** Too many requests: wait Retry-After. */
  | 'rate_limited'
  /** The gateway or a service behind it is unavailable for now. */
  | 'unavailable'
  /** The request itself was refused (validation, not found, illegal state): retrying the same cannot help. */
  | 'rejected';

export function failureKind(f: Failure): FailureKind {
  if (f.status === 0) return 'unreachable';
  if (f.status === 401 || f.status === 403) return 'refused';
  if (f.status === 429) return 'rate_limited';
  // 409 `idempotency_in_progress`: the first attempt with this key is still running; asking again gets its answer.
  if (f.status === 408 || f.status === 425 || f.status >= 500 || (f.status === 409 && f.code === 'idempotency_in_progress')) return 'unavailable';
  return 'rejected';
}

export interface RetryOptions {
  /** The first wait without Retry-After (default 1 s). */
  initialMs?: number;
  /** The longest wait (default 30 s). */
  maxMs?: number;
  random?: () => number;
}

/**
 * How long to wait before trying a failed call again, or undefined when
 * trying again cannot help. The gateway's Retry-After wins (429, 503);
 * otherwise a jittered exponential backoff, so that the widgets of every
 * visitor do not come back at the same moment after an outage.
 *
 * @example
 *   retryDelayMs({ status: 429, retryAfter: 3 }, 0) // 3000
 *   retryDelayMs({ status: 0 }, 2)                  // 2000-4000
 *   retryDelayMs({ status: 404 }, 0)                // undefined
 */
export function retryDelayMs(f: Failure, attempt: number, options: RetryOptions = {}): number | undefined {
  const kind = failureKind(f);
  if (kind === 'refused' || kind === 'rejected') return undefined;
  const maxMs = options.maxMs ?? 30_000;
  if (f.retryAfter !== undefined && f.retryAfter >= 0) return Math.min(Math.max(f.retryAfter * 1000, 250), 5 * 60_000);
  const ceiling = Math.min(maxMs, (options.initialMs ?? 1000) * 2 ** Math.min(attempt, 20));
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A fresh random id for a client message id or an Idempotency-Key (`[A-Za-z0-9_.:-]`, as the gateway accepts both). */
export function newClientId(prefix: string): string {
  const c = globalThis.crypto;
  const raw = c && typeof c.randomUUID === 'function' ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${raw}`;
}
