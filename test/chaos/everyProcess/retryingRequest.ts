/**
 * A client that retries what it may retry, as a well-behaved widget or
 * integration does: the same `Idempotency-Key` every time; on 503, 409
 * (in progress), 429 and 408 after `Retry-After` (capped) or a bounded
 * exponential backoff with jitter; on no answer (refused, reset, timeout)
 * after the backoff. Any other 4xx is final (a client would drop the
 * request); any other 5xx is retried too (the key makes it safe) and
 * recorded as forbidden by GatewayAnswers.
 */
import { sleep } from '../../bench/e2e/clock';
import type { GatewayHttp, Reply } from '../../bench/e2e/gatewayHttp';
import type { GatewayAnswers } from './gatewayAnswers';

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2_000;
const RETRYABLE_4XX = new Set([408, 409, 429]);

export interface RetryPolicy {
  timeoutMs: number;
  maxRetryAfterMs: number;
  /** Stops retrying (the run is over); the call then resolves with `abandoned`. */
  stopped: () => boolean;
}

export type Outcome =
  | { kind: 'accepted'; reply: Reply; attempts: number; attemptStartedAt: number }
  | { kind: 'refused'; reply: Reply; attempts: number }
  | { kind: 'abandoned'; attempts: number };

export async function requestUntilAnswered(
  http: GatewayHttp,
  answers: GatewayAnswers,
  what: string,
  request: { method: string; path: string; token?: string; body?: unknown; idempotencyKey: string },
  policy: RetryPolicy,
): Promise<Outcome> {
  let attempts = 0;
  let failures = 0;
  while (!policy.stopped()) {
    attempts++;
    const attemptStartedAt = Date.now();
    let wait: number;
    try {
      const reply = await http.request(request.method, request.path, request.token, request.body, {
        headers: { 'idempotency-key': request.idempotencyKey },
        timeoutMs: policy.timeoutMs,
      });
      answers.record(what, reply);
      if (reply.status >= 200 && reply.status < 300) return { kind: 'accepted', reply, attempts, attemptStartedAt };
      if (reply.status < 500 && !RETRYABLE_4XX.has(reply.status)) return { kind: 'refused', reply, attempts };
      const retryAfterS = Number(reply.headers['retry-after']);
      wait = Number.isFinite(retryAfterS) && retryAfterS >= 0 ? Math.min(policy.maxRetryAfterMs, retryAfterS * 1000) : backoff(failures);
    } catch (err) {
      answers.recordError(what, err as Error);
      wait = backoff(failures);
    }
    failures++;
    await sleep(Math.max(50, wait));
  }
  return { kind: 'abandoned', attempts };
}

const backoff = (failures: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures) * (0.5 + Math.random() / 2);
