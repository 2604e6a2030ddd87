import { UnavailableError } from '@contactcenter/infra/errors';
import { isLiveEntry, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CachedTranslation, TranslationCache } from './translationCache';

export const DEFAULT_TRANSLATION_CACHE_BUCKET = 'cc_translation_memory';

export interface NatsKvCacheOptions {
  /** How long an entry lives. Bucket-level: nats-server 2.9 ignores per-key TTLs. */
  ttlMs?: number;
  /** The bucket's size cap; the oldest entries go first when it is reached. */
  maxBytes?: number;
  replicas?: number;
}

/**
 * Translation memory in one NATS KV bucket, so every translation replica
 * sees what any of them has paid a provider for. The bucket keeps one
 * revision per key (a translation is a fact, not a history) and caps its
 * size and age; `file` storage lets the memory outlive a server restart.
 * Keys are hex SHA-256 digests: valid KV keys that hold no customer text.
 */
export class NatsKvTranslationCache implements TranslationCache {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_TRANSLATION_CACHE_BUCKET, options: NatsKvCacheOptions = {}): Promise<NatsKvTranslationCache> {
    const kv = await openStateBucket(nc, bucket, 'translation memory', {
      replicas: options.replicas ?? 1,
      ttl: options.ttlMs ?? 7 * 24 * 3_600_000,
      max_bytes: options.maxBytes ?? 256 * 1024 * 1024,
    });
    return new NatsKvTranslationCache(kv);
  }

  async get(key: string): Promise<CachedTranslation | undefined> {
    let entry;
    try {
      entry = await this.kv.get(key);
    } catch (err) {
      throw unavailable(err);
    }
    if (!isLiveEntry(entry)) return undefined;
    try {
      const value = entry.json<Partial<CachedTranslation>>();
      // An entry written by a later version or by hand is a miss, not a crash.
      return typeof value.text === 'string' && typeof value.provider === 'string' ? { text: value.text, provider: value.provider } : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedTranslation): Promise<void> {
    try {
      await this.kv.put(key, JSON.stringify({ text: value.text, provider: value.provider }));
    } catch (err) {
      throw unavailable(err);
    }
  }
}

function unavailable(err: unknown): UnavailableError {
  return new UnavailableError(`translation memory KV: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
