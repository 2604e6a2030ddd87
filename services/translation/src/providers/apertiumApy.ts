import { fromApertiumCode } from './apertiumCodes';
import { excerpt, failureOfStatus, httpJson, type HttpAnswer } from './httpJson';
import { CatalogProvider } from './catalogProvider';
import type { WirePair } from './pairCatalog';
import { ProviderError, type TranslateRequest, type Translated } from './translationProvider';

export interface ApertiumApyOptions {
  /** e.g. `http://127.0.0.1:2737` */
  baseUrl: string;
  timeoutMs?: number;
  /**
   * APY prefixes words it does not know with `*` unless told `markUnknown=no`;
   * in a chat that reads as noise, so the default is to leave them bare.
   */
  markUnknown?: boolean;
  pairsTtlMs?: number;
  clock?: () => number;
}

/**
 * Apertium APY (https://wiki.apertium.org/wiki/Apertium-apy), the HTTP front
 * of the rule-based Apertium engine: free, offline, a few pairs installed as
 * Debian packages (`apertium-eng-spa`).
 *
 *   GET  /listPairs → {responseData: [{sourceLanguage, targetLanguage}], responseStatus: 200}
 *   POST /translate langpair=eng|spa&q=… → {responseData: {translatedText}, responseStatus: 200}
 *
 * Translation is a form POST rather than the usual GET so that a 5,000
 * character message is not squeezed into a URL. Errors come in two shapes:
 * the documented `{responseStatus: 400, responseDetails}` and, from APY
 * 0.11 on, tornado's `{status: "error", code, message, explanation}`.
 */
export class ApertiumApyProvider extends CatalogProvider {
  readonly name = 'apertium';

  constructor(private readonly options: ApertiumApyOptions) {
    super(options, 5_000);
  }

  protected async translatePair(pair: WirePair, { text, signal }: TranslateRequest): Promise<Translated> {
    const form = new URLSearchParams({ langpair: `${pair.wireSource}|${pair.wireTarget}`, q: text, markUnknown: this.options.markUnknown ? 'yes' : 'no' });
    const answer = await httpJson({
      provider: this.name,
      url: `${this.baseUrl}/translate`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const data = this.successData(answer) as { translatedText?: unknown } | undefined;
    if (typeof data?.translatedText !== 'string') throw this.garbage(answer);
    return { text: data.translatedText, provider: this.name };
  }

  protected async listPairs(): Promise<WirePair[]> {
    const answer = await httpJson({ provider: this.name, url: `${this.baseUrl}/listPairs`, timeoutMs: this.timeoutMs });
    const data = this.successData(answer);
    if (!Array.isArray(data)) throw this.garbage(answer);
    const pairs: WirePair[] = [];
    for (const item of data as { sourceLanguage?: unknown; targetLanguage?: unknown }[]) {
      if (typeof item?.sourceLanguage !== 'string' || typeof item.targetLanguage !== 'string') throw this.garbage(answer);
      const source = fromApertiumCode(item.sourceLanguage);
      const target = fromApertiumCode(item.targetLanguage);
      if (source && target) pairs.push({ source, target, wireSource: item.sourceLanguage, wireTarget: item.targetLanguage });
    }
    return pairs;
  }

  /** `responseData` of a successful answer; a ProviderError for either error shape. */
  private successData(answer: HttpAnswer): unknown {
    const body = answer.json as { responseData?: unknown; responseStatus?: unknown; responseDetails?: unknown; message?: unknown; explanation?: unknown } | undefined;
    if (answer.status === 200 && body?.responseStatus === 200) return body.responseData;
    if (answer.status === 200 && typeof body?.responseStatus !== 'number') throw this.garbage(answer);
    const status = typeof body?.responseStatus === 'number' && body.responseStatus !== 200 ? body.responseStatus : answer.status;
    const detail = [body?.responseDetails, body?.message, body?.explanation].filter((d) => typeof d === 'string' && d).join(': ');
    // A pair we listed is gone (an operator removed it): ask again next time.
    if (status === 400) this.catalog.invalidate();
    throw new ProviderError(this.name, failureOfStatus(status), `HTTP ${status}: ${detail || excerpt(answer.text)}`, { status });
  }

  private garbage(answer: HttpAnswer): ProviderError {
    return new ProviderError(this.name, 'garbage', `unexpected answer (HTTP ${answer.status}): ${excerpt(answer.text)}`, { status: answer.status });
  }
}
