import type { Principal, Role, StaffRole } from '../plugins/auth';
import { checkClaims, type ClaimRules } from './claimRules';
import { parseCompactJwt, type CompactJwt } from './compactJwt';
import type { IdentityProviderSource } from './identityProviderCache';
import { isIdentityProviderAlgorithm, signatureVerifies, type IdentityProviderAlgorithm } from './jsonWebKeys';
import { JwksCache } from './jwksCache';
import { signedWithSharedSecret } from './sharedSecretSignature';
import { TokenRejectedError } from './tokenErrors';

export interface TokenVerifierOptions {
  /** JWT_SECRET, then JWT_SECRET_PREVIOUS during a rotation: HS256 tokens signed with either verify. */
  secrets: readonly string[];
  /** Lifetime and clock skew for every token; issuer and audience (JWT_ISSUER, JWT_AUDIENCE) for HS256 tokens only. */
  rules: ClaimRules;
  /** Tenants' identity providers (KV, cached; see IdentityProviderCache). */
  identityProviders: IdentityProviderSource & { forget(tenantId: string): void };
  jwks: JwksCache;
  now?: () => number;
}

/** A day at most (visitor sessions last 12 h), 30 s of clock skew, no issuer or audience required. */
export const DEFAULT_TOKEN_RULES: ClaimRules = { maxLifetimeSeconds: 86_400, clockSkewSeconds: 30 };

const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const STAFF_ROLES: readonly StaffRole[] = ['agent', 'supervisor', 'admin'];

/**
 * The gateway's one bearer-token check, for REST routes, the WebSocket
 * upgrade, rate limits and CORS alike. Two kinds of token:
 *
 * - HS256, signed by the gateway's own secret (staff tokens minted by an
 *   operator's tooling, visitor sessions minted by the gateway);
 * - RS256, ES256 or EdDSA from a tenant's own identity provider: the token's
 *   `tid` names the tenant, whose JWKS must hold the key, and whose issuer
 *   (and audience, if configured) the token must carry. Roles come from the
 *   provider's roles claim and are staff roles only: a visitor session is
 *   always the gateway's own.
 *
 * Every token needs `exp`, within JWT_MAX_LIFETIME_SECONDS, with
 * JWT_CLOCK_SKEW_SECONDS of tolerance. Any other `alg` (`none`, HS384, an
 * HS256 token forged with a tenant's public key as the secret) is refused.
 *
 * @example
 *   const principal = await verifier.verify(token); // throws TokenRejectedError (401), IdentityProviderUnavailableError (503)
 */
export class TokenVerifier {
  private readonly now: () => number;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal> {
    const jwt = parseCompactJwt(token);
    const { alg } = jwt.header;
    if (alg === 'HS256') return this.gatewayToken(jwt);
    if (isIdentityProviderAlgorithm(alg)) return this.identityProviderToken(jwt, alg);
    throw new TokenRejectedError(`token algorithm ${JSON.stringify(alg ?? null).slice(0, 40)} is not accepted (HS256 for gateway tokens; RS256, ES256 or EdDSA from a tenant's identity provider)`, 'alg');
  }

  /** After a tenant's identity provider changed: its settings and keys are read afresh. */
  forgetTenant(tenantId: string): void {
    this.opts.identityProviders.forget(tenantId);
    this.opts.jwks.forget(tenantId);
  }

  private gatewayToken(jwt: CompactJwt): Principal {
    if (!signedWithSharedSecret(jwt, this.opts.secrets)) throw new TokenRejectedError('token signature does not verify');
    const expiresAt = checkClaims(jwt.claims, this.now() / 1000, this.opts.rules);
    const { tid, sub, roles, wk } = jwt.claims;
    if (!isTenant(tid) || typeof sub !== 'string' || !sub || !Array.isArray(roles)) throw new TokenRejectedError('token lacks tenant, subject or roles');
    return { tenantId: tid, subject: sub, roles: roles as Role[], expiresAt, ...(typeof wk === 'string' ? { widgetKey: wk } : {}) };
  }

  private async identityProviderToken(jwt: CompactJwt, alg: IdentityProviderAlgorithm): Promise<Principal> {
    const { tid, sub } = jwt.claims;
    if (!isTenant(tid)) throw new TokenRejectedError(`an ${alg} token must name its tenant (tid)`, 'tid');
    const provider = await this.opts.identityProviders.get(tid);
    if (!provider) throw new TokenRejectedError(`the token's tenant (tid) has no identity provider for ${alg} tokens`, 'tid');
    const kid = jwt.header.kid;
    if (kid !== undefined && typeof kid !== 'string') throw new TokenRejectedError('token key id (kid) is not a string', 'kid');
    const { key } = await this.opts.jwks.keyFor(tid, provider.jwksUrl, kid, alg);
    if (!signatureVerifies(jwt, alg, key)) throw new TokenRejectedError('token signature does not verify');
    const rules = { ...this.opts.rules, issuer: provider.issuer, audience: provider.audience };
    const expiresAt = checkClaims(jwt.claims, this.now() / 1000, rules);
    if (typeof sub !== 'string' || !sub) throw new TokenRejectedError('token has no subject (sub)', 'sub');
    return { tenantId: tid, subject: sub, roles: staffRolesOf(claimAt(jwt.claims, provider.rolesClaim)), expiresAt };
  }
}

/** A verifier of the gateway's own HS256 tokens only, with the default rules: no tenant has an identity provider. */
export function gatewayTokensOnly(secret: string): TokenVerifier {
  const none = { get: async () => undefined, forget: () => {} };
  return new TokenVerifier({ secrets: [secret], rules: DEFAULT_TOKEN_RULES, identityProviders: none, jwks: new JwksCache(async () => ({ keys: [] })) });
}

const isTenant = (tid: unknown): tid is string => typeof tid === 'string' && TENANT_RE.test(tid);

/** `a.b.c` into nested objects. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((at, name) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[name] : undefined), claims);
}

/** The staff roles among an IdP's roles (an array, or a space-separated string); others, `visitor` included, are ignored. */
function staffRolesOf(value: unknown): StaffRole[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  return STAFF_ROLES.filter((r) => names.includes(r));
}
