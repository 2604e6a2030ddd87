import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { CompactJwt } from './compactJwt';

/** Algorithms a tenant's identity provider may sign with: asymmetric only, never `none` or HS256. */
export const IDENTITY_PROVIDER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdentityProviderAlgorithm = (typeof IDENTITY_PROVIDER_ALGORITHMS)[number];

export const isIdentityProviderAlgorithm = (alg: unknown): alg is IdentityProviderAlgorithm => IDENTITY_PROVIDER_ALGORITHMS.includes(alg as IdentityProviderAlgorithm);

/** A public key from a JWKS, ready to verify. */
export interface SigningKey {
  kid?: string;
  /** The JWK's own `alg`, when it pins one. */
  alg?: string;
  key: KeyObject;
}

/** Keys beyond this many in one JWKS are ignored: an IdP publishes a handful. */
const MAX_KEYS = 50;
const MIN_RSA_BITS = 2048;

/**
 * The usable signing keys of a JWKS document (`{ keys: [jwk, …] }`). Keys for
 * encryption (`use: enc`), symmetric keys (`kty: oct`), private parts and
 * keys node cannot import are skipped, not fatal: one odd key must not take
 * the tenant's sign-in down.
 * @throws Error when the document is not a JWKS at all.
 */
export function signingKeysOf(document: unknown): SigningKey[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('the document is not a JWKS: no "keys" array');
  const out: SigningKey[] = [];
  for (const jwk of keys.slice(0, MAX_KEYS) as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null || (jwk.use !== undefined && jwk.use !== 'sig') || !['RSA', 'EC', 'OKP'].includes(String(jwk.kty))) continue;
    const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
    try {
      const key = createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' });
      out.push({ key, ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}), ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}) });
    } catch {
      // not importable: skipped
    }
  }
  return out;
}

/** Whether `key` may verify a token of `alg`: the key type must be the algorithm's, never just any key the IdP lists. */
export function keyFits(signingKey: SigningKey, alg: IdentityProviderAlgorithm): boolean {
  if (signingKey.alg !== undefined && signingKey.alg !== alg) return false;
  const { key } = signingKey;
  switch (alg) {
    case 'RS256':
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448';
  }
}

/** Whether the token's signature verifies under `key` with `alg` (the caller checked keyFits). */
export function signatureVerifies(jwt: CompactJwt, alg: IdentityProviderAlgorithm, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  switch (alg) {
    case 'RS256':
      return verify('sha256', data, key, jwt.signature);
    case 'ES256':
      // JWS ES256 signatures are r‖s (IEEE P1363), not DER.
      return jwt.signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    case 'EdDSA':
      return verify(null, data, key, jwt.signature);
  }
}
