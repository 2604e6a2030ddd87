/**
 * The DeepL adapter against a local server speaking the documented DeepL
 * API v2 wire format (https://developers.deepl.com/docs), errors included.
 */
import { startFakeHttpServer, type FakeHttpServer, type RecordedRequest } from '../testSupport/fakeHttpServer';
import { DeepLProvider } from './deepl';
import { ProviderError, ProviderTimeoutError, UnsupportedLanguagePairError } from './translationProvider';

const SOURCES = [
  { language: 'EN', name: 'English' },
  { language: 'ES', name: 'Spanish' },
  { language: 'ZH', name: 'Chinese' },
];
const TARGETS = [
  { language: 'EN-GB', name: 'English (British)', supports_formality: false },
  { language: 'EN-US', name: 'English (American)', supports_formality: false },
  { language: 'ES', name: 'Spanish', supports_formality: true },
  { language: 'PT-BR', name: 'Portuguese (Brazilian)', supports_formality: true },
  { language: 'ZH-HANS', name: 'Chinese (simplified)', supports_formality: false },
];

describe('DeepLProvider (wire format)', () => {
  let server: FakeHttpServer;
  let deepl: DeepLProvider;
  const authorized = (r: RecordedRequest) => r.headers.authorization === 'DeepL-Auth-Key secret:fx';

  beforeEach(async () => {
    server = await startFakeHttpServer();
    server.on('GET', '/v2/languages', (r) =>
      authorized(r) ? { status: 200, json: r.query.get('type') === 'target' ? TARGETS : SOURCES } : { status: 403, raw: '' },
    );
    // Answers come at once; the timeout is for a hanging server (its own test gives a short one), not a
    // loopback call that a busy 2-core machine delays past a few hundred milliseconds.
    deepl = new DeepLProvider({ baseUrl: server.url, authKey: 'secret:fx', timeoutMs: 10_000 });
  });
  afterEach(() => server.close());

  const translateReturns = (answer: Parameters<FakeHttpServer['on']>[2]) => server.on('POST', '/v2/translate', answer);
  const attempt = () => deepl.translate({ text: 'Hello', source: 'en', target: 'es' }).catch((e: unknown) => e);

  it('lists every source to every target of another language, as BCP 47', async () => {
    const pairs = await deepl.supportedPairs();
    expect(pairs).toContainEqual({ source: 'en', target: 'es' });
    expect(pairs).toContainEqual({ source: 'es', target: 'en-GB' });
    expect(pairs).toContainEqual({ source: 'en', target: 'zh-Hans' });
    expect(pairs).not.toContainEqual({ source: 'en', target: 'en-US' });
    expect(pairs).toHaveLength(3 * 5 - 2 - 1 - 1);
  });

  it('POSTs {text: [..], source_lang, target_lang} with the auth header and reads translations[0].text', async () => {
    translateReturns((r) => (authorized(r) ? { status: 200, json: { translations: [{ detected_source_language: 'EN', text: 'Hola' }] } } : { status: 403, raw: '' }));
    expect(await deepl.translate({ text: 'Hello', source: 'en', target: 'es' })).toEqual({ text: 'Hola', provider: 'deepl' });
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ text: ['Hello'], source_lang: 'EN', target_lang: 'ES' });
    // A bare or unlisted English region goes to a listed one: DeepL no longer accepts target EN.
    await deepl.translate({ text: 'Hola', source: 'es', target: 'en-US' });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ source_lang: 'ES', target_lang: 'EN-US' });
    await deepl.translate({ text: 'Hola', source: 'es', target: 'pt' });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ target_lang: 'PT-BR' });
  });

  it('refuses an unsupported pair, listing pairs', async () => {
    const err = await deepl.translate({ text: 'Hallo', source: 'de', target: 'es' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedLanguagePairError);
    expect((err as Error).message).toMatch(/deepl cannot translate de→es; supported pairs: en→es/);
  });

  it.each([
    [400, 'bad_request', { message: 'Value for \'target_lang\' not supported.' }, "Value for 'target_lang' not supported."],
    [403, 'auth', undefined, 'authorization failed'],
    [429, 'rate_limited', { message: 'Too many requests' }, 'Too many requests'],
    [456, 'quota', undefined, 'quota exceeded'],
    [500, 'server', { message: 'Internal error' }, 'Internal error'],
  ])('maps HTTP %i to a %s ProviderError', async (status, failure, json, text) => {
    translateReturns(() => (json ? { status, json } : { status, raw: '' }));
    const err = await attempt();
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ failure, status });
    expect((err as Error).message).toContain(text);
    expect((err as Error).message).not.toContain('secret');
  });

  it('a wrong key fails the language listing as auth', async () => {
    const wrong = new DeepLProvider({ baseUrl: server.url, authKey: 'nope' });
    await expect(wrong.supportedPairs()).rejects.toMatchObject({ failure: 'auth', status: 403 });
  });

  it('treats garbage as a ProviderError', async () => {
    translateReturns(() => ({ status: 200, raw: 'not json' }));
    expect(await attempt()).toMatchObject({ failure: 'garbage' });
    translateReturns(() => ({ status: 200, json: { translations: [] } }));
    expect(await attempt()).toMatchObject({ failure: 'garbage' });
    translateReturns(() => ({ status: 200, json: null }));
    expect(await attempt()).toMatchObject({ failure: 'garbage' });
  });

  it('times out on a server that never answers', async () => {
    translateReturns(() => ({ hang: true }));
    const impatient = new DeepLProvider({ baseUrl: server.url, authKey: 'secret:fx', timeoutMs: 300 });
    expect(await impatient.translate({ text: 'Hello', source: 'en', target: 'es' }).catch((e: unknown) => e)).toBeInstanceOf(ProviderTimeoutError);
  });
});
