/**
 * Canned-response placeholders, filled in the desk for the agent's preview:
 * `{{customer.name}}` or `{{customer.name | fallback}}`, the same syntax the
 * gateway fills in when the canned response is sent by id. A value the desk
 * does not know takes its fallback (the gateway, which knows the customer,
 * fills the real one when the agent sends the response unchanged).
 */
const TOKEN = /\{\{([^{}|]*)(?:\|([^{}]*))?\}\}/g;

/**
 * @example
 *   fillPlaceholders('Hi {{customer.first_name | there}}', { 'customer.first_name': 'Ken' }); // 'Hi Ken'
 *   fillPlaceholders('Hi {{customer.first_name | there}}', {});                                // 'Hi there'
 */
export function fillPlaceholders(text: string, values: Record<string, string | undefined>): string {
  return text.replace(TOKEN, (_raw: string, rawName: string, rawFallback: string | undefined) => {
    const value = values[rawName.trim()]?.trim();
    return value ? value : (rawFallback?.trim() ?? '');
  });
}

/** The first word of a name ("Ana María López" → "Ana"). */
export const firstNameOf = (name: string | undefined): string | undefined => name?.trim().split(/\s+/)[0] || undefined;
