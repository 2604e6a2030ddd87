import { isWellFormedLanguageTag, sameLanguage } from '@contactcenter/infra';
import { excerpt, failureOfStatus, httpJson, type HttpAnswer } from './httpJson';
import { CatalogProvider } from './catalogProvider';
import type { WirePair } from './pairCatalog';
import { ProviderError, type TranslateRequest, type Translated } from './translationProvider';

export interface DeepLOptions {
  /** `https://api-free.deepl.com` for keys ending in `:fx`, else `https://api.deepl.com`. */
  baseUrl: string;
  authKey: string;
  timeoutMs?: number;
  pairsTtlMs?: number;
  clock?: () => number;
}

/**
 * DeepL API v2 (https://developers.deepl.com/docs):
 *
 *   POST /v2/translate  Authorization: DeepL-Auth-Key <key>
 *        {text: ["…"], source_lang: "EN", target_lang: "ES"} → {translations: [{detected_source_language, text}]}
 *   GET  /v2/languages?type=source → [{language: "EN", name}]
 *   GET  /v2/languages?type=target → [{language: "EN-GB", name, supports_formality}]
 *   errors: 400 {message}, 403 bad key, 429 too many requests, 456 quota exceeded, 5xx
 *
 * Any source can go to any target of another language, so the pairs are the
 * cross product. The key travels in the header only: DeepL no longer accepts
 * it as a form field, and a header keeps it out of access logs.
 */
export class DeepLProvider extends CatalogProvider {
  readonly name = 'deepl';

  constructor(private readonly options: DeepLOptions) {
    super(options, 10_000);
  }

  protected async translatePair(pair: WirePair, { text, signal }: TranslateRequest): Promise<Translated> {
    const answer = await httpJson({
      provider: this.name,
      url: `${this.baseUrl}/v2/translate`,
      method: 'POST',
      headers: { ...this.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ text: [text], source_lang: pair.wireSource, target_lang: pair.wireTarget }),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const translations = (this.ok(answer) as { translations?: unknown }).translations;
    const first = Array.isArray(translations) ? (translations[0] as { text?: unknown } | undefined) : undefined;
    if (typeof first?.text !== 'string') throw this.garbage(answer);
    return { text: first.text, provider: this.name };
  }

  protected async listPairs(): Promise<WirePair[]> {
    const [sources, targets] = await Promise.all([this.languages('source'), this.languages('target')]);
    const pairs: WirePair[] = [];
    for (const s of sources) {
      for (const t of targets) {
        if (!sameLanguage(s.tag, t.tag)) pairs.push({ source: s.tag, target: t.tag, wireSource: s.code, wireTarget: t.code });
      }
    }
    return pairs;
  }

  private async languages(type: 'source' | 'target'): Promise<{ code: string; tag: string }[]> {
    const answer = await httpJson({ provider: this.name, url: `${this.baseUrl}/v2/languages?type=${type}`, headers: this.auth(), timeoutMs: this.timeoutMs });
    const list = this.ok(answer);
    if (!Array.isArray(list)) throw this.garbage(answer);
    return (list as { language?: unknown }[]).flatMap((item) => {
      if (typeof item?.language !== 'string') throw this.garbage(answer);
      const tag = toBcp47(item.language);
      return tag ? [{ code: item.language, tag }] : [];
    });
  }

  private auth(): Record<string, string> {
    return { authorization: `DeepL-Auth-Key ${this.options.authKey}` };
  }

  private ok(answer: HttpAnswer): unknown {
    if (answer.status === 200) {
      if (answer.json === undefined || answer.json === null) throw this.garbage(answer);
      return answer.json;
    }
    const message = (answer.json as { message?: unknown } | undefined)?.message;
    const detail = typeof message === 'string' ? message : excerpt(answer.text) || statusText(answer.status);
    throw new ProviderError(this.name, failureOfStatus(answer.status), `HTTP ${answer.status}: ${detail}`, { status: answer.status });
  }

  private garbage(answer: HttpAnswer): ProviderError {
    return new ProviderError(this.name, 'garbage', `unexpected answer (HTTP ${answer.status}): ${excerpt(answer.text)}`, { status: answer.status });
  }
}

/** `EN-GB` → `en-GB`, `ZH-HANS` → `zh-Hans`: DeepL writes codes in upper case. */
function toBcp47(code: string): string | undefined {
  const [language = '', ...rest] = code.split('-');
  const tag = [language.toLowerCase(), ...rest.map((s) => (s.length === 4 ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s.toUpperCase()))].join('-');
  return isWellFormedLanguageTag(tag) ? tag : undefined;
}

/** DeepL answers 403 and 456 with an empty body; say what they mean. */
function statusText(status: number): string {
  if (status === 403) return 'authorization failed (check the DeepL auth key)';
  if (status === 456) return 'quota exceeded';
  return 'no details';
}
