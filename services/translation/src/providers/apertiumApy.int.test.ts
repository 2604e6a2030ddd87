/**
 * The Apertium adapter against a real APY server with the eng-spa pair
 * (Debian: apertium-apy, apertium-eng-spa). Without them the suite fails in
 * CI and is skipped with a printed reason elsewhere.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LruTranslationCache } from '../memory/lruTranslationCache';
import { apertiumTestPlan, startApertiumServer, type ApertiumServer } from '../../../../scripts/apertiumServer';
import { translate } from '../translator';
import { ApertiumApyProvider } from './apertiumApy';
import { withCircuitBreaker } from './breakerProvider';
import { ProviderError, ProviderTimeoutError, UnsupportedLanguagePairError } from './translationProvider';

jest.setTimeout(60_000);

const plan = apertiumTestPlan();
if (!plan.run && !plan.fail) console.warn(`Skipping the Apertium APY integration tests: ${plan.reason}`);
const suite = plan.run || plan.fail ? describe : describe.skip;

suite('ApertiumApyProvider against a real APY', () => {
  let apy: ApertiumServer;
  let apertium: ApertiumApyProvider;

  beforeAll(async () => {
    if (!plan.run) throw new Error(`Apertium APY is required when CI is set: ${plan.reason}`);
    apy = await startApertiumServer();
    apertium = new ApertiumApyProvider({ baseUrl: apy.url, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await apy?.stop();
  });

  it('lists the installed pairs as BCP 47 tags', async () => {
    const pairs = await apertium.supportedPairs();
    expect(pairs).toEqual(expect.arrayContaining([{ source: 'en', target: 'es' }, { source: 'es', target: 'en' }, { source: 'es', target: 'en-US' }]));
  });

  it('translates English to Spanish and Spanish to English', async () => {
    expect(await apertium.translate({ text: 'Hello, my friend. How can I help you?', source: 'en', target: 'es' })).toEqual({
      text: expect.stringMatching(/^Hola.*amigo/i),
      provider: 'apertium',
    });
    const back = await apertium.translate({ text: 'Gracias, mi pedido no ha llegado.', source: 'es-MX', target: 'en-US' });
    expect(back.text).toMatch(/Thank/);
    expect(back.text).toMatch(/request|order/);
  });

  it('does not mark unknown words with * by default', async () => {
    const { text } = await apertium.translate({ text: 'The Frobnicator works', source: 'en', target: 'es' });
    expect(text).toContain('Frobnicator');
    expect(text).not.toContain('*');
    const marked = new ApertiumApyProvider({ baseUrl: apy.url, markUnknown: true });
    expect((await marked.translate({ text: 'The Frobnicator works', source: 'en', target: 'es' })).text).toContain('*Frobnicator');
  });

  it('carries a long message in a POST body', async () => {
    const text = 'The house is red and the car is blue. '.repeat(120);
    const { text: translated } = await apertium.translate({ text, source: 'en', target: 'es' });
    expect(translated.match(/casa/g)?.length).toBe(120);
  });

  it('refuses an unsupported pair and lists the supported ones', async () => {
    const err = await apertium.translate({ text: 'Hello', source: 'en', target: 'fr' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedLanguagePairError);
    expect(err).toMatchObject({ field: 'target_language', source: 'en', target: 'fr' });
    expect((err as Error).message).toMatch(/apertium cannot translate en→fr; supported pairs: .*en→es/);
    expect((err as Error).message).toContain('es→en');
  });

  it('keeps glossary terms through real Apertium output', async () => {
    const deps = { providers: new Map([['apertium', withCircuitBreaker(apertium)]]), cache: new LruTranslationCache() };
    const text = 'Please restart Acme Cloud and check the Widget Pro. Acme support will call you.';
    const unprotected = await translate(deps, { provider: 'apertium' }, { text, source: 'en', target: 'es' });
    // Without protection Apertium translates the brand ("Nube de acmé"): this is why the glossary exists.
    expect(unprotected.text).not.toContain('Acme Cloud');
    const result = await translate(deps, { provider: 'apertium', glossary: ['Acme', 'Acme Cloud', 'Widget Pro'] }, { text, source: 'en', target: 'es' });
    expect(result).toMatchObject({ status: 'translated', provider: 'apertium', lostTerms: [] });
    expect(result.text).toContain('Acme Cloud');
    expect(result.text).toContain('Widget Pro');
    expect(result.text).toMatch(/Acme (?!Cloud)/);
    expect(result.text).not.toMatch(/ZXQ|acmé/i);
    const back = await translate(deps, { provider: 'apertium', glossary: ['Acme Cloud'] }, { text: 'Reinicia Acme Cloud, por favor.', source: 'es', target: 'en' });
    expect(back.text).toContain('Acme Cloud');
  });

  it('reports an unreachable or silent APY as a provider failure', async () => {
    const gone = new ApertiumApyProvider({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    await expect(gone.supportedPairs()).rejects.toMatchObject({ failure: 'network' });
    await expect(gone.supportedPairs()).rejects.toBeInstanceOf(ProviderError);
    // Silent: accepts the connection and never answers (a 1 ms timeout against the real APY raced its answer).
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const slow = new ApertiumApyProvider({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 });
      await expect(slow.supportedPairs()).rejects.toBeInstanceOf(ProviderTimeoutError);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
