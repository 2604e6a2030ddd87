import { IdentityProviderUnavailableError, TokenRejectedError } from './tokenErrors';
import { keyFits, signingKeysOf, type IdentityProviderAlgorithm, type SigningKey } from './jsonWebKeys';

/** Fetches a JWKS document (parsed JSON) from its URL; rejects when it cannot. */
export type JwksFetcher = (jwksUrl: string) => Promise<unknown>;

export interface JwksCacheOptions {
  /** At most one fetch per tenant this often, whatever the tokens ask for (default 30 s). */
  minRefreshIntervalMs?: number;
  /** Keys older than this are refetched on next use (default 10 min); kept and used while the IdP is down. */
  maxAgeMs?: number;
  now?: () => number;
}

interface TenantKeys {
  jwksUrl: string;
  keys: SigningKey[];
  /** When the last fetch started (0: never). */
  attemptedAt: number;
  fetchedAt: number;
  /** Why the last fetch failed; undefined after a success. */
  failure?: unknown;
  inFlight?: Promise<void>;
}

/**
 * Tenants' identity-provider keys, per replica. A token whose `kid` is not
 * cached triggers a refetch, which is how a key rotated at the IdP is picked
 * up, but at most once per `minRefreshIntervalMs` per tenant: tokens with
 * made-up `kid`s cannot make the gateway hammer the IdP. Concurrent requests
 * share one fetch.
 *
 * @example
 *   const cache = new JwksCache((url) => fetchJson(url));
 *   const key = await cache.keyFor('acme', 'https://idp.acme.example/jwks', 'key-2024', 'RS256');
 */
export class JwksCache {
  private readonly tenants = new Map<string, TenantKeys>();
  private readonly minRefreshIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchJwks: JwksFetcher,
    opts: JwksCacheOptions = {},
  ) {
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 30_000;
    this.maxAgeMs = opts.maxAgeMs ?? 600_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The key of tenant `tenantId` that signed a token with `kid` (optional
   * when the JWKS has a single key for `alg`) and `alg`.
   * @throws TokenRejectedError when the IdP does not list such a key.
   * @throws IdentityProviderUnavailableError when it could not be asked and no cached key fits.
   */
  async keyFor(tenantId: string, jwksUrl: string, kid: string | undefined, alg: IdentityProviderAlgorithm): Promise<SigningKey> {
    let entry = this.tenants.get(tenantId);
    if (!entry || entry.jwksUrl !== jwksUrl) {
      entry = { jwksUrl, keys: [], attemptedAt: 0, fetchedAt: 0 };
      this.tenants.set(tenantId, entry);
    }
    let found = pick(entry.keys, kid, alg);
    const stale = this.now() - entry.fetchedAt >= this.maxAgeMs;
    if (found === 'none' || stale) {
      await this.refresh(entry);
      found = pick(entry.keys, kid, alg);
    }
    if (found === 'ambiguous') throw new TokenRejectedError(`token has no key id (kid) and the identity provider lists several ${alg} keys`, 'kid');
    if (found !== 'none') return found;
    if (entry.failure !== undefined) {
      const retryAfterSeconds = Math.max(1, Math.ceil((entry.attemptedAt + this.minRefreshIntervalMs - this.now()) / 1000));
      throw new IdentityProviderUnavailableError(`the tenant's identity provider keys could not be fetched; retry in ${retryAfterSeconds} s`, retryAfterSeconds, { cause: entry.failure });
    }
    const named = kid === undefined ? `no ${alg} key` : `no key ${JSON.stringify(kid)} for ${alg}`;
    throw new TokenRejectedError(`the tenant's identity provider lists ${named}`, 'kid');
  }

  /** Drops a tenant's keys (its identity provider was changed or removed on this replica). */
  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  private async refresh(entry: TenantKeys): Promise<void> {
    if (entry.inFlight) return entry.inFlight;
    if (this.now() - entry.attemptedAt < this.minRefreshIntervalMs) return;
    entry.attemptedAt = this.now();
    entry.inFlight = (async () => {
      try {
        entry.keys = signingKeysOf(await this.fetchJwks(entry.jwksUrl));
        entry.fetchedAt = this.now();
        entry.failure = undefined;
      } catch (err) {
        entry.failure = err; // the old keys stay in use until the IdP answers again
      } finally {
        entry.inFlight = undefined;
      }
    })();
    return entry.inFlight;
  }
}

/** The key with `kid` if it fits `alg`; without a kid, the only key that fits. */
function pick(keys: SigningKey[], kid: string | undefined, alg: IdentityProviderAlgorithm): SigningKey | 'none' | 'ambiguous' {
  if (kid !== undefined) {
    const byKid = keys.find((k) => k.kid === kid);
    if (byKid && !keyFits(byKid, alg)) throw new TokenRejectedError(`token algorithm ${alg} does not match key ${JSON.stringify(kid)} (${byKid.key.asymmetricKeyType})`, 'alg');
    return byKid ?? 'none';
  }
  const fitting = keys.filter((k) => keyFits(k, alg));
  return fitting.length === 1 ? fitting[0]! : fitting.length === 0 ? 'none' : 'ambiguous';
}
