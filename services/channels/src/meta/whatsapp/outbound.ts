import type { OutboundMessage } from '../../channel/adapter';

/**
 * The body of `POST /{version}/{phone-number-id}/messages`: free text, or an
 * approved template whose body placeholders `{{1}}`, `{{2}}`, … are filled in
 * order from `template.parameters`.
 */
export function whatsAppMessageBody(to: string, message: Pick<OutboundMessage, 'text' | 'template'>): Record<string, unknown> {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
  const template = message.template;
  if (!template) return { ...base, type: 'text', text: { preview_url: false, body: message.text } };
  const components =
    template.parameters.length > 0 ? [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }] : undefined;
  return {
    ...base,
    type: 'template',
    template: { name: template.name, language: { code: template.language }, ...(components ? { components } : {}) },
  };
}

/** The wamid of the message Meta accepted: `{ messages: [{ id }] }`. */
export function whatsAppMessageId(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const messages = (body as { messages?: unknown }).messages;
  const first = Array.isArray(messages) ? (messages[0] as { id?: unknown } | undefined) : undefined;
  return typeof first?.id === 'string' && first.id !== '' ? first.id : undefined;
}
