import { createHmac, randomBytes } from 'node:crypto';

/**
 * How receivers authenticate a webhook request: Standard Webhooks
 * (https://www.standardwebhooks.com), so that its libraries verify it as is.
 *
 *   webhook-id:        the delivery id, the same on every retry and replay (deduplicate on it)
 *   webhook-timestamp: Unix seconds when this attempt was signed
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">
 *
 * The HMAC key is the base64-decoded part of the `whsec_<base64>` secret
 * shown once at creation (or rotation). During a rotation's grace period
 * the header carries one signature per live secret, space-separated
 * (`v1,… v1,…`): a receiver holding either secret verifies it.
 *
 * @example
 *   const secret = newWebhookSecret(); // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
 *   const header = signWebhook([secret], 'dlv_1', 1700000000, body); // 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='
 *   new Webhook(secret).verify(body, { 'webhook-id': 'dlv_1', 'webhook-timestamp': '1700000000', 'webhook-signature': header }); // standardwebhooks
 */
export const SIGNATURE_VERSION = 'v1';
export const SECRET_PREFIX = 'whsec_';

/** A fresh secret: 32 random bytes, base64, behind `whsec_`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The base64 HMAC-SHA256 of `<msgId>.<timestamp>.<body>` under one secret. */
export function webhookSignature(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64');
}

/** The `webhook-signature` header of one attempt: one `v1,<signature>` per secret. */
export function signWebhook(secrets: readonly string[], msgId: string, timestamp: number, body: string): string {
  return secrets.map((s) => `${SIGNATURE_VERSION},${webhookSignature(s, msgId, timestamp, body)}`).join(' ');
}
