import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How receivers authenticate a webhook request (close to Standard Webhooks,
 * with a hex HMAC):
 *
 *   Webhook-Id:        the delivery id, the same on every retry and replay (deduplicate on it)
 *   Webhook-Timestamp: Unix seconds when this attempt was signed
 *   Webhook-Signature: v1=<hex HMAC-SHA256 of "<Webhook-Timestamp>.<raw body>">
 *
 * The HMAC key is the webhook secret as UTF-8 text (the whole `whsec_…`
 * string, as shown once at creation). Receivers must verify against the raw
 * body bytes before parsing, compare in constant time and reject timestamps
 * older than a few minutes (replay protection). The header may carry several
 * space-separated signatures (`v1=… v1=…`) so that a secret rotation can sign
 * with both secrets; any match is valid.
 *
 * @example
 *   const ts = Math.floor(Date.now() / 1000);
 *   const header = signWebhook(secret, ts, body); // 'v1=5f2c…'
 *   verifyWebhookSignature(secret, String(ts), body, header); // true
 */
export const SIGNATURE_VERSION = 'v1';

export function webhookHmac(secret: string, timestamp: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `Webhook-Signature` header value for one attempt. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `${SIGNATURE_VERSION}=${webhookHmac(secret, timestamp, body)}`;
}

/**
 * Whether `header` holds a valid signature of `body` at `timestamp`, and the
 * timestamp lies within `toleranceSeconds` of `nowSeconds`. What a receiver
 * runs; the gateway's tests use it too.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookHmac(secret, timestamp, body), 'hex');
  return header
    .split(' ')
    .filter((part) => part.startsWith(`${SIGNATURE_VERSION}=`))
    .map((part) => part.slice(SIGNATURE_VERSION.length + 1))
    .some((hex) => /^[0-9a-f]{64}$/i.test(hex) && timingSafeEqual(Buffer.from(hex, 'hex'), expected));
}
