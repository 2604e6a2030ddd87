/**
 * Unread counts of the agent's conversations: messages that arrived since the
 * agent last opened each one. A conversation's count is its known message
 * count minus the count when the agent last had it open; a message counts
 * once, whether the list said so first or the socket did (a message event is
 * applied only when its revision is past the one already known), and the
 * agent's own messages never make a conversation unread.
 */
export interface UnreadEntry {
  /** The latest revision of the conversation known here. */
  revision: number;
  /** Messages in it, as far as known here. */
  messages: number;
  /** Messages it had when the agent last looked at it. */
  seen: number;
}

export type UnreadBook = Record<string, UnreadEntry>;

/** What the list of conversations says (its `revision` and `messageCount`); a stale list never lowers what is known. */
export function fromList(book: UnreadBook, conversationId: string, revision: number, messageCount: number): UnreadBook {
  const known = book[conversationId];
  // Never opened here: all of it is unread.
  if (!known) return { ...book, [conversationId]: { revision, messages: messageCount, seen: 0 } };
  if (revision <= known.revision) return book;
  return { ...book, [conversationId]: { ...known, revision, messages: Math.max(known.messages, messageCount) } };
}

/**
 * A message event; `mine` when the signed-in agent wrote it, `open` when
 * the agent has the conversation in front of them.
 */
export function onMessage(book: UnreadBook, conversationId: string, revision: number, opts: { mine: boolean; open: boolean }): UnreadBook {
  const known = book[conversationId] ?? { revision: -1, messages: 0, seen: 0 };
  if (revision <= known.revision) return book;
  const messages = known.messages + 1;
  const seen = opts.open ? messages : opts.mine ? known.seen + 1 : known.seen;
  return { ...book, [conversationId]: { revision, messages, seen } };
}

/** The agent opened (or is looking at) the conversation: everything in it is read. */
export function markRead(book: UnreadBook, conversationId: string): UnreadBook {
  const known = book[conversationId];
  if (!known || known.seen === known.messages) return book;
  return { ...book, [conversationId]: { ...known, seen: known.messages } };
}

export const unreadOf = (book: UnreadBook, conversationId: string): number => {
  const known = book[conversationId];
  return known ? Math.max(0, known.messages - known.seen) : 0;
};
