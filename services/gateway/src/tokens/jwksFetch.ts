import type { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { guardedRequest } from '../outbound/guardedRequest';
import type { JwksFetcher } from './jwksCache';

/** A JWKS is a few keys: more than this is no JWKS. */
const MAX_JWKS_BYTES = 64 * 1024;

/**
 * Fetches a tenant's JWKS through the outbound guard: only addresses the
 * policy allows (no loopback, private or metadata address unless
 * OUTBOUND_ALLOWED_NETWORKS allows it), checked on the address dialled; no
 * redirects; a deadline and a size bound.
 * @example
 *   const fetchJwks = jwksFetcher({ policy, timeoutMs: 5_000 });
 *   new JwksCache(fetchJwks);
 */
export function jwksFetcher(opts: { policy: OutboundAddressPolicy; timeoutMs?: number }): JwksFetcher {
  return async (jwksUrl) => {
    const res = await guardedRequest(jwksUrl, { method: 'GET', headers: { accept: 'application/json' }, timeoutMs: opts.timeoutMs ?? 5_000, policy: opts.policy, maxResponseBytes: MAX_JWKS_BYTES });
    if (res.status !== 200) throw new Error(`the JWKS URL answered HTTP ${res.status}`);
    return JSON.parse(res.body.toString('utf8')) as unknown;
  };
}
