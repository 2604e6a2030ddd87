import { LruTranslationCache } from './lruTranslationCache';
import { translationCacheKey } from './translationCache';

describe('translation memory keys', () => {
  it('are hex SHA-256, independent of tag case, distinct per field', () => {
    const key = translationCacheKey({ text: 'Hello', source: 'en', target: 'es' });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(translationCacheKey({ text: 'Hello', source: 'EN', target: 'ES' })).toBe(key);
    expect(translationCacheKey({ text: 'Hello', source: 'en', target: 'es', variant: 'g1' })).not.toBe(key);
    expect(translationCacheKey({ text: 'a|b', source: 'en', target: 'es' })).not.toBe(translationCacheKey({ text: 'a', source: 'b|en', target: 'es' }));
  });
});

describe('LruTranslationCache', () => {
  const v = (text: string) => ({ text, provider: 'p' });

  it('evicts the least recently used entry', async () => {
    const cache = new LruTranslationCache({ maxEntries: 2 });
    await cache.set('a', v('A'));
    await cache.set('b', v('B'));
    await cache.get('a');
    await cache.set('c', v('C'));
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toEqual(v('A'));
    expect(await cache.get('c')).toEqual(v('C'));
    expect(cache.size).toBe(2);
  });

  it('expires entries after the TTL', async () => {
    let now = 0;
    const cache = new LruTranslationCache({ ttlMs: 100, clock: () => now });
    await cache.set('a', v('A'));
    now = 99;
    expect(await cache.get('a')).toEqual(v('A'));
    now = 100;
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
