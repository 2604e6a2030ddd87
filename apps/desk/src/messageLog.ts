/**
 * The messages of an open conversation as the desk shows them: keyed by
 * message id (a message that comes again, from the REST answer and then the
 * socket, or on a resume, is never shown twice), ordered by the
 * conversation's revision, with the translations that arrived for each.
 * Pure data and functions: the view renders what these return.
 */
import { laterDelivery, type Delivery } from './channelText';
import type { MessageTemplate } from './types';

export type Author = 'customer' | 'agent' | 'system' | 'bot';

export interface DeskMessage {
  messageId: string;
  author: Author;
  authorId: string;
  text: string;
  language: string | undefined;
  /** Its revision in the conversation: the order. */
  revision: number;
  postedAt: string | undefined;
  /** Translations by target language. */
  translations: Record<string, string>;
  /** Email and messaging apps: how far it got to the customer. */
  delivery?: Delivery;
  /** WhatsApp: the approved template it was. */
  template?: MessageTemplate;
}

/** A message as REST or an event gives it (authorKind as REST `customer` or proto `AUTHOR_KIND_CUSTOMER`). */
export interface MessageInput {
  messageId?: string;
  authorKind?: string;
  authorId?: string;
  text?: string;
  language?: string;
  revision?: number | string;
  postedAt?: string;
  translations?: { language?: string; text?: string }[];
  delivery?: Delivery;
  template?: MessageTemplate;
}

export function authorOf(kind: string | undefined): Author {
  const k = (kind ?? '').toLowerCase().replace(/^author_kind_/, '');
  return k === 'customer' || k === 'agent' || k === 'bot' ? k : 'system';
}

export function messageOf(input: MessageInput): DeskMessage | undefined {
  if (!input.messageId) return undefined;
  const translations: Record<string, string> = {};
  for (const t of input.translations ?? []) if (t.language && t.text) translations[t.language] = t.text;
  return {
    messageId: input.messageId,
    author: authorOf(input.authorKind),
    authorId: input.authorId ?? '',
    text: input.text ?? '',
    language: input.language || undefined,
    revision: Number(input.revision ?? 0),
    postedAt: input.postedAt,
    translations,
    ...(input.delivery ? { delivery: input.delivery } : {}),
    ...(input.template?.name ? { template: input.template } : {}),
  };
}

const byOrder = (a: DeskMessage, b: DeskMessage) => a.revision - b.revision || (a.postedAt ?? '').localeCompare(b.postedAt ?? '') || a.messageId.localeCompare(b.messageId);

/**
 * The log with `message` in it: added once, in revision order; a message
 * already there keeps its translations and gains any new ones.
 *
 * @example
 *   withMessage(withMessage([], m), m).length; // 1
 */
export function withMessage(log: readonly DeskMessage[], message: DeskMessage): DeskMessage[] {
  const existing = log.find((m) => m.messageId === message.messageId);
  if (existing) {
    // The later copy wins (the event after the desk's own optimistic one), translations add up.
    const merged = { ...existing, ...message, translations: { ...existing.translations, ...message.translations } };
    // A copy without a delivery status (the desk's own, a replayed event) never hides the one already known.
    const delivery = laterDelivery(existing.delivery, message.delivery);
    if (delivery) merged.delivery = delivery;
    return log.map((m) => (m === existing ? merged : m)).sort(byOrder);
  }
  return [...log, message].sort(byOrder);
}

/** The log with a translation of one of its messages; unchanged when the message is not (yet) there. */
export function withTranslation(log: readonly DeskMessage[], messageId: string, language: string, text: string): DeskMessage[] {
  return log.map((m) => (m.messageId === messageId ? { ...m, translations: { ...m.translations, [language]: text } } : m));
}

/** The log with a delivery report on one of its messages; a report older than the one known changes nothing. */
export function withDelivery(log: readonly DeskMessage[], messageId: string, delivery: Delivery): DeskMessage[] {
  return log.map((m) => (m.messageId === messageId ? { ...m, delivery: laterDelivery(m.delivery, delivery) } : m));
}

/**
 * The translation to show beside a message for an agent reading `agentLanguages`
 * (most preferred first): one into a language they read, matched on the
 * primary subtag ("en-GB" reads "en"); never one into the message's own language.
 * Failing that, one into any language other than the customer's: the
 * conversation's messages are translated for its customer and for its agent
 * only, so that one is the agent's.
 */
export function translationFor(message: DeskMessage, agentLanguages: readonly string[], customerLanguage?: string): { language: string; text: string } | undefined {
  const primary = (tag: string) => tag.toLowerCase().split('-')[0] ?? '';
  const source = message.language ? primary(message.language) : undefined;
  for (const wanted of agentLanguages) {
    for (const [language, text] of Object.entries(message.translations)) {
      if (primary(language) === primary(wanted) && primary(language) !== source) return { language, text };
    }
  }
  const customer = customerLanguage ? primary(customerLanguage) : undefined;
  for (const [language, text] of Object.entries(message.translations)) {
    if (primary(language) !== source && primary(language) !== customer) return { language, text };
  }
  return undefined;
}
