/** Who wrote a message, as the widget shows it. */
export type Author = 'visitor' | 'agent' | 'system';

/** Where a visitor's message stands: `pending` until the gateway accepted it, `failed` when it refused it for good. */
export type Delivery = 'pending' | 'sent' | 'failed';

export interface ChatMessage {
  /** The gateway's message id; for a visitor message not yet accepted, its client message id. */
  id: string;
  clientMessageId?: string;
  author: Author;
  text: string;
  /** BCP 47 tag of `text` ('' when unknown). */
  language: string;
  /** Machine translations by primary language subtag. */
  translations: Record<string, string>;
  delivery: Delivery;
  /** The conversation's revision the message was recorded at; pending messages sort after every recorded one. */
  revision?: number;
  /** Local arrival order: breaks ties and orders pending messages. */
  seq: number;
}

/** A posted message as an event or the conversation read carries it. */
export interface PostedMessage {
  messageId?: string;
  authorKind?: string;
  text?: string;
  clientMessageId?: string;
  language?: string;
  revision?: number | string;
  translations?: { language?: string; text?: string }[];
}

/** `es-MX` → `es`: translations and the visitor's choice are compared on the primary subtag. */
export const primaryLanguage = (tag: string | undefined): string => (tag ?? '').split(/[-_]/)[0]!.toLowerCase();

export function authorOf(kind: string | undefined): Author {
  const k = (kind ?? '').toUpperCase();
  if (k.endsWith('CUSTOMER')) return 'visitor';
  if (k.endsWith('AGENT') || k.endsWith('BOT')) return 'agent';
  return 'system';
}

/**
 * The conversation's messages as the widget shows them: keyed by message id,
 * so a replayed event, a resumed socket or a re-read conversation never
 * shows one twice; a visitor's pending message is matched to its recorded
 * one by client message id; ordered by the conversation's revision.
 *
 * @example
 *   const store = new MessageStore();
 *   store.addPending('cm-1', 'Hola', 'es');
 *   store.posted({ messageId: 'm-9', clientMessageId: 'cm-1', authorKind: 'AUTHOR_KIND_CUSTOMER', text: 'Hola', revision: 4 });
 *   store.list(); // one message, id m-9, delivery 'sent'
 */
export class MessageStore {
  private readonly byId = new Map<string, ChatMessage>();
  private seq = 0;

  list(): ChatMessage[] {
    return [...this.byId.values()].sort((a, b) => {
      const ra = a.revision ?? Number.POSITIVE_INFINITY;
      const rb = b.revision ?? Number.POSITIVE_INFINITY;
      return ra === rb ? a.seq - b.seq : ra - rb;
    });
  }

  get(id: string): ChatMessage | undefined {
    return this.byId.get(id) ?? this.byClientId(id);
  }

  addPending(clientMessageId: string, text: string, language: string): ChatMessage {
    const existing = this.byClientId(clientMessageId);
    if (existing) return existing;
    const message: ChatMessage = { id: clientMessageId, clientMessageId, author: 'visitor', text, language, translations: {}, delivery: 'pending', seq: this.seq++ };
    this.byId.set(message.id, message);
    return message;
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  /** The gateway accepted a pending message (its answer to the post). */
  accepted(clientMessageId: string, messageId: string | undefined, revision?: number): ChatMessage | undefined {
    const message = this.byClientId(clientMessageId);
    if (!message) return undefined;
    message.delivery = 'sent';
    if (revision !== undefined && message.revision === undefined) message.revision = revision;
    if (messageId && message.id !== messageId) this.rekey(message, messageId);
    return message;
  }

  failed(clientMessageId: string): void {
    const message = this.byClientId(clientMessageId);
    if (message && message.delivery === 'pending') message.delivery = 'failed';
  }

  /** A recorded message (MessagePosted, or the conversation read): added once, or merged into what is there. */
  posted(posted: PostedMessage): ChatMessage | undefined {
    if (!posted.messageId) return undefined;
    const revision = posted.revision === undefined || posted.revision === '' ? undefined : Number(posted.revision);
    let message = this.byId.get(posted.messageId) ?? (posted.clientMessageId ? this.byClientId(posted.clientMessageId) : undefined);
    if (message) {
      if (message.id !== posted.messageId) this.rekey(message, posted.messageId);
      message.delivery = 'sent';
      if (revision !== undefined && Number.isFinite(revision)) message.revision = revision;
    } else {
      message = {
        id: posted.messageId,
        ...(posted.clientMessageId ? { clientMessageId: posted.clientMessageId } : {}),
        author: authorOf(posted.authorKind),
        text: posted.text ?? '',
        language: posted.language ?? '',
        translations: {},
        delivery: 'sent',
        ...(revision !== undefined && Number.isFinite(revision) ? { revision } : {}),
        seq: this.seq++,
      };
      this.byId.set(message.id, message);
    }
    const early = this.early.get(message.id);
    if (early) {
      Object.assign(message.translations, early);
      this.early.delete(message.id);
    }
    for (const t of posted.translations ?? []) if (t.language && t.text) message.translations[primaryLanguage(t.language)] = t.text;
    return message;
  }

  /** A MessageTranslated event; undefined while the message itself is not known (it is kept for when it comes). */
  translated(messageId: string, language: string, text: string): ChatMessage | undefined {
    const message = this.byId.get(messageId);
    if (!message) {
      const early = this.early.get(messageId) ?? {};
      early[primaryLanguage(language)] = text;
      this.early.set(messageId, early);
      return undefined;
    }
    message.translations[primaryLanguage(language)] = text;
    return message;
  }

  /** Translations that arrived before their message (a re-read conversation may come after the event). */
  private readonly early = new Map<string, Record<string, string>>();

  private byClientId(clientMessageId: string): ChatMessage | undefined {
    for (const m of this.byId.values()) if (m.clientMessageId === clientMessageId) return m;
    return undefined;
  }

  private rekey(message: ChatMessage, messageId: string): void {
    const other = this.byId.get(messageId);
    this.byId.delete(message.id);
    message.id = messageId;
    if (other && other !== message) {
      Object.assign(message.translations, other.translations);
      message.revision ??= other.revision;
    }
    this.byId.set(messageId, message);
    const early = this.early.get(messageId);
    if (early) {
      Object.assign(message.translations, early);
      this.early.delete(messageId);
    }
  }
}
