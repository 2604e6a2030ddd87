import { isWellFormedLanguageTag } from '@contactcenter/infra';
import { excerpt, failureOfStatus, httpJson, type HttpAnswer } from './httpJson';
import { CatalogProvider } from './catalogProvider';
import type { WirePair } from './pairCatalog';
import { ProviderError, type TranslateRequest, type Translated } from './translationProvider';

export interface LibreTranslateOptions {
  /** e.g. `http://127.0.0.1:5000` */
  baseUrl: string;
  /** Only instances started with `--api-keys` want one. */
  apiKey?: string;
  timeoutMs?: number;
  pairsTtlMs?: number;
  clock?: () => number;
}

/** Codes LibreTranslate uses that are not BCP 47 (older Argos models call traditional Chinese `zt`). */
const LEGACY_CODES: Readonly<Record<string, string>> = { zt: 'zh-Hant' };

/**
 * LibreTranslate (https://libretranslate.com/docs), self-hosted neural MT:
 *
 *   GET  /languages → [{code, name, targets: [code…]}]
 *   POST /translate {q, source, target, format: "text", api_key?} → {translatedText}
 *   errors: 400 / 403 (bad or missing key) / 429 (slow down) / 500, each {error: "…"}
 */
export class LibreTranslateProvider extends CatalogProvider {
  readonly name = 'libretranslate';

  constructor(private readonly options: LibreTranslateOptions) {
    super(options, 10_000);
  }

  protected async translatePair(pair: WirePair, { text, signal }: TranslateRequest): Promise<Translated> {
    const body = { q: text, source: pair.wireSource, target: pair.wireTarget, format: 'text', ...(this.options.apiKey ? { api_key: this.options.apiKey } : {}) };
    const answer = await httpJson({
      provider: this.name,
      url: `${this.baseUrl}/translate`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const translated = (this.ok(answer) as { translatedText?: unknown } | undefined)?.translatedText;
    if (typeof translated !== 'string') throw this.garbage(answer);
    return { text: translated, provider: this.name };
  }

  protected async listPairs(): Promise<WirePair[]> {
    const url = new URL(`${this.baseUrl}/languages`);
    if (this.options.apiKey) url.searchParams.set('api_key', this.options.apiKey);
    const answer = await httpJson({ provider: this.name, url: url.toString(), timeoutMs: this.timeoutMs });
    const languages = this.ok(answer);
    if (!Array.isArray(languages)) throw this.garbage(answer);
    const pairs: WirePair[] = [];
    for (const language of languages as { code?: unknown; targets?: unknown }[]) {
      if (typeof language?.code !== 'string' || !Array.isArray(language.targets)) throw this.garbage(answer);
      const source = toBcp47(language.code);
      for (const wireTarget of language.targets) {
        const target = typeof wireTarget === 'string' ? toBcp47(wireTarget) : undefined;
        if (source && target && wireTarget !== language.code) pairs.push({ source, target, wireSource: language.code, wireTarget: wireTarget as string });
      }
    }
    return pairs;
  }

  private ok(answer: HttpAnswer): unknown {
    if (answer.status === 200) {
      if (answer.json === undefined) throw this.garbage(answer);
      return answer.json;
    }
    const error = (answer.json as { error?: unknown } | undefined)?.error;
    const detail = typeof error === 'string' ? error : excerpt(answer.text);
    throw new ProviderError(this.name, failureOfStatus(answer.status), `HTTP ${answer.status}: ${detail}`, { status: answer.status });
  }

  private garbage(answer: HttpAnswer): ProviderError {
    return new ProviderError(this.name, 'garbage', `unexpected answer (HTTP ${answer.status}): ${excerpt(answer.text)}`, { status: answer.status });
  }
}

function toBcp47(code: string): string | undefined {
  const tag = LEGACY_CODES[code] ?? code;
  return isWellFormedLanguageTag(tag) ? tag : undefined;
}
