import type { CachedTranslation, TranslationCache } from './translationCache';

export interface LruOptions {
  maxEntries?: number;
  /** Entries older than this are misses; undefined keeps them until evicted. */
  ttlMs?: number;
  clock?: () => number;
}

/**
 * An in-process translation memory holding the `maxEntries` most recently
 * used translations. A Map iterates in insertion order, so re-inserting on
 * every hit makes its first key the least recently used one.
 */
export class LruTranslationCache implements TranslationCache {
  private readonly entries = new Map<string, { value: CachedTranslation; at: number }>();
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(private readonly options: LruOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CachedTranslation | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.options.ttlMs !== undefined && this.clock() - entry.at >= this.options.ttlMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: CachedTranslation): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.clock() });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
