/**
 * Placeholders in canned responses, filled in on the server when an agent
 * sends one: `Hi {{customer.first_name | there}}, I'm {{agent.first_name}}.`
 *
 * A placeholder is `{{name}}` or `{{name | fallback}}` (spaces around the name
 * and the bar are allowed). The fallback is used when the value is unknown,
 * e.g. an anonymous visitor who gave no name; without one an unknown value
 * renders as nothing. Values are inserted as plain text in a single pass:
 * a customer who calls themselves `{{agent.name}}` is greeted with exactly
 * that, never with the agent's name, and nothing is ever evaluated.
 *
 * Pure functions: no I/O, no clock.
 */

/** Every name a placeholder may use. */
export const PLACEHOLDERS = ['customer.name', 'customer.first_name', 'customer.email', 'agent.name', 'agent.first_name', 'conversation.id'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<PlaceholderName, string>>;

const MAX_FALLBACK_CHARS = 100;

/** `{{ name }}` or `{{ name | fallback }}`; neither part may contain a brace, the name no bar. */
const TOKEN = /\{\{([^{}|]*)(?:\|([^{}]*))?\}\}/g;

const isPlaceholderName = (name: string): name is PlaceholderName => (PLACEHOLDERS as readonly string[]).includes(name);

interface Token {
  raw: string;
  name: string;
  fallback: string | undefined;
}

function tokensOf(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((m) => ({ raw: m[0], name: m[1]!.trim(), fallback: m[2]?.trim() }));
}

/** The known placeholder names `text` uses, each once: tells the caller which values to look up. */
export function placeholdersIn(text: string): Set<PlaceholderName> {
  return new Set(tokensOf(text).map((t) => t.name).filter(isPlaceholderName));
}

/**
 * What is wrong with the placeholders of `text`, for the person who wrote it;
 * undefined when nothing is. Unknown names, stray `{{` or `}}`, and
 * over-long fallbacks are refused when a canned response is saved, so that a
 * customer never reads a broken template.
 *
 * @example
 *   placeholderProblem('Hi {{customer.name | there}}!'); // undefined
 *   placeholderProblem('Hi {{customer.nmae}}!');        // 'unknown placeholder {{customer.nmae}}; known: …'
 */
export function placeholderProblem(text: string): string | undefined {
  for (const t of tokensOf(text)) {
    if (!isPlaceholderName(t.name)) return `unknown placeholder ${t.raw}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`;
    if (t.fallback !== undefined && t.fallback.length > MAX_FALLBACK_CHARS) return `the fallback of ${`{{${t.name}}}`} is longer than ${MAX_FALLBACK_CHARS} characters`;
  }
  const rest = text.replace(TOKEN, '');
  const stray = /\{\{|\}\}/.exec(rest);
  if (stray) return `"${stray[0]}" outside a placeholder: write placeholders as {{customer.name}} or {{customer.name | fallback}}`;
  return undefined;
}

/**
 * `text` with its placeholders filled in from `values`: a known placeholder
 * becomes its value, else its fallback, else nothing; an unknown one (in a
 * canned response saved around the gateway's check) stays as written.
 *
 * @example
 *   renderPlaceholders('Hi {{customer.first_name | there}}', { 'customer.first_name': 'Ken' }); // 'Hi Ken'
 *   renderPlaceholders('Hi {{customer.first_name | there}}', {});                                // 'Hi there'
 */
export function renderPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(TOKEN, (raw: string, rawName: string, rawFallback: string | undefined) => {
    const name = rawName.trim();
    if (!isPlaceholderName(name)) return raw;
    const value = values[name]?.trim();
    return value ? value : (rawFallback?.trim() ?? '');
  });
}

/** The first word of a name ("Ana María López" → "Ana"); undefined for a blank name. */
export function firstNameOf(name: string | undefined): string | undefined {
  return name?.trim().split(/\s+/)[0] || undefined;
}
