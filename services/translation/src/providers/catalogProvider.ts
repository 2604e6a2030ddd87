import { PairCatalog, publicPairs, requireWirePair, type WirePair } from './pairCatalog';
import type { LanguagePair, TranslateRequest, Translated, TranslationProvider } from './translationProvider';

export interface CatalogProviderOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** How long the provider's pair list is kept before it is asked again. */
  pairsTtlMs?: number;
  clock?: () => number;
}

/**
 * What every HTTP adapter shares: a base URL, a timeout, and the provider's
 * pair list cached in a PairCatalog, so that a translation first resolves the
 * requested BCP 47 pair to the provider's own codes (or fails listing the
 * pairs it offers). An adapter supplies how to list pairs and how to
 * translate one resolved pair on its wire.
 */
export abstract class CatalogProvider implements TranslationProvider {
  abstract readonly name: string;
  protected readonly baseUrl: string;
  protected readonly timeoutMs: number;
  protected readonly catalog: PairCatalog;

  protected constructor(options: CatalogProviderOptions, defaultTimeoutMs: number) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.catalog = new PairCatalog(() => this.listPairs(), options.pairsTtlMs, options.clock);
  }

  async supportedPairs(): Promise<LanguagePair[]> {
    return publicPairs(await this.catalog.get());
  }

  async translate(request: TranslateRequest): Promise<Translated> {
    const pair = requireWirePair(this.name, await this.catalog.get(), request.source, request.target);
    return this.translatePair(pair, request);
  }

  protected abstract listPairs(): Promise<WirePair[]>;
  protected abstract translatePair(pair: WirePair, request: TranslateRequest): Promise<Translated>;
}
