/**
 * The LibreTranslate adapter against a local server speaking its documented
 * wire format (https://libretranslate.com/docs), errors included.
 */
import { startFakeHttpServer, type FakeHttpServer } from '../testSupport/fakeHttpServer';
import { withCircuitBreaker } from './breakerProvider';
import { CircuitOpenError } from './circuitBreaker';
import { LibreTranslateProvider } from './libreTranslate';
import { ProviderError, ProviderTimeoutError, UnsupportedLanguagePairError } from './translationProvider';

const LANGUAGES = [
  { code: 'en', name: 'English', targets: ['en', 'es', 'fr', 'zt'] },
  { code: 'es', name: 'Spanish', targets: ['en', 'es'] },
  { code: 'zt', name: 'Chinese (traditional)', targets: ['en', 'zt'] },
];

describe('LibreTranslateProvider (wire format)', () => {
  let server: FakeHttpServer;
  let libre: LibreTranslateProvider;

  beforeEach(async () => {
    server = await startFakeHttpServer();
    server.on('GET', '/languages', () => ({ status: 200, json: LANGUAGES }));
    // Answers come at once; the timeout is for a hanging server (its own test gives a short one), not a
    // loopback call that a busy 2-core machine delays past a few hundred milliseconds.
    libre = new LibreTranslateProvider({ baseUrl: server.url, apiKey: 'k-123', timeoutMs: 10_000 });
  });
  afterEach(() => server.close());

  const translateReturns = (answer: Parameters<FakeHttpServer['on']>[2]) => server.on('POST', '/translate', answer);
  const attempt = (target = 'es') => libre.translate({ text: 'Hello', source: 'en', target }).catch((e: unknown) => e);

  it('lists pairs from /languages, without self-pairs, mapping legacy codes', async () => {
    expect(await libre.supportedPairs()).toEqual([
      { source: 'en', target: 'es' },
      { source: 'en', target: 'fr' },
      { source: 'en', target: 'zh-Hant' },
      { source: 'es', target: 'en' },
      { source: 'zh-Hant', target: 'en' },
    ]);
  });

  it('POSTs {q, source, target, format, api_key} and reads translatedText', async () => {
    translateReturns(() => ({ status: 200, json: { translatedText: '¡Hola!' } }));
    expect(await libre.translate({ text: 'Hello!', source: 'en-US', target: 'es' })).toEqual({ text: '¡Hola!', provider: 'libretranslate' });
    const sent = server.requests.find((r) => r.path === '/translate')!;
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({ q: 'Hello!', source: 'en', target: 'es', format: 'text', api_key: 'k-123' });
    await libre.translate({ text: 'Hi', source: 'en', target: 'zh-Hant' });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ target: 'zt' });
    expect(server.requests.filter((r) => r.path === '/languages')).toHaveLength(1);
  });

  it('refuses a pair the server does not list', async () => {
    const err = await attempt('de');
    expect(err).toBeInstanceOf(UnsupportedLanguagePairError);
    expect((err as Error).message).toContain('en→es, en→fr');
  });

  it.each([
    [400, 'bad_request', 'Invalid request: missing q parameter'],
    [403, 'auth', 'Invalid API key'],
    [429, 'rate_limited', 'Slowdown: 30 per 1 minute'],
    [500, 'server', 'Cannot translate text: model failed'],
  ])('maps HTTP %i {error} to a %s ProviderError carrying the message', async (status, failure, message) => {
    translateReturns(() => ({ status, json: { error: message } }));
    const err = await attempt();
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ failure, status, message: `libretranslate: HTTP ${status}: ${message}` });
  });

  it('treats a non-JSON or wrongly shaped answer as garbage', async () => {
    translateReturns(() => ({ status: 200, raw: '<html>502 Bad Gateway</html>' }));
    expect(await attempt()).toMatchObject({ failure: 'garbage', message: expect.stringContaining('<html>502') });
    translateReturns(() => ({ status: 200, json: { translation: 'hola' } }));
    expect(await attempt()).toMatchObject({ failure: 'garbage' });
    translateReturns(() => ({ status: 502, raw: 'Bad Gateway' }));
    expect(await attempt()).toMatchObject({ failure: 'server', message: expect.stringContaining('Bad Gateway') });
  });

  it('gives up on a hanging server after its timeout', async () => {
    translateReturns(() => ({ hang: true }));
    const impatient = new LibreTranslateProvider({ baseUrl: server.url, apiKey: 'k-123', timeoutMs: 300 });
    const started = Date.now();
    const err = await impatient.translate({ text: 'Hello', source: 'en', target: 'es' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err).toMatchObject({ failure: 'timeout', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('passes the caller abort through rather than calling it a timeout', async () => {
    translateReturns(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = libre.translate({ text: 'Hello', source: 'en', target: 'es', signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('caller left')), 50);
    expect(await pending).toMatchObject({ message: 'caller left' });
  });

  it('behind a breaker, a run of failures stops the calls', async () => {
    translateReturns(() => ({ status: 500, json: { error: 'down' } }));
    const guarded = withCircuitBreaker(libre, { failureThreshold: 2, coolDownMs: 60_000 });
    for (let i = 0; i < 2; i++) await guarded.translate({ text: 'Hello', source: 'en', target: 'es' }).catch(() => undefined);
    const calls = server.requests.length;
    await expect(guarded.translate({ text: 'Hello', source: 'en', target: 'es' })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(server.requests.length).toBe(calls);
  });
});
