/**
 * Apertium names languages with ISO 639-3 codes (`eng`, `spa`) and variants
 * after an underscore (`eng_US`, `cat_valencia`, `oci_aran`); the rest of the
 * backend speaks BCP 47, which uses the two-letter ISO 639-1 code wherever one
 * exists. This table covers the languages Apertium ships pairs for; a code
 * without a two-letter equivalent is already a valid BCP 47 primary subtag
 * (`ast`, `hbs`).
 */
const ISO3_TO_ISO1: Readonly<Record<string, string>> = {
  afr: 'af', ara: 'ar', arg: 'an', aze: 'az', bak: 'ba', bel: 'be', ben: 'bn', bos: 'bs', bre: 'br', bul: 'bg',
  cat: 'ca', ces: 'cs', chv: 'cv', cym: 'cy', dan: 'da', deu: 'de', ell: 'el', eng: 'en', epo: 'eo', est: 'et',
  eus: 'eu', fao: 'fo', fas: 'fa', fin: 'fi', fra: 'fr', fry: 'fy', gle: 'ga', gla: 'gd', glg: 'gl', grn: 'gn',
  heb: 'he', hin: 'hi', hrv: 'hr', hun: 'hu', hye: 'hy', ind: 'id', isl: 'is', ita: 'it', jpn: 'ja', kat: 'ka',
  kaz: 'kk', kir: 'ky', kor: 'ko', kur: 'ku', lat: 'la', lav: 'lv', lit: 'lt', ltz: 'lb', mkd: 'mk', mlt: 'mt',
  mon: 'mn', msa: 'ms', nld: 'nl', nno: 'nn', nob: 'nb', nor: 'no', oci: 'oc', pol: 'pl', por: 'pt', ron: 'ro',
  rus: 'ru', sme: 'se', slk: 'sk', slv: 'sl', spa: 'es', sqi: 'sq', srd: 'sc', srp: 'sr', swe: 'sv', tat: 'tt',
  tgl: 'tl', tha: 'th', tur: 'tr', ukr: 'uk', urd: 'ur', uzb: 'uz', vie: 'vi', zho: 'zh',
};
const ISO1_TO_ISO3: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ISO3_TO_ISO1).map(([three, one]) => [one, three]));

/** Apertium variants that are not regions and have a registered BCP 47 form. */
const VARIANT_TO_BCP47: Readonly<Record<string, string>> = { aran: 'aranes' };
const BCP47_TO_VARIANT: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(VARIANT_TO_BCP47).map(([a, b]) => [b, a]));

/**
 * `eng` → `en`, `eng_US` → `en-US`, `cat_valencia` → `ca-valencia`,
 * `oci_aran` → `oc-aranes`; undefined for a code that is not a language
 * (Apertium also lists debug modes such as `eng-spa_tagger`).
 */
export function fromApertiumCode(code: string): string | undefined {
  const m = /^([a-z]{2,3})(?:_([A-Za-z0-9]+))?$/.exec(code);
  if (!m) return undefined;
  const language = ISO3_TO_ISO1[m[1]!] ?? m[1]!;
  const variant = m[2];
  if (variant === undefined) return language;
  if (/^[A-Z]{2}$/.test(variant)) return `${language}-${variant}`;
  const bcp47Variant = VARIANT_TO_BCP47[variant] ?? variant;
  return /^(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3})$/i.test(bcp47Variant) ? `${language}-${bcp47Variant.toLowerCase()}` : undefined;
}

/** The inverse of fromApertiumCode: `en-US` → `eng_US`, `es` → `spa`. Script subtags are dropped; Apertium has none. */
export function toApertiumCode(tag: string): string {
  const [language = '', ...rest] = tag.toLowerCase().split('-');
  const base = ISO1_TO_ISO3[language] ?? language;
  const region = rest.find((s) => /^[a-z]{2}$/.test(s));
  if (region) return `${base}_${region.toUpperCase()}`;
  const variant = rest.find((s) => s.length >= 5);
  return variant ? `${base}_${BCP47_TO_VARIANT[variant] ?? variant}` : base;
}
