import { checkClaims, type ClaimRules } from './claimRules';
import { TokenRejectedError } from './tokenErrors';

const NOW = 1_700_000_000;
const rules: ClaimRules = { maxLifetimeSeconds: 3_600, clockSkewSeconds: 30 };

const refusal = (claims: Record<string, unknown>, r: ClaimRules = rules) => {
  try {
    checkClaims(claims, NOW, r);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenRejectedError);
    return { field: (err as TokenRejectedError).field, message: (err as Error).message };
  }
  throw new Error('accepted');
};

describe('checkClaims', () => {
  it('accepts a current token and answers its expiry in milliseconds', () => {
    expect(checkClaims({ iat: NOW - 10, exp: NOW + 60 }, NOW, rules)).toBe((NOW + 60) * 1000);
  });

  it.each([
    ['no exp', { iat: NOW }, 'exp', 'token has no expiry (exp)'],
    ['exp not a number', { exp: '2030-01-01' }, 'exp', 'not a number'],
    ['iat not a number', { exp: NOW + 60, iat: 'now' }, 'iat', 'not a number'],
    ['expired beyond the skew', { exp: NOW - 31 }, 'exp', 'token expired at'],
    ['expired exactly at the skew', { exp: NOW - 30 }, 'exp', 'token expired at'],
    ['nbf beyond the skew', { exp: NOW + 60, nbf: NOW + 31 }, 'nbf', 'not valid before'],
    ['iat beyond the skew', { exp: NOW + 600, iat: NOW + 31 }, 'iat', 'issued in the future'],
    ['a lifetime over the maximum', { iat: NOW, exp: NOW + 3_601 }, 'exp', 'longer than the 3600 s'],
    ['no iat and exp too far ahead', { exp: NOW + 3_601 }, 'exp', 'longer than the 3600 s'],
    ['an old iat with a long lifetime', { iat: NOW - 7_200, exp: NOW + 60 }, 'exp', 'longer than'],
  ])('refuses %s', (_label, claims, field, words) => {
    const r = refusal(claims);
    expect(r.field).toBe(field);
    expect(r.message).toContain(words);
  });

  it('accepts within the skew: just expired, nbf and iat just ahead', () => {
    expect(() => checkClaims({ exp: NOW - 29 }, NOW, rules)).not.toThrow();
    expect(() => checkClaims({ exp: NOW + 60, nbf: NOW + 30, iat: NOW + 30 }, NOW, rules)).not.toThrow();
  });

  it('accepts exactly the maximum lifetime', () => {
    expect(() => checkClaims({ iat: NOW, exp: NOW + 3_600 }, NOW, rules)).not.toThrow();
  });

  describe('issuer and audience, when configured', () => {
    const strict = { ...rules, issuer: 'https://gw.example', audience: 'contactcenter' };
    const ok = { exp: NOW + 60, iss: 'https://gw.example', aud: 'contactcenter' };

    it('accepts a matching iss and aud, also aud as an array', () => {
      expect(() => checkClaims(ok, NOW, strict)).not.toThrow();
      expect(() => checkClaims({ ...ok, aud: ['other', 'contactcenter'] }, NOW, strict)).not.toThrow();
    });

    it.each([
      ['a missing iss', { ...ok, iss: undefined }, 'iss'],
      ['another iss', { ...ok, iss: 'https://evil.example' }, 'iss'],
      ['a missing aud', { ...ok, aud: undefined }, 'aud'],
      ['another aud', { ...ok, aud: ['other'] }, 'aud'],
    ])('refuses %s', (_label, claims, field) => {
      expect(refusal(claims, strict).field).toBe(field);
    });

    it('ignores iss and aud when not configured', () => {
      expect(() => checkClaims({ exp: NOW + 60, iss: 'anyone', aud: 'anything' }, NOW, rules)).not.toThrow();
    });
  });
});
