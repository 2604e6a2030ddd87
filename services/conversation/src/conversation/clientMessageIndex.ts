/**
 * client_message_id → message_id for one conversation, as an immutable value
 * that grows in O(1): folding a 10,000-message stream must not copy a map per
 * message (that made a full load quadratic).
 *
 * Versions share one underlying Map. Each entry records the version size at
 * which it was added, and a version only sees entries below its own size, so
 * an older version never sees later additions. Adding to the newest version
 * writes into the shared Map; adding to an older one (a branch, e.g. decide
 * folding a candidate event over a state that was already evolved further)
 * copies the entries that version sees first.
 *
 * @example
 *   const a = ClientMessageIndex.empty().with('c-1', 'm-1');
 *   const b = a.with('c-2', 'm-2');
 *   a.get('c-2'); // undefined
 *   b.get('c-2'); // 'm-2'
 */
type Shared = { entries: Map<string, { messageId: string; seq: number }>; length: number };

export class ClientMessageIndex implements ReadonlyMap<string, string> {
  private constructor(
    private readonly shared: Shared,
    readonly size: number,
  ) {}

  static empty(): ClientMessageIndex {
    return new ClientMessageIndex({ entries: new Map(), length: 0 }, 0);
  }

  /** Any map of client message ids (e.g. one decoded from a snapshot) as an index. */
  static from(map: ReadonlyMap<string, string>): ClientMessageIndex {
    if (map instanceof ClientMessageIndex) return map;
    let index = ClientMessageIndex.empty();
    for (const [clientMessageId, messageId] of map) index = index.with(clientMessageId, messageId);
    return index;
  }

  get(clientMessageId: string): string | undefined {
    const entry = this.shared.entries.get(clientMessageId);
    return entry && entry.seq < this.size ? entry.messageId : undefined;
  }

  has(clientMessageId: string): boolean {
    return this.get(clientMessageId) !== undefined;
  }

  /** This index plus one entry; the first message id recorded for a client message id wins. */
  with(clientMessageId: string, messageId: string): ClientMessageIndex {
    if (this.has(clientMessageId)) return this;
    const shared = this.shared.length === this.size ? this.shared : { entries: new Map(this.visible()), length: this.size };
    shared.entries.set(clientMessageId, { messageId, seq: this.size });
    shared.length = this.size + 1;
    return new ClientMessageIndex(shared, this.size + 1);
  }

  *entries(): MapIterator<[string, string]> {
    for (const [clientMessageId, entry] of this.visible()) yield [clientMessageId, entry.messageId];
  }

  *keys(): MapIterator<string> {
    for (const [clientMessageId] of this.entries()) yield clientMessageId;
  }

  *values(): MapIterator<string> {
    for (const [, messageId] of this.entries()) yield messageId;
  }

  forEach(callback: (messageId: string, clientMessageId: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [clientMessageId, messageId] of this.entries()) callback(messageId, clientMessageId, this);
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  private *visible(): Generator<[string, { messageId: string; seq: number }]> {
    for (const item of this.shared.entries) if (item[1].seq < this.size) yield item;
  }
}
