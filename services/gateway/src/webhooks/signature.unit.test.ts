import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './signature';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"contactcenter.conversation.v1.MessagePosted"}';

  it('is v1= hex HMAC-SHA256 of "<timestamp>.<body>" under the secret', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1700000000, body)).toBe(`v1=${expected}`);
  });

  it('verifies its own signature and rejects a changed body, another secret or an old timestamp', () => {
    const header = signWebhook(secret, 1700000000, body);
    expect(verifyWebhookSignature(secret, '1700000000', body, header, { nowSeconds: 1700000010 })).toBe(true);
    expect(verifyWebhookSignature(secret, '1700000000', `${body} `, header, { nowSeconds: 1700000010 })).toBe(false);
    expect(verifyWebhookSignature('whsec_other', '1700000000', body, header, { nowSeconds: 1700000010 })).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000000', body, header, { nowSeconds: 1700001000 })).toBe(false);
    expect(verifyWebhookSignature(secret, 'x', body, header)).toBe(false);
  });

  it('accepts any of several signatures (secret rotation)', () => {
    const header = `${signWebhook('whsec_old', 1700000000, body)} ${signWebhook(secret, 1700000000, body)}`;
    expect(verifyWebhookSignature(secret, '1700000000', body, header, { nowSeconds: 1700000000 })).toBe(true);
  });
});
