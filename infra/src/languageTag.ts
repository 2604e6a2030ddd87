// RFC 5646 `langtag` syntax (well-formed, not checked against the registry).
// The primary subtag is limited to 2–3 letters: 4-letter subtags are reserved
// and 5–8-letter ones are unused in practice, and allowing them would let
// `english` through. Private-use-only and grandfathered tags are not accepted:
// they do not name a language a translator could act on.
const language = '[a-z]{2,3}(?:-[a-z]{3}){0,3}';
const script = '[a-z]{4}';
const region = '(?:[a-z]{2}|[0-9]{3})';
const variant = '(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3})';
const extension = '[0-9a-wyz](?:-[a-z0-9]{2,8})+';
const privateUse = 'x(?:-[a-z0-9]{1,8})+';
const langtag = new RegExp(
  `^${language}(?:-${script})?(?:-${region})?(?:-${variant})*(?:-${extension})*(?:-${privateUse})?$`,
  'i',
);

/** Longest tag accepted; RFC 5646 §4.4.1 asks implementations to support at least 35. */
export const MAX_LANGUAGE_TAG_LENGTH = 35;

/**
 * Whether `tag` is a well-formed BCP 47 language tag.
 *
 * @example
 *   isWellFormedLanguageTag('pt-BR');   // true
 *   isWellFormedLanguageTag('en_US');   // false
 */
export const isWellFormedLanguageTag = (tag: string): boolean =>
  tag.length <= MAX_LANGUAGE_TAG_LENGTH && langtag.test(tag);

/**
 * The language subtag, lower-cased: `pt` for `pt-BR`, `zh` for `zh-Hant`.
 *
 * @example
 *   primaryLanguage('es-MX'); // 'es'
 */
export const primaryLanguage = (tag: string): string => tag.split('-')[0]!.toLowerCase();

/** Whether two tags name the same language, ignoring region and script. */
export const sameLanguage = (a: string, b: string): boolean => primaryLanguage(a) === primaryLanguage(b);
