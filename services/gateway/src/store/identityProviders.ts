import { UnavailableError } from '@contactcenter/infra/errors';
import { jsonOf } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';

/** A tenant's own identity provider, whose RS256/ES256/EdDSA tokens its staff present instead of gateway HS256 tokens. */
export interface IdentityProvider {
  tenantId: string;
  /** Where its public keys are (a JWKS document), fetched through the outbound address policy. */
  jwksUrl: string;
  /** The `iss` its tokens carry; required. */
  issuer: string;
  /** The `aud` its tokens must carry, when set. */
  audience?: string;
  /** Claim holding the staff roles (`roles` by default; a dotted path such as `realm_access.roles` reaches into objects). */
  rolesClaim: string;
  updatedAt: string;
}

/**
 * Tenants' identity providers in the gateway's NATS KV bucket, shared by every
 * replica: `idp.<tenantId>`, one per tenant. A KV failure is UNAVAILABLE (503).
 */
export class IdentityProviders {
  constructor(private readonly kv: KV) {}

  async get(tenantId: string): Promise<IdentityProvider | undefined> {
    return kvCall(async () => jsonOf<IdentityProvider>(await this.kv.get(keyOf(tenantId)))?.value);
  }

  async put(provider: IdentityProvider): Promise<void> {
    await kvCall(() => this.kv.put(keyOf(provider.tenantId), JSON.stringify(provider)));
  }

  /** Removes the tenant's identity provider; its tokens are refused from then on. */
  async delete(tenantId: string): Promise<void> {
    await kvCall(() => this.kv.delete(keyOf(tenantId)));
  }
}

const keyOf = (tenantId: string) => `idp.${tenantId}`;

async function kvCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new UnavailableError('identity provider settings are unavailable (NATS KV)', { cause: err });
  }
}
