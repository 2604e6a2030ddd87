import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import { LruTranslationCache } from './memory/lruTranslationCache';
import type { TranslationCache } from './memory/translationCache';
import { withCircuitBreaker } from './providers/breakerProvider';
import { requireWirePair } from './providers/pairCatalog';
import { ProviderError, ProviderTimeoutError, UnsupportedLanguagePairError, type TranslateRequest, type TranslationProvider } from './providers/translationProvider';
import { translate, type TranslatorDeps } from './translator';

/** A tiny provider: en→es by word list, failing on demand; records what it was sent. */
class WordProvider implements TranslationProvider {
  readonly name = 'words';
  readonly sent: TranslateRequest[] = [];
  failWith: Error | undefined;
  private readonly pairs = [{ source: 'en', target: 'es', wireSource: 'en', wireTarget: 'es' }];
  private readonly words: Record<string, string> = { hello: 'hola', the: 'el', is: 'es', down: 'abajo', acme: 'acmé' };

  async supportedPairs() {
    return [{ source: 'en', target: 'es' }];
  }

  async translate(request: TranslateRequest) {
    requireWirePair(this.name, this.pairs, request.source, request.target);
    this.sent.push(request);
    if (this.failWith) throw this.failWith;
    return { text: request.text.replace(/\p{L}+/gu, (w) => this.words[w.toLowerCase()] ?? w), provider: this.name };
  }
}

describe('translate (composition)', () => {
  let provider: WordProvider;
  let cache: LruTranslationCache;
  let deps: TranslatorDeps;
  let now: number;
  const tenant = { provider: 'words', glossary: ['Acme'] };
  const en2es = (text: string) => ({ text, source: 'en', target: 'es' });

  beforeEach(() => {
    now = 0;
    provider = new WordProvider();
    cache = new LruTranslationCache();
    deps = { providers: new Map([['words', withCircuitBreaker(provider, { failureThreshold: 2, coolDownMs: 1_000, clock: () => now })]]), cache, maxTextChars: 50 };
  });

  it('protects glossary terms through the provider and remembers the result', async () => {
    const first = await translate(deps, tenant, en2es('Hello, Acme is down'));
    expect(first).toEqual({ status: 'translated', text: 'hola, Acme es abajo', provider: 'words', fromCache: false, lostTerms: [] });
    expect(provider.sent[0]!.text).toBe('Hello, ZXQ0Z is down');
    const second = await translate(deps, tenant, en2es('Hello, Acme is down'));
    expect(second).toMatchObject({ status: 'translated', text: 'hola, Acme es abajo', fromCache: true });
    expect(provider.sent).toHaveLength(1);
  });

  it('does not share memory between different glossaries', async () => {
    await translate(deps, tenant, en2es('Acme is down'));
    const other = await translate(deps, { provider: 'words' }, en2es('Acme is down'));
    expect(other).toMatchObject({ text: 'acmé es abajo', fromCache: false });
  });

  it('keeps the original text and records the error when the provider fails; the breaker then opens', async () => {
    provider.failWith = new ProviderError('words', 'server', 'HTTP 500');
    expect(await translate(deps, tenant, en2es('hello'))).toEqual({
      status: 'failed',
      text: 'hello',
      error: { kind: 'server', provider: 'words', message: 'words: HTTP 500' },
    });
    provider.failWith = new ProviderTimeoutError('words', 100);
    expect(await translate(deps, tenant, en2es('hello'))).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(await translate(deps, tenant, en2es('hello'))).toMatchObject({ status: 'failed', text: 'hello', error: { kind: 'circuit_open' } });
    expect(provider.sent).toHaveLength(2);
    now = 1_000;
    provider.failWith = undefined;
    expect(await translate(deps, tenant, en2es('hello'))).toMatchObject({ status: 'translated', text: 'hola' });
  });

  it('throws for bad input and for an unsupported pair, without tripping the breaker', async () => {
    await expect(translate(deps, tenant, en2es(''))).rejects.toMatchObject({ field: 'text' });
    await expect(translate(deps, tenant, en2es('x'.repeat(51)))).rejects.toBeInstanceOf(ValidationError);
    await expect(translate(deps, tenant, { text: 'hi', source: 'english', target: 'es' })).rejects.toMatchObject({ field: 'source_language' });
    for (let i = 0; i < 3; i++) {
      const err = await translate(deps, tenant, { text: 'hello', source: 'en', target: 'fr' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedLanguagePairError);
      expect((err as Error).message).toContain('en→es');
    }
    expect(await translate(deps, tenant, en2es('hello'))).toMatchObject({ status: 'translated' });
  });

  it('leaves same-language text alone and prefers a canned version', async () => {
    expect(await translate(deps, tenant, { text: 'Hi', source: 'en-US', target: 'en-GB' })).toEqual({ status: 'unchanged', text: 'Hi' });
    const canned = { id: 'bye', versions: { en: 'Bye!', es: '¡Adiós!' } };
    expect(await translate(deps, tenant, { ...en2es('Bye!'), canned })).toEqual({ status: 'canned', text: '¡Adiós!' });
    expect(provider.sent).toHaveLength(0);
  });

  it('translates even when the memory is down, and refuses an unconfigured provider', async () => {
    const broken: TranslationCache = { get: () => Promise.reject(new Error('kv down')), set: () => Promise.reject(new Error('kv down')) };
    expect(await translate({ ...deps, cache: broken }, tenant, en2es('hello'))).toMatchObject({ status: 'translated', text: 'hola' });
    await expect(translate(deps, { provider: 'nope' }, en2es('hello'))).rejects.toBeInstanceOf(IllegalStateError);
  });

  it('passes a caller abort through instead of reporting a provider failure', async () => {
    const controller = new AbortController();
    const reason = new Error('caller left');
    controller.abort(reason);
    provider.failWith = reason;
    await expect(translate(deps, tenant, { ...en2es('hello'), signal: controller.signal })).rejects.toBe(reason);
  });
});
