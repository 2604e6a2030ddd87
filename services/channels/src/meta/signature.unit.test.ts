import { createHmac } from 'node:crypto';
import { isValidSignature, signatureOf, verifySubscription } from './signature';

const secret = 'app-secret-1';
const body = Buffer.from('{"object":"page","entry":[{"id":"1","messaging":[]}],"text":"caf\\u00e9 \\/"}');
const hexOf = (b: Buffer, s: string) => createHmac('sha256', s).update(b).digest('hex');

describe('X-Hub-Signature-256', () => {
  it('accepts the HMAC-SHA256 of the raw bytes, in either hex case', () => {
    expect(isValidSignature(body, `sha256=${hexOf(body, secret)}`, secret)).toBe(true);
    expect(isValidSignature(body, `sha256=${hexOf(body, secret).toUpperCase()}`, secret)).toBe(true);
    expect(signatureOf(body, secret)).toBe(`sha256=${hexOf(body, secret)}`);
  });

  it('refuses the same JSON re-serialised, since Meta signs the bytes it sent', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(isValidSignature(reserialised, signatureOf(body, secret), secret)).toBe(false);
  });

  it.each([
    ['missing header', undefined],
    ['repeated header', [signatureOf(body, secret), signatureOf(body, secret)]],
    ['sha1 scheme', `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`],
    ['no prefix', hexOf(body, secret)],
    ['truncated', `sha256=${hexOf(body, secret).slice(0, 40)}`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['other secret', signatureOf(body, 'another-secret')],
    ['empty', ''],
  ])('refuses a %s', (_name, header) => {
    expect(isValidSignature(body, header as string | string[] | undefined, secret)).toBe(false);
  });

  it('refuses everything when the endpoint has no app secret', () => {
    expect(isValidSignature(body, signatureOf(body, ''), undefined)).toBe(false);
    expect(isValidSignature(body, signatureOf(body, ''), '')).toBe(false);
  });
});

describe('subscription handshake', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok-123', 'hub.challenge': '1158201444' };

  it('echoes the challenge when the token matches', () => {
    expect(verifySubscription(query, 'tok-123')).toEqual({ ok: true, challenge: '1158201444' });
  });

  it('refuses a wrong or unconfigured token', () => {
    expect(verifySubscription(query, 'tok-124')).toEqual({ ok: false, reason: 'invalid_verify_token' });
    expect(verifySubscription({ ...query, 'hub.verify_token': '' }, '')).toEqual({ ok: false, reason: 'invalid_verify_token' });
    expect(verifySubscription(query, undefined)).toEqual({ ok: false, reason: 'invalid_verify_token' });
  });

  it('refuses a request that is not a subscription handshake', () => {
    expect(verifySubscription({ ...query, 'hub.mode': 'unsubscribe' }, 'tok-123')).toEqual({ ok: false, reason: 'bad_request' });
    expect(verifySubscription({ ...query, 'hub.challenge': undefined }, 'tok-123')).toEqual({ ok: false, reason: 'bad_request' });
    expect(verifySubscription({ ...query, 'hub.verify_token': ['tok-123', 'x'] }, 'tok-123')).toEqual({ ok: false, reason: 'bad_request' });
  });
});
