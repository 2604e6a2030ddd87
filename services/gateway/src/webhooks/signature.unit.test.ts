import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook } from './signature';

describe('webhook signature (Standard Webhooks)', () => {
  const body = '{"id":"e1","type":"contactcenter.conversation.v1.MessagePosted"}';
  const now = () => Math.floor(Date.now() / 1000);
  const headers = (id: string, ts: number, signature: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature });

  it('matches the spec’s published example', () => {
    // From the Standard Webhooks specification's test vectors.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signed = signWebhook([secret], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signed).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is verified by the standardwebhooks library, and a changed body, id or secret is not', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const ts = now();
    const header = signWebhook([secret], 'dlv_1', ts, body);
    expect(header).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers('dlv_1', ts, header))).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers('dlv_1', ts, header))).toThrow();
    expect(() => new Webhook(secret).verify(body, headers('dlv_2', ts, header))).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers('dlv_1', ts, header))).toThrow();
  });

  it('signs with every live secret during a rotation: either verifies', () => {
    const [old, fresh] = [newWebhookSecret(), newWebhookSecret()];
    const ts = now();
    const header = signWebhook([fresh, old], 'dlv_1', ts, body);
    expect(header.split(' ')).toHaveLength(2);
    for (const s of [old, fresh]) expect(() => new Webhook(s).verify(body, headers('dlv_1', ts, header))).not.toThrow();
  });
});
