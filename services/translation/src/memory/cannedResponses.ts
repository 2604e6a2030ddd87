import { primaryLanguage } from '@contactcenter/infra';

/**
 * A canned response with versions written by people, keyed by BCP 47 tag.
 * A human translation beats machine translation, so when one exists for the
 * target language the service sends it and asks no provider.
 */
export interface CannedResponse {
  id: string;
  versions: Readonly<Record<string, string>>;
}

/**
 * The version for `target`: the exact tag first (case-insensitive), then
 * the bare language (`es` for `es-MX`), then any version of the same language
 * (`pt-PT` for `pt-BR` beats a machine translation). Undefined when there is
 * none: translate the text instead.
 *
 * @example
 *   cannedVersionFor({ id: 'greeting', versions: { en: 'Hi!', es: '¡Hola!' } }, 'es-MX'); // '¡Hola!'
 */
export function cannedVersionFor(canned: CannedResponse, target: string): string | undefined {
  // A version with placeholders ({{customer.name}}) is a template the gateway fills in when it is
  // sent; here it would reach the reader unfilled, so machine translation of the sent text wins.
  const entries = Object.entries(canned.versions).filter(([, text]) => text.trim() !== '' && !text.includes('{{'));
  const wanted = target.toLowerCase();
  const language = primaryLanguage(target);
  return (
    entries.find(([tag]) => tag.toLowerCase() === wanted)?.[1] ??
    entries.find(([tag]) => tag.toLowerCase() === language)?.[1] ??
    entries.find(([tag]) => primaryLanguage(tag) === language)?.[1]
  );
}
