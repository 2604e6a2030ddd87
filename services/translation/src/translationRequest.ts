import { isWellFormedLanguageTag } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';

/** DeepL and LibreTranslate accept far more; 5,000 characters is a long chat message and keeps provider bills bounded. */
export const DEFAULT_MAX_TEXT_CHARS = 5_000;

export interface TranslationInput {
  text: string;
  source: string;
  target: string;
}

/**
 * Checks a translation request before any provider sees it; throws a
 * ValidationError naming the field. Length is counted in code points, as a
 * person counts characters, so an emoji is one.
 *
 * @example
 *   validateTranslationInput({ text: '', source: 'en', target: 'es' });
 *   // throws ValidationError('text', 'must not be empty')
 */
export function validateTranslationInput(input: TranslationInput, maxChars = DEFAULT_MAX_TEXT_CHARS): TranslationInput {
  if (input.text.trim() === '') throw new ValidationError('text', 'must not be empty');
  const length = codePoints(input.text);
  if (length > maxChars) throw new ValidationError('text', `must be at most ${maxChars} characters, got ${length}`);
  if (!isWellFormedLanguageTag(input.source)) throw new ValidationError('source_language', `must be a BCP 47 language tag, got ${JSON.stringify(input.source)}`);
  if (!isWellFormedLanguageTag(input.target)) throw new ValidationError('target_language', `must be a BCP 47 language tag, got ${JSON.stringify(input.target)}`);
  return input;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
