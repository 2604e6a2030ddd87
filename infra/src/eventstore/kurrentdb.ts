import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError as KurrentUnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, UnavailableError, ValidationError } from '../errors';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeToAllOptions } from './eventStore';
import { validateAppend, validateMaxCount, validateReadStream, type SerialisedEvent } from './validation';

/** Holds the store's identity (see EventStore.storeId). */
const STORE_IDENTITY_STREAM = '$cc-store';

/**
 * The EventStore over KurrentDB (formerly EventStoreDB). The server keeps the
 * global order itself; positions are `"<commit>/<prepare>"`. System events
 * (`$`-types) are left out of readAll and subscriptions.
 *
 * Differences with the SQL adapters, all the server's:
 * - idempotency is KurrentDB's: a retry with the batch's original expected
 *   revision (or 'any', best effort) writes nothing; a rejected retry is
 *   recognised here by finding its ids at the stream's end;
 * - one event id may be stored in several streams, and a batch mixing stored
 *   and new ids is not refused (no global id index to check against).
 *
 * @example
 *   const store = await createKurrentDbEventStore('kurrentdb://localhost:2113?tls=false');
 */
export async function createKurrentDbEventStore(url: string): Promise<EventStore> {
  const description = describeKurrentUrl(url);
  let client: KurrentDBClient;
  try {
    // 'esdb' schemes still work but make the client print a deprecation warning.
    client = KurrentDBClient.connectionString(url.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://'));
  } catch (err) {
    throw new ValidationError('EVENT_STORE_URL', `not a KurrentDB connection string: ${(err as Error).message}`, { cause: err });
  }
  const store = new KurrentDbEventStore(client, description);
  try {
    // The client connects lazily: read a stream that cannot exist to know now whether the server answers.
    await store.streamRevision(`eventstore-probe-${randomUUID()}`);
  } catch (err) {
    await client.dispose().catch(() => undefined);
    throw err instanceof UnavailableError ? err : new UnavailableError(`${description} is unreachable (${(err as Error).message})`, { cause: err });
  }
  return store;
}

/** "KurrentDB at host:port", never the credentials. */
export function describeKurrentUrl(url: string): string {
  const hosts = url.replace(/^[^:]+:\/\//, '').replace(/^[^@/]*@/, '').split(/[/?]/)[0];
  return `KurrentDB at ${hosts || 'the configured URL'}`;
}

const POSITION = /^(\d+)\/(\d+)$/;
const RESUBSCRIBE_PAUSE_MS = 500;

export class KurrentDbEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<AbortController>();

  constructor(
    private readonly client: KurrentDBClient,
    private readonly description: string,
  ) {}

  async appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const batch = validateAppend(streamId, events, expected);
    try {
      const result = await this.client.appendToStream(
        streamId,
        batch.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.source.data as JSONType, metadata: e.source.metadata ?? {} })),
        { streamState: toStreamState(expected) },
      );
      const revision = Number(result.nextExpectedRevision);
      const position = result.position ? formatPosition(result.position) : await this.positionOf(streamId, revision);
      return { nextExpectedRevision: revision, position };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw this.mapError(err);
      const retried = await this.findStoredBatch(streamId, batch);
      if (retried) return retried;
      throw new ConcurrencyError(streamId, String(expected), describeState(err.actualState), { cause: err });
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const range = validateReadStream(streamId, options);
    if (range.maxCount === 0) return [];
    const forwards = range.direction === 'forwards';
    const events: RecordedEvent[] = [];
    try {
      const reads = this.client.readStream(streamId, {
        direction: forwards ? FORWARDS : BACKWARDS,
        fromRevision: range.fromRevision === undefined ? (forwards ? START : END) : BigInt(range.fromRevision),
        maxCount: range.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of reads) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError || err instanceof StreamDeletedError) return [];
      throw this.mapError(err);
    }
    return events;
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last?.revision;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    validateMaxCount(options.maxCount);
    if (options.maxCount === 0) return [];
    const after = options.after === undefined ? undefined : parsePosition(options.after);
    const events: RecordedEvent[] = [];
    try {
      // A read from a position includes the event at that position: ask for one more and drop it.
      const reads = this.client.readAll({
        fromPosition: after ?? START,
        direction: FORWARDS,
        maxCount: options.maxCount === undefined ? Number.MAX_SAFE_INTEGER : options.maxCount + (after ? 1 : 0),
        filter: excludeSystemEvents(),
      });
      for await (const resolved of reads) {
        const event = toRecordedEvent(resolved);
        if (event && event.position !== options.after) events.push(event);
      }
    } catch (err) {
      throw this.mapError(err);
    }
    return options.maxCount === undefined ? events : events.slice(0, options.maxCount);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<RecordedEvent> {
    return this.follow(options);
  }

  async eventAt(position: string): Promise<RecordedEvent | undefined> {
    const at = parsePosition(position);
    try {
      for await (const resolved of this.client.readAll({ fromPosition: at, direction: FORWARDS, maxCount: 1, filter: excludeSystemEvents() })) {
        const event = toRecordedEvent(resolved);
        return event?.position === position ? event : undefined;
      }
    } catch (err) {
      const mapped = this.mapError(err);
      if (mapped instanceof UnavailableError) throw mapped;
      return undefined; // a position the server does not know
    }
    return undefined;
  }

  async storeId(): Promise<string> {
    // The first writer wins (NO_STREAM); a `$`-typed event in a `$` stream stays out of
    // readAll and subscriptions (excludeSystemEvents) and out of the relay.
    const read = async () => (await this.readStream(STORE_IDENTITY_STREAM, { maxCount: 1 }))[0];
    let first = await read();
    if (!first) {
      try {
        await this.client.appendToStream(STORE_IDENTITY_STREAM, jsonEvent({ id: randomUUID(), type: '$cc-store-identified', data: { storeId: randomUUID() } }), { streamState: NO_STREAM });
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw this.mapError(err);
      }
      first = await read();
    }
    const id = (first?.data as { storeId?: unknown } | undefined)?.storeId;
    if (typeof id !== 'string') throw new UnavailableError(`${this.description} has no readable store identity in ${STORE_IDENTITY_STREAM}`);
    return id;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.abort();
    await this.client.dispose();
  }

  /** Follows $all; when the connection drops, subscribes again after the last delivered position. */
  private async *follow({ after, signal }: SubscribeToAllOptions): AsyncGenerator<RecordedEvent> {
    let last = after;
    if (last !== undefined) parsePosition(last); // fail fast on a foreign position
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort);
    this.subscriptions.add(stop);
    try {
      while (!stop.signal.aborted && !signal?.aborted && !this.closed) {
        const subscription = this.client.subscribeToAll({ fromPosition: last === undefined ? START : parsePosition(last), filter: excludeSystemEvents() });
        const unsubscribe = () => void subscription.unsubscribe().catch(() => undefined);
        stop.signal.addEventListener('abort', unsubscribe);
        try {
          for await (const resolved of subscription) {
            if (stop.signal.aborted) return;
            const event = toRecordedEvent(resolved);
            if (!event || event.position === last) continue;
            last = event.position;
            yield event;
          }
        } catch (err) {
          if (stop.signal.aborted) return;
          const mapped = this.mapError(err);
          if (!(mapped instanceof UnavailableError)) throw mapped;
        } finally {
          stop.signal.removeEventListener('abort', unsubscribe);
          unsubscribe();
        }
        // Dropped (server restart, leader change): pause, then resume after `last`.
        if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_PAUSE_MS));
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      this.subscriptions.delete(stop);
    }
  }

  /** After WrongExpectedVersion: is this batch already stored at the stream's end (a retry)? */
  private async findStoredBatch(streamId: string, batch: SerialisedEvent[]): Promise<AppendResult | undefined> {
    const ids = new Set(batch.map((e) => e.id));
    // A retry usually comes soon after the original: look back a bounded window.
    const tail = await this.readStream(streamId, { direction: 'backwards', maxCount: Math.max(1_000, batch.length) });
    const stored = tail.filter((e) => ids.has(e.id.toLowerCase()));
    if (stored.length === 0) return undefined;
    if (stored.length < batch.length) {
      throw new ValidationError('events', `the batch mixes ${stored.length} already stored event id(s) with ${batch.length - stored.length} new one(s)`);
    }
    const last = stored[0]!; // read backwards: the highest revision comes first
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private async positionOf(streamId: string, revision: number): Promise<string> {
    const [event] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new UnavailableError(`${this.description} did not return the event just appended to ${streamId}`);
    return event.position;
  }

  private mapError(err: unknown): Error {
    if (err instanceof KurrentUnavailableError || err instanceof DeadlineExceededError || err instanceof TimeoutError || err instanceof NotLeaderError || err instanceof CancelledError) {
      return new UnavailableError(`${this.description} is unavailable (${err.message})`, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

const describeState = (state: CurrentStreamState): string => (typeof state === 'bigint' && state >= 0n ? state.toString() : 'no_stream');

const formatPosition = (p: Position): string => `${p.commit}/${p.prepare}`;

function parsePosition(position: string): Position {
  const match = typeof position === 'string' ? POSITION.exec(position) : null;
  if (!match) throw new ValidationError('after', `not a KurrentDB position ("<commit>/<prepare>"): ${JSON.stringify(position)}`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined; // a link to a deleted event
  // Servers before 22.6 return no per-event position; the commit position is then the best resume point.
  const position = event.position ? formatPosition(event.position) : `${resolved.commitPosition ?? 0n}/${resolved.commitPosition ?? 0n}`;
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: stringValues(event.metadata),
    streamId: event.streamId,
    revision: Number(event.revision),
    position,
    recordedAt: event.created,
  };
}

/** Metadata written by other tools may hold non-string values or bytes: keep what fits the port. */
function stringValues(metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || metadata instanceof Uint8Array) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return out;
}
