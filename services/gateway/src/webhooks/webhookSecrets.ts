import type { Webhook } from './webhookStore';

/** How long a replaced secret keeps signing after a rotation, so that receivers can switch without a gap. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A replaced secret that still signs until `expiresAt`. */
export interface RetiringSecret {
  secret: string;
  expiresAt: string;
}

/** The secrets that sign a delivery at `now`: the current one first, then those still in their grace period. */
export function signingSecrets(webhook: Pick<Webhook, 'secret' | 'retiringSecrets'>, now: Date): string[] {
  const live = (webhook.retiringSecrets ?? []).filter((r) => Date.parse(r.expiresAt) > now.getTime());
  return [webhook.secret, ...live.map((r) => r.secret)];
}

/**
 * The webhook after its secret is replaced by `secret` at `now`: the old one
 * retires after `graceMs`, secrets already expired are dropped.
 */
export function withRotatedSecret(webhook: Webhook, secret: string, now: Date, graceMs = SECRET_ROTATION_GRACE_MS): Webhook {
  const stillLive = (webhook.retiringSecrets ?? []).filter((r) => Date.parse(r.expiresAt) > now.getTime());
  const retiring: RetiringSecret = { secret: webhook.secret, expiresAt: new Date(now.getTime() + graceMs).toISOString() };
  return { ...webhook, secret, retiringSecrets: [retiring, ...stillLive] };
}
