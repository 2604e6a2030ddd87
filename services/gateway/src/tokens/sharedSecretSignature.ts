import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CompactJwt } from './compactJwt';

/**
 * Whether an HS256 token was signed with one of `secrets`: JWT_SECRET and,
 * during a rotation, JWT_SECRET_PREVIOUS. Only ever called for `alg: HS256`,
 * and only with the gateway's own secrets, never with a tenant's public key:
 * that is what keeps a public key from serving as an HMAC secret.
 */
export function signedWithSharedSecret(jwt: CompactJwt, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(jwt.signingInput).digest();
    // Every secret is tried, so the time taken does not tell which one matched.
    if (expected.length === jwt.signature.length && timingSafeEqual(expected, jwt.signature)) matched = true;
  }
  return matched;
}
