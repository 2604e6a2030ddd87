import { createHash } from 'node:crypto';

export interface CachedTranslation {
  text: string;
  /** Which provider produced it, for the record; any provider's answer serves a hit. */
  provider: string;
}

/**
 * Translation memory: translations already paid for, looked up before any
 * provider is asked. Keys come from translationCacheKey, so they hold no
 * customer text. Implementations: LruTranslationCache (one process) and
 * NatsKvTranslationCache (shared by every replica).
 *
 * @example
 *   const key = translationCacheKey({ text: 'Hello', source: 'en', target: 'es' });
 *   (await cache.get(key)) ?? (await cache.set(key, { text: 'Hola', provider: 'apertium' }));
 */
export interface TranslationCache {
  get(key: string): Promise<CachedTranslation | undefined>;
  set(key: string, value: CachedTranslation): Promise<void>;
}

export interface CacheKeyInput {
  text: string;
  source: string;
  target: string;
  /**
   * Whatever else changes the output for the same text, e.g. the glossary's
   * fingerprint: two tenants with different protected terms must not share
   * an entry. Empty when nothing does.
   */
  variant?: string;
}

/**
 * Hex SHA-256 of the text and the (lower-cased) language tags. Independent of
 * the provider, so switching a tenant's provider keeps its memory. JSON
 * encoding keeps the fields apart: no text can forge another's key by
 * containing a separator.
 */
export function translationCacheKey({ text, source, target, variant = '' }: CacheKeyInput): string {
  return createHash('sha256')
    .update(JSON.stringify([text, source.toLowerCase(), target.toLowerCase(), variant]))
    .digest('hex');
}
