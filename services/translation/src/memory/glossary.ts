import { createHash } from 'node:crypto';

/** Terms a tenant never wants translated: product and brand names ("Acme Cloud", "Widget Pro"). */
export type Glossary = readonly string[];

export interface ProtectedText {
  /** The text with every term replaced by a placeholder; this is what the provider sees. */
  text: string;
  /** Puts the original terms back into the provider's output. */
  restore(translated: string): Restored;
}

export interface Restored {
  text: string;
  /** Terms whose placeholder the provider dropped; the translation lacks them. */
  lost: string[];
}

/**
 * Placeholder stems tried in turn; the first one the text does not already
 * contain wins. They look like an unknown all-caps word, which engines copy
 * through: Apertium passes `ZXQ0Z` untouched in both directions (it would
 * turn "Acme" into "Acmé"), and neural engines copy unknown tokens too.
 * The trailing letter stops `ZXQ1Z` from being read inside `ZXQ12Z`.
 */
const STEMS = ['ZXQ', 'QXZ', 'XJQ', 'JQX'];

/**
 * Replaces each occurrence of a glossary term (whole words, any case) with a
 * numbered placeholder, and returns the text to translate and the function
 * that restores the terms exactly as the customer wrote them. Longer terms
 * win over terms they contain ("Acme Cloud" before "Acme").
 *
 * @example
 *   const p = protectTerms('Restart Acme Cloud now', ['Acme Cloud']);
 *   p.text;                                   // 'Restart ZXQ0Z now'
 *   p.restore('Reinicia ZXQ0Z ahora').text;   // 'Reinicia Acme Cloud ahora'
 */
export function protectTerms(text: string, glossary: Glossary): ProtectedText {
  const terms = [...new Set(glossary.map((t) => t.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  const stem = STEMS.find((s) => !text.toUpperCase().includes(s));
  if (terms.length === 0 || stem === undefined) return { text, restore: (translated) => ({ text: translated, lost: [] }) };

  const originals: string[] = [];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const protectedText = text.replace(pattern, (match) => `${stem}${originals.push(match) - 1}Z`);
  if (originals.length === 0) return { text, restore: (translated) => ({ text: translated, lost: [] }) };

  // Apertium may prefix an unknown word with *, @ or #; engines may change its case.
  const placeholder = new RegExp(`[*@#]?${stem}(\\d+)Z`, 'gi');
  return {
    text: protectedText,
    restore: (translated) => {
      const seen = new Set<number>();
      const restored = translated.replace(placeholder, (match, n: string) => {
        const original = originals[Number(n)];
        if (original === undefined) return match;
        seen.add(Number(n));
        return original;
      });
      return { text: restored, lost: originals.filter((_, i) => !seen.has(i)) };
    },
  };
}

/** A short stable digest of a glossary, for cache keys: the same terms in any order give the same value. */
export function glossaryFingerprint(glossary: Glossary): string {
  const terms = [...new Set(glossary.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
  return terms.length ? createHash('sha256').update(JSON.stringify(terms)).digest('hex').slice(0, 16) : '';
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
