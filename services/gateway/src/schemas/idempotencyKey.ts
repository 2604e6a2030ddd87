import { ValidationError } from '@contactcenter/infra';
import { createHash } from 'node:crypto';

/** The `Idempotency-Key` header's value (checked before validation by idempotency/idempotentRoute.ts, as a 400 naming the header). */
export const idempotencyKeyProperty = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7E]+$',
  description:
    'Makes a retried creation happen once: the same key with the same body answers the first result again (with `Idempotent-Replayed: true`); ' +
    'the same key with another body or on another route is 422 `idempotency_key_reused`; while the first is still running, others wait, then 409 `idempotency_in_progress`. ' +
    'Keys are per principal and kept at least 24 hours. 1-255 visible ASCII characters, e.g. a UUID.',
} as const;

/** The `Idempotency-Key` request header (IETF httpapi draft), as a route's header schema. */
export const idempotencyKeyHeader = {
  type: 'object',
  properties: { 'idempotency-key': idempotencyKeyProperty },
} as const;

/** What the conversation aggregate accepts as a client message id. */
const CLIENT_MESSAGE_ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The key that makes a retried message post write once: the body's
 * `clientMessageId` or the `Idempotency-Key` header ('' when neither). Both
 * given and different is a client bug worth a clear 400 rather than a guess.
 * A header key the aggregate would refuse as an id (longer than 128, other
 * characters) is used by its hash.
 */
export function clientMessageIdOf(fromBody: string | undefined, fromHeader: string | string[] | undefined): string {
  const header = typeof fromHeader === 'string' ? fromHeader : '';
  if (fromBody && header && fromBody !== header) {
    throw new ValidationError('clientMessageId', 'differs from the Idempotency-Key header; send one of them, or the same value in both');
  }
  if (fromBody) return fromBody;
  return header === '' || CLIENT_MESSAGE_ID_RE.test(header) ? header : `ik-${createHash('sha256').update(header).digest('base64url')}`;
}
