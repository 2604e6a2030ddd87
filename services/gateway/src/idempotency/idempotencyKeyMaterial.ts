import { ValidationError } from '@contactcenter/infra';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** What is kept of a first answer, to be answered again byte for byte. */
export interface RecordedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** 1-255 visible ASCII characters: no spaces, no control characters (a UUID fits). */
const KEY_RE = /^[\x21-\x7E]{1,255}$/;

/**
 * Refuses a malformed `Idempotency-Key` with a 400 naming the header.
 * @example
 *   checkIdempotencyKey('6f1c…'); // ok
 *   checkIdempotencyKey('');      // ValidationError('Idempotency-Key', …)
 */
export function checkIdempotencyKey(key: string): string {
  if (!KEY_RE.test(key)) throw new ValidationError('Idempotency-Key', 'must be 1-255 visible ASCII characters (no spaces or control characters), e.g. a UUID');
  return key;
}

/**
 * Everything derived from one (principal scope, Idempotency-Key) pair. The
 * bucket holds neither the key nor the answer in the clear: the record's KV
 * key is a hash, the request's fingerprint an HMAC and the answer (which may
 * carry a secret shown once: an API key, a webhook secret, a session token)
 * is sealed with AES-256-GCM under a key derived from the pair. Reading the
 * bucket without the client's key reveals nothing.
 */
export class IdempotencyKeyMaterial {
  /** The record's key in the bucket. */
  readonly recordKey: string;
  private readonly secret: Buffer;

  constructor(scope: string, idempotencyKey: string) {
    const pair = `${scope}\n${idempotencyKey}`;
    this.recordKey = `k.${createHash('sha256').update(`record\n${pair}`).digest('hex')}`;
    this.secret = createHash('sha256').update(`seal\n${pair}`).digest();
  }

  /** Method, path and body: the same key on another route or with another body is a reuse (422). Key order does not matter. */
  fingerprint(method: string, url: string, body: unknown): string {
    return createHmac('sha256', this.secret).update(`${method} ${url}\n${canonicalJson(body ?? null)}`).digest('base64url');
  }

  /** An id for what the request creates, the same for every retry: a re-run after a takeover finds the first one. */
  derivedId(prefix: string): string {
    return `${prefix}${createHmac('sha256', this.secret).update('id').digest('base64url').slice(0, 32)}`;
  }

  seal(answer: RecordedAnswer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  open(sealed: string): RecordedAnswer {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.secret, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as RecordedAnswer;
  }
}

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` are one body. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
