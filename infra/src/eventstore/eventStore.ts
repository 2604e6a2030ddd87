/**
 * The event store port: the source of truth for conversation history.
 * Adapters: PostgreSQL (production default), PGlite (embedded default for
 * `npm start`), KurrentDB. All of them pass the same contract suite in
 * `test/contract/eventStore.contract.ts`.
 *
 * @example
 *   const store = await createEventStore('pglite://memory');
 *   const { nextExpectedRevision } = await store.appendToStream(
 *     'conversation-t1-c1',
 *     [{ id: randomUUID(), type: 'ConversationStarted', data: { channel: 'chat' } }],
 *     { expectedRevision: 'no_stream' },
 *   );
 *   const history = await store.readStream('conversation-t1-c1'); // [RecordedEvent]
 *   for await (const e of store.subscribeToAll({ after: checkpoint, signal })) project(e);
 */

/**
 * What the writer believes about the stream before appending:
 * - `'any'`: no check;
 * - `'no_stream'`: the stream has no events;
 * - `'stream_exists'`: the stream has at least one event;
 * - a number: the revision (0-based) of the stream's last event.
 * A wrong belief fails with `ConcurrencyError` and writes nothing.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventToAppend {
  /** A UUID chosen by the writer: retrying the same batch with the same ids is idempotent. */
  id: string;
  type: string;
  /** Any JSON-serialisable value without NUL characters (PostgreSQL's jsonb refuses `\u0000`). */
  data: unknown;
  metadata?: Record<string, string>;
}

export interface RecordedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, string>;
  streamId: string;
  /** 0-based position within the stream. */
  revision: number;
  /**
   * Opaque position in the global log, parsed back only by the adapter that
   * produced it (PostgreSQL/PGlite: the global sequence number as a decimal
   * string; KurrentDB: `"<commit>/<prepare>"`). Consumers store it as a
   * checkpoint and pass it back as `after`; they must not compare positions.
   */
  position: string;
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: pass it as the next `expectedRevision`. */
  nextExpectedRevision: number;
  /** Position of the last appended event. */
  position: string;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive; defaults to the first event (forwards) or the last one (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read strictly after this position; undefined = from the start of the log. */
  after?: string;
  maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** Deliver events strictly after this position; undefined = from the start of the log. */
  after?: string;
  /** Aborting ends the iteration (the `for await` loop simply finishes). */
  signal?: AbortSignal;
}

export interface EventStore {
  /**
   * Appends `events` atomically at the end of `streamId`.
   * @throws ConcurrencyError when `expectedRevision` does not hold (nothing is written).
   * @throws ValidationError for bad input, or when some ids of the batch are already
   *   stored and others are not, or are stored in another stream.
   * Re-appending a batch whose ids are all stored in this stream writes nothing and
   * returns the original result, whatever `expectedRevision` says.
   */
  appendToStream(streamId: string, events: EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** Events of one stream, ordered by revision; an empty array for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Revision of the stream's last event; undefined when it has none. */
  streamRevision(streamId: string): Promise<number | undefined>;
  /**
   * The global log, strictly after `after`. Its order is stable (an event never
   * appears before a position already handed out, even when its transaction
   * committed late) and follows revision order within each stream.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up then live delivery of the global log, in `readAll` order; ends only when aborted or closed. */
  subscribeToAll(options?: SubscribeToAllOptions): AsyncIterable<RecordedEvent>;
  /**
   * The event at a global position, or undefined when the log holds none there
   * (a position of another store, or of events a restore from backup lost).
   */
  eventAt(position: string): Promise<RecordedEvent | undefined>;
  /**
   * This store's identity: a random id written once, when the store is first
   * set up. A restart or a restore from backup keeps it; a new, empty store has
   * another. Followers keep it beside their checkpoints, so that a checkpoint
   * is never applied to a store it does not belong to.
   *
   * @example
   *   const id = await store.storeId(); // '3f0c…' (the same on every call and every restart)
   */
  storeId(): Promise<string>;
  /** Ends subscriptions and releases connections. */
  close(): Promise<void>;
}
