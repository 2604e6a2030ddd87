import { isWellFormedLanguageTag, primaryLanguage } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { requireToken } from './policy';

export interface FaqEntry {
  entryId: string;
  /** Lower-case BCP 47 tag. */
  language: string;
  question: string;
  answer: string;
  keywords: string[];
}

export function validateFaqEntry(e: FaqEntry): FaqEntry {
  requireToken('entry.entry_id', e.entryId);
  if (!isWellFormedLanguageTag(e.language)) throw new ValidationError('entry.language', `not a BCP 47 language tag: ${JSON.stringify(e.language)}`);
  if (e.question.trim() === '') throw new ValidationError('entry.question', 'is required');
  if (e.question.length > 1_000) throw new ValidationError('entry.question', 'at most 1000 characters');
  if (e.answer.trim() === '') throw new ValidationError('entry.answer', 'is required');
  if (e.answer.length > 4_000) throw new ValidationError('entry.answer', 'at most 4000 characters');
  if (e.keywords.length > 50) throw new ValidationError('entry.keywords', 'at most 50 keywords');
  return { ...e, language: e.language.toLowerCase() };
}

/**
 * Words that carry no meaning of their own in the languages the bot speaks
 * (accents folded): "what are the prices" must not match "what are your
 * opening hours" on "what" and "are".
 */
const STOP_WORDS = new Set(
  [
    'the and are you your our what when where which who how can could would does for from with have has this that there here please thanks thank hello',
    'que los las una uno por para con como cual cuales cuando donde esta este estos hay son sus del hola gracias favor',
    'uma um por para com como qual quais quando onde esta este isso sao seu sua dos das ola obrigado favor',
    'les des une est sont pour avec comment quel quelle quand vous votre nous bonjour merci',
    'der die das und ist sind ein eine wie was wann wo ihr ihre wir mit fur hallo danke bitte',
  ].join(' ').split(' '),
);

/** Words of a text, lower-cased, accents folded, without short words and stop words that match everything. */
export function words(text: string): Set<string> {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return new Set((folded.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3 && !STOP_WORDS.has(w)));
}

/**
 * The entry of the conversation's language that best answers `text`, by the
 * share of the entry's question and keyword words found in it. Entries in
 * other languages never answer: a visitor writing Spanish gets a Spanish
 * answer or none. Undefined when nothing matches at least `threshold`.
 */
export function matchFaq(entries: readonly FaqEntry[], text: string, language: string, threshold = 0.5): FaqEntry | undefined {
  const said = words(text);
  if (said.size === 0) return undefined;
  const lang = primaryLanguage(language || 'en');
  let best: { entry: FaqEntry; score: number } | undefined;
  for (const entry of entries) {
    if (primaryLanguage(entry.language) !== lang) continue;
    const keywords = words([entry.question, ...entry.keywords].join(' '));
    if (keywords.size === 0) continue;
    let hits = 0;
    for (const w of keywords) if (said.has(w)) hits++;
    // Matching a short message against a long question: judge by the smaller side.
    const score = hits / Math.min(keywords.size, said.size);
    if (score >= threshold && (!best || score > best.score)) best = { entry, score };
  }
  return best?.entry;
}
