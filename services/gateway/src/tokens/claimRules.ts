import { TokenRejectedError } from './tokenErrors';

/** What a token's registered claims must satisfy, besides its signature. */
export interface ClaimRules {
  /** Longest lifetime accepted: `exp - iat`, or `exp - now` without `iat`. */
  maxLifetimeSeconds: number;
  /** Tolerance for clocks that disagree, applied to `exp`, `nbf` and `iat`. */
  clockSkewSeconds: number;
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `aud` (a string or an array of them) must contain it. */
  audience?: string;
}

const at = (seconds: number) => new Date(seconds * 1000).toISOString();
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks `exp` (required), `nbf`, `iat`, the lifetime, `iss` and `aud` at
 * `nowSeconds`. Pure: the clock comes in.
 * @returns when the token expires, in epoch milliseconds.
 * @throws TokenRejectedError naming the claim at fault.
 * @example
 *   checkClaims({ exp: 1_700_000_060, iat: 1_700_000_000 }, 1_700_000_001, { maxLifetimeSeconds: 86_400, clockSkewSeconds: 30 });
 *   // → 1_700_000_060_000
 */
export function checkClaims(claims: Record<string, unknown>, nowSeconds: number, rules: ClaimRules): number {
  const { exp, nbf, iat } = claims;
  const skew = rules.clockSkewSeconds;
  if (exp === undefined) throw new TokenRejectedError('token has no expiry (exp)', 'exp');
  if (!isTime(exp)) throw new TokenRejectedError('token expiry (exp) is not a number of seconds', 'exp');
  if (iat !== undefined && !isTime(iat)) throw new TokenRejectedError('token issue time (iat) is not a number of seconds', 'iat');
  if (nbf !== undefined && !isTime(nbf)) throw new TokenRejectedError('token start time (nbf) is not a number of seconds', 'nbf');
  if (nowSeconds >= exp + skew) throw new TokenRejectedError(`token expired at ${at(exp)}`, 'exp');
  if (isTime(nbf) && nbf > nowSeconds + skew) throw new TokenRejectedError(`token is not valid before ${at(nbf)} (nbf)`, 'nbf');
  if (isTime(iat) && iat > nowSeconds + skew) throw new TokenRejectedError(`token was issued in the future, at ${at(iat)} (iat)`, 'iat');
  const lifetime = exp - (isTime(iat) ? iat : nowSeconds);
  if (lifetime > rules.maxLifetimeSeconds) {
    throw new TokenRejectedError(`token lifetime of ${Math.round(lifetime)} s is longer than the ${rules.maxLifetimeSeconds} s this gateway accepts`, 'exp');
  }
  checkIssuerAndAudience(claims, rules);
  return exp * 1000;
}

function checkIssuerAndAudience(claims: Record<string, unknown>, rules: Pick<ClaimRules, 'issuer' | 'audience'>): void {
  if (rules.issuer !== undefined && claims.iss !== rules.issuer) {
    throw new TokenRejectedError(claims.iss === undefined ? `token has no issuer (iss); expected ${JSON.stringify(rules.issuer)}` : `token issuer (iss) is not ${JSON.stringify(rules.issuer)}`, 'iss');
  }
  if (rules.audience === undefined) return;
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(rules.audience)) {
    throw new TokenRejectedError(aud === undefined ? `token has no audience (aud); expected ${JSON.stringify(rules.audience)}` : `token audience (aud) does not include ${JSON.stringify(rules.audience)}`, 'aud');
  }
}
