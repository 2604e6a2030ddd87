import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta (WhatsApp Cloud API, Messenger, Instagram) signs every webhook POST
 * with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed
 * with the app secret. The HMAC is over the bytes as sent: re-serialising
 * parsed JSON changes escapes (Meta writes `\u00e9`, `\/`) and breaks it, so
 * callers must keep the raw body.
 *
 * @example
 *   if (!isValidSignature(rawBody, request.headers['x-hub-signature-256'], endpoint.appSecret)) reply401();
 */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** The header value Meta would send for `body`: what tests and the fake Graph API sign with. */
export function signatureOf(body: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/**
 * True only when `header` is a well-formed `sha256=<64 hex>` and equals the
 * HMAC of `body`. A missing secret or header is a plain "no" (never a throw),
 * and the comparison takes the same time wherever the first difference is.
 */
export function isValidSignature(body: Buffer, header: string | string[] | undefined, appSecret: string | undefined): boolean {
  if (!appSecret || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', appSecret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The query Meta sends once, when an admin saves the callback URL in the app dashboard. */
export interface VerificationQuery {
  'hub.mode'?: unknown;
  'hub.verify_token'?: unknown;
  'hub.challenge'?: unknown;
}

export type VerificationOutcome = { ok: true; challenge: string } | { ok: false; reason: 'bad_request' | 'invalid_verify_token' };

/**
 * The subscription handshake: Meta expects the `hub.challenge` echoed with
 * 200 when `hub.verify_token` is the token the admin typed in the dashboard,
 * and anything else (we answer 403) otherwise. An unconfigured token refuses
 * every handshake rather than accepting an empty one.
 */
export function verifySubscription(query: VerificationQuery, expectedToken: string | undefined): VerificationOutcome {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || challenge === '') {
    return { ok: false, reason: 'bad_request' };
  }
  if (!expectedToken || !sameSecret(token, expectedToken)) return { ok: false, reason: 'invalid_verify_token' };
  return { ok: true, challenge };
}

/** Compares two secrets without revealing through timing how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  // HMAC both sides so the comparison runs on equal lengths whatever was sent.
  const key = 'verify-token';
  const a = createHmac('sha256', key).update(given).digest();
  const b = createHmac('sha256', key).update(expected).digest();
  return timingSafeEqual(a, b);
}
