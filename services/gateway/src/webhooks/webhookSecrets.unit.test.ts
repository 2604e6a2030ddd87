import { SECRET_ROTATION_GRACE_MS, signingSecrets, withRotatedSecret } from './webhookSecrets';
import type { Webhook } from './webhookStore';

describe('webhook secret rotation', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const webhook: Webhook = { webhookId: 'wh_1', tenantId: 't', url: 'https://hooks.example.com/', eventTypes: ['*'], secret: 'whsec_a', createdAt: t0.toISOString() };
  const later = (ms: number) => new Date(t0.getTime() + ms);

  it('signs with the new secret first and the old one until the grace period ends', () => {
    const rotated = withRotatedSecret(webhook, 'whsec_b', t0);
    expect(signingSecrets(rotated, later(1_000))).toEqual(['whsec_b', 'whsec_a']);
    expect(signingSecrets(rotated, later(SECRET_ROTATION_GRACE_MS - 1))).toEqual(['whsec_b', 'whsec_a']);
    expect(signingSecrets(rotated, later(SECRET_ROTATION_GRACE_MS))).toEqual(['whsec_b']);
  });

  it('keeps every secret still in its grace period on a second rotation, and drops expired ones', () => {
    const twice = withRotatedSecret(withRotatedSecret(webhook, 'whsec_b', t0), 'whsec_c', later(1_000));
    expect(signingSecrets(twice, later(2_000))).toEqual(['whsec_c', 'whsec_b', 'whsec_a']);
    const thrice = withRotatedSecret(twice, 'whsec_d', later(SECRET_ROTATION_GRACE_MS + 500));
    expect(thrice.retiringSecrets!.map((r) => r.secret)).toEqual(['whsec_c', 'whsec_b']);
  });

  it('signs with the one secret of a webhook never rotated', () => {
    expect(signingSecrets(webhook, t0)).toEqual(['whsec_a']);
  });
});
