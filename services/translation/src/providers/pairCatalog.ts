import { resolvePair } from './languagePairs';
import { UnsupportedLanguagePairError, type LanguagePair } from './translationProvider';

/** A provider pair with the codes its API wants on the wire. */
export type WirePair = LanguagePair & { wireSource: string; wireTarget: string };

/**
 * A provider's pair list, fetched on first use and kept for `ttlMs`: the
 * list changes only when an operator installs a pair, and asking before
 * every translation would double the round trips. A failed fetch is not
 * kept, so the next call asks again.
 */
export class PairCatalog {
  private cached: { at: number; pairs: Promise<WirePair[]> } | undefined;

  constructor(
    private readonly load: () => Promise<WirePair[]>,
    private readonly ttlMs = 10 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(): Promise<WirePair[]> {
    const now = this.clock();
    if (!this.cached || now - this.cached.at >= this.ttlMs) {
      const pairs = this.load();
      const entry = { at: now, pairs };
      this.cached = entry;
      pairs.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.pairs;
  }

  /** Forgets the list, e.g. when the provider says a listed pair is gone. */
  invalidate(): void {
    this.cached = undefined;
  }
}

/** The BCP 47 view of wire pairs, as TranslationProvider.supportedPairs returns it. */
export const publicPairs = (pairs: readonly WirePair[]): LanguagePair[] => pairs.map(({ source, target }) => ({ source, target }));

/** The pair that serves source→target, or UnsupportedLanguagePairError listing what would. */
export function requireWirePair(provider: string, pairs: readonly WirePair[], source: string, target: string): WirePair {
  const pair = resolvePair(pairs, source, target);
  if (!pair) throw new UnsupportedLanguagePairError(provider, source, target, publicPairs(pairs));
  return pair;
}
