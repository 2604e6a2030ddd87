import { requireTenantId, type Logger, type NatsConnection } from '@contactcenter/infra';
import { UnavailableError } from '@contactcenter/infra/errors';
import { followKv, jsonOf } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { ResidencySettings } from './residencyRules';

/** How long a read is trusted while the watch that invalidates it is down (re-opening after NATS trouble). */
const DEFAULT_TTL_MS = 60_000;
const KEY_RE = /^(.+)\.residency$/;

/**
 * Tenants' residency settings in the gateway's NATS KV bucket
 * (`<tenant>.residency`, one value per tenant), read through a small cache:
 * every visitor start asks for them, and they change rarely. An entry is
 * dropped when this replica writes it, when the watch of `*.residency` sees
 * another replica's (or a forwarded) write, and when the watch re-opens (it
 * may have missed some); the TTL bounds staleness while the watch is down.
 * A KV failure is UNAVAILABLE (503).
 *
 * @example
 *   const store = await ResidencySettingsStore.start(nc, gatewayKv, logger);
 *   await store.put('acme', { homeRegion: 'eu', rules: [] });
 *   await store.get('acme'); // { homeRegion: 'eu', rules: [] }
 *   await store.stop();
 */
export class ResidencySettingsStore {
  private readonly cache = new Map<string, { settings?: ResidencySettings; until: number }>();
  /** Bumped at every invalidation: a read that began before one must not cache what it read. */
  private generation = 0;
  private watch?: { stop(): Promise<void> };

  constructor(
    private readonly kv: KV,
    private readonly options: { ttlMs?: number; now?: () => number } = {},
  ) {}

  /** The store with its watch open (or trying to open: it keeps trying, and the TTL covers the meantime). */
  static async start(nc: NatsConnection, kv: KV, logger: Logger, options: { ttlMs?: number } = {}): Promise<ResidencySettingsStore> {
    const store = new ResidencySettingsStore(kv, options);
    const watch = followKv(
      nc,
      kv,
      { key: '*.residency', include: 'updates', name: 'residency settings', logger, onReopen: () => store.forgetAll() },
      (entry) => store.forget(KEY_RE.exec(entry.key)?.[1]),
    );
    store.watch = watch;
    await watch.opened;
    return store;
  }

  /** The tenant's settings; undefined when it has none (conversations stay where they start). */
  async get(tenantId: string): Promise<ResidencySettings | undefined> {
    const now = this.now();
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > now) return cached.settings;
    const key = keyOf(tenantId);
    const generation = this.generation;
    const settings = await kvCall(async () => jsonOf<ResidencySettings>(await this.kv.get(key))?.value);
    if (generation === this.generation) this.cache.set(tenantId, { ...(settings ? { settings } : {}), until: now + (this.options.ttlMs ?? DEFAULT_TTL_MS) });
    return settings;
  }

  /** Replaces the tenant's settings (validated by the caller against the deployment's regions). */
  async put(tenantId: string, settings: ResidencySettings): Promise<void> {
    const key = keyOf(tenantId);
    await kvCall(() => this.kv.put(key, JSON.stringify({ homeRegion: settings.homeRegion, rules: settings.rules })));
    this.forget(tenantId);
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
  }

  private forget(tenantId: string | undefined): void {
    this.generation++;
    if (tenantId !== undefined) this.cache.delete(tenantId);
  }

  private forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

const keyOf = (tenantId: string) => `${requireTenantId(tenantId)}.residency`;

async function kvCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new UnavailableError('residency settings are unavailable (NATS KV)', { cause: err });
  }
}
