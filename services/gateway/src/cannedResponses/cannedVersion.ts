import { primaryLanguage } from '@contactcenter/infra';

/**
 * Which language version of a canned response an agent's reply sends: the
 * first of `preferred` (the customer's language first) that has a version,
 * matched as the translation service matches (the exact tag, then the bare
 * language, then any variant of it), else the first version by tag.
 *
 * Choosing the customer's version here matters: the rendered text is posted
 * in that language, so the translation service has nothing to translate and
 * never sends the unrendered version in its place.
 *
 * @example
 *   cannedVersion({ en: 'Hi', 'es-ES': 'Hola' }, ['es-MX', 'en']); // { language: 'es-ES', text: 'Hola' }
 */
export function cannedVersion(versions: Readonly<Record<string, string>>, preferred: readonly string[]): { language: string; text: string } | undefined {
  const entries = Object.entries(versions)
    .filter(([, text]) => text.trim() !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  for (const wanted of preferred.filter((t) => t.trim() !== '')) {
    const tag = wanted.toLowerCase();
    const found =
      entries.find(([t]) => t.toLowerCase() === tag) ??
      entries.find(([t]) => t.toLowerCase() === primaryLanguage(tag)) ??
      entries.find(([t]) => primaryLanguage(t) === primaryLanguage(tag));
    if (found) return { language: found[0], text: found[1] };
  }
  const [first] = entries;
  return first && { language: first[0], text: first[1] };
}
