import { ValidationError } from '@contactcenter/infra';

/** The `Idempotency-Key` request header (IETF httpapi draft), as a route's header schema. */
export const idempotencyKeyHeader = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } },
} as const;

/**
 * The key that makes a retried message post write once: the body's
 * `clientMessageId` or the `Idempotency-Key` header ('' when neither). Both
 * given and different is a client bug worth a clear 400 rather than a guess.
 */
export function clientMessageIdOf(fromBody: string | undefined, fromHeader: string | string[] | undefined): string {
  const header = typeof fromHeader === 'string' ? fromHeader : '';
  if (fromBody && header && fromBody !== header) {
    throw new ValidationError('clientMessageId', 'differs from the Idempotency-Key header; send one of them, or the same value in both');
  }
  return fromBody || header;
}
