import { generateKeyPairSync } from 'node:crypto';
import { JwksCache } from './jwksCache';
import { IdentityProviderUnavailableError, TokenRejectedError } from './tokenErrors';

const jwk = (kid: string) => ({ ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid });
const URL_A = 'https://idp.a.example/jwks';

/** A JWKS source with a clock: what the IdP serves, whether it answers, how often it was asked. */
function idp(keys: object[]) {
  const state = { keys, up: true, fetches: 0, clock: 1_000_000 };
  const fetcher = async () => {
    state.fetches++;
    if (!state.up) throw new Error('connection failed');
    return { keys: state.keys };
  };
  const cache = new JwksCache(fetcher, { minRefreshIntervalMs: 30_000, maxAgeMs: 600_000, now: () => state.clock });
  return { state, cache };
}

describe('JwksCache', () => {
  it('shares one fetch between concurrent requests for an unknown kid', async () => {
    const { state, cache } = idp([jwk('k1')]);
    const all = await Promise.allSettled(Array.from({ length: 10 }, () => cache.keyFor('a', URL_A, 'nope', 'EdDSA')));
    expect(all.every((r) => r.status === 'rejected' && r.reason instanceof TokenRejectedError)).toBe(true);
    expect(state.fetches).toBe(1);
  });

  it('refetches at most once per interval, then picks up a new key', async () => {
    const { state, cache } = idp([jwk('k1')]);
    await cache.keyFor('a', URL_A, 'k1', 'EdDSA');
    state.keys = [...state.keys, jwk('k2')];
    state.clock += 29_000;
    await expect(cache.keyFor('a', URL_A, 'k2', 'EdDSA')).rejects.toThrow(TokenRejectedError);
    expect(state.fetches).toBe(1);
    state.clock += 1_000;
    await expect(cache.keyFor('a', URL_A, 'k2', 'EdDSA')).resolves.toMatchObject({ kid: 'k2' });
    expect(state.fetches).toBe(2);
  });

  it('keeps using stale keys while the IdP is down, and says when to retry for a key it does not have', async () => {
    const { state, cache } = idp([jwk('k1')]);
    await cache.keyFor('a', URL_A, 'k1', 'EdDSA');
    state.up = false;
    state.clock += 700_000; // stale: a refetch is attempted, fails, the old key stays
    await expect(cache.keyFor('a', URL_A, 'k1', 'EdDSA')).resolves.toMatchObject({ kid: 'k1' });
    state.clock += 10_000;
    const err = await cache.keyFor('a', URL_A, 'k9', 'EdDSA').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityProviderUnavailableError);
    expect((err as IdentityProviderUnavailableError).retryAfterSeconds).toBe(20);
  });

  it('refuses an algorithm that does not fit the key, and a kid-less token when several keys fit', async () => {
    const { cache } = idp([jwk('k1'), jwk('k2')]);
    await expect(cache.keyFor('a', URL_A, 'k1', 'RS256')).rejects.toThrow(/does not match key "k1"/);
    await expect(cache.keyFor('a', URL_A, undefined, 'EdDSA')).rejects.toThrow(/no key id \(kid\)/);
  });
});
