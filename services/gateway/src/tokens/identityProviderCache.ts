import type { IdentityProvider } from '../store/identityProviders';

export interface IdentityProviderSource {
  get(tenantId: string): Promise<IdentityProvider | undefined>;
}

const MAX_TENANTS = 10_000;

/**
 * Tenants' identity-provider settings, read through from NATS KV and kept
 * `ttlMs` (30 s by default) per replica, absences included, so that a token
 * costs no KV read. A change made on this replica applies at once (`forget`);
 * on the others within `ttlMs`.
 */
export class IdentityProviderCache implements IdentityProviderSource {
  private readonly entries = new Map<string, { provider: IdentityProvider | undefined; until: number }>();

  constructor(
    private readonly source: IdentityProviderSource,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(tenantId: string): Promise<IdentityProvider | undefined> {
    const cached = this.entries.get(tenantId);
    if (cached && cached.until > this.now()) return cached.provider;
    const provider = await this.source.get(tenantId);
    this.entries.delete(tenantId);
    // Tokens naming made-up tenants cannot grow memory without bound: the oldest entry goes first.
    if (this.entries.size >= MAX_TENANTS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tenantId, { provider, until: this.now() + this.ttlMs });
    return provider;
  }

  forget(tenantId: string): void {
    this.entries.delete(tenantId);
  }
}
