import { sameLanguage } from '@contactcenter/infra';
import type { LanguagePair } from './translationProvider';

/**
 * Picks the provider pair that best serves a requested direction, comparing
 * BCP 47 tags case-insensitively. An exact tag beats the same language with
 * another or no region (`en-GB` is served by `en`, `es` by `es-ES`); on a tie
 * the pair with the shorter, more generic tag wins, so `en-AU` goes to `en`
 * rather than to `en-US`. Undefined when no pair has both languages.
 *
 * @example
 *   resolvePair([{ source: 'es', target: 'en' }, { source: 'es', target: 'en-US' }], 'es-MX', 'en-US');
 *   // → { source: 'es', target: 'en-US' }
 */
export function resolvePair<P extends LanguagePair>(pairs: readonly P[], source: string, target: string): P | undefined {
  let best: { pair: P; score: number; length: number } | undefined;
  for (const pair of pairs) {
    const s = tagMatch(pair.source, source);
    const t = tagMatch(pair.target, target);
    if (s === 0 || t === 0) continue;
    const score = s + t;
    const length = pair.source.length + pair.target.length;
    if (!best || score > best.score || (score === best.score && length < best.length)) best = { pair, score, length };
  }
  return best?.pair;
}

/** 2 for the same tag, 1 for the same language, 0 otherwise. */
function tagMatch(offered: string, wanted: string): number {
  if (offered.toLowerCase() === wanted.toLowerCase()) return 2;
  return sameLanguage(offered, wanted) ? 1 : 0;
}
