/** The same Idempotency-Key with another body or on another route: 422 problem JSON `idempotency_key_reused`. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly statusCode = 422;
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('this Idempotency-Key was used with another request (route or body); use a new key for a new request');
  }
}

/**
 * A request with this Idempotency-Key is still running elsewhere and did not
 * finish within the wait: 409 problem JSON `idempotency_in_progress`, with
 * `Retry-After` (seconds) set on the reply.
 */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
  readonly statusCode = 409;
  readonly code = 'idempotency_in_progress';
  constructor(readonly retryAfterSeconds: number) {
    super(`a request with this Idempotency-Key is still in progress; retry in ${retryAfterSeconds} s`);
  }
}
