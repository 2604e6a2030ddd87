import { ConcurrencyError, UnavailableError, ValidationError } from '../../errors';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeToAllOptions } from '../eventStore';
import { describeHead, expectationHolds, validateAppend, validateMaxCount, validateReadStream, type SerialisedEvent } from '../validation';
import { isLostRace, mapDriverError, type SqlRunner } from './sqlRunner';
import type { AppendNotifications } from './appendNotifications';
import * as sql from './statements';

export interface SqlEventStoreOptions {
  /**
   * Test hook: runs inside every append transaction, after the INSERT and
   * before COMMIT. A random sleep here makes commits finish out of position
   * order, which is what the contract suite needs to prove gap safety.
   */
  beforeCommit?: () => Promise<void>;
  /** Live subscriptions poll: `min` ms right after activity, doubling up to `max` ms while idle. */
  pollIntervalMs?: { min: number; max: number };
  /**
   * Appends by other processes, pushed (PostgreSQL LISTEN): subscriptions wake on each, and
   * while it is listening they poll only every `NOTIFIED_POLL_MAX_MS` as a fallback.
   */
  appendNotifications?: AppendNotifications;
}

/** While notifications arrive, polling is only the fallback for one lost in a reconnect. */
const NOTIFIED_POLL_MAX_MS = 1_000;
/** Rows held back by an older open transaction are looked for again at least this often, however slow the poll. */
const HELD_BACK_MAX_WAIT_MS = 250;

/** A writer that keeps losing races on one stream with expectedRevision 'any' gives up after this many attempts. */
const MAX_APPEND_ATTEMPTS = 50;
const SUBSCRIPTION_BATCH = 500;
const DEFAULT_POLL = { min: 20, max: 100 };
const MAX_RETRY_PAUSE_MS = 2_000;
/** Largest revision, as the upper bound of a backwards read from the end. */
const LAST_REVISION = Number.MAX_SAFE_INTEGER;

type Cursor = { transactionId: string; position: string };
type AppendedRow = { revision: string; position: string };
type StoredIdRow = { id: string; stream_id: string; revision: string; position: string };

/**
 * The EventStore over PostgreSQL's SQL (statements.ts), for any SqlRunner:
 * a `pg` pool or PGlite. Live subscriptions read the log when this instance
 * appends, when another process appends (with `appendNotifications`), and
 * otherwise on a poll.
 */
export class SqlEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<AbortController>();
  private readonly wakers = new Set<() => void>();
  /** Appends seen (made here or notified), so that a subscription knows whether one came while it was reading. */
  private appends = 0;
  /** position -> transaction id of rows recently handed out, so resuming readAll needs no lookup. */
  private readonly cursors = new Map<string, string>();

  constructor(
    private readonly db: SqlRunner,
    private readonly options: SqlEventStoreOptions = {},
  ) {
    options.appendNotifications?.start(() => this.wake());
  }

  async appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const batch = validateAppend(streamId, events, expected);
    const params = sql.appendParams(streamId, batch, expected);
    for (let attempt = 1; ; attempt++) {
      let rows: AppendedRow[];
      try {
        rows = await this.insert(params);
      } catch (err) {
        // Lost a race (same revision or same id committed meanwhile): a fresh
        // attempt, in a fresh transaction, sees the winner and decides again.
        if (!isLostRace(err)) throw this.mapError(err);
        if (attempt >= MAX_APPEND_ATTEMPTS) throw new ConcurrencyError(streamId, String(expected), 'changed on every attempt', { cause: err });
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
        continue;
      }
      if (rows.length > 0) {
        this.wake();
        return resultOf(rows);
      }
      const idempotent = await this.explainRejection(streamId, batch, expected);
      if (idempotent) return idempotent;
      // Nothing explains the rejection any more: the stream moved in between. Try again.
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const range = validateReadStream(streamId, options);
    if (range.maxCount === 0) return [];
    const rows =
      range.direction === 'forwards'
        ? await this.query<sql.EventRow>(sql.READ_STREAM_FORWARDS, [streamId, range.fromRevision ?? 0, range.maxCount ?? null])
        : await this.query<sql.EventRow>(sql.READ_STREAM_BACKWARDS, [streamId, range.fromRevision ?? LAST_REVISION, range.maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    validateReadStream(streamId);
    const [row] = await this.query<{ revision: string | null }>(sql.HEAD_REVISION, [streamId]);
    return row?.revision == null ? undefined : Number(row.revision);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    validateMaxCount(options.maxCount);
    if (options.maxCount === 0) return [];
    const cursor = options.after === undefined ? undefined : await this.cursorOf(options.after);
    return (await this.readLog(cursor, options.maxCount ?? null)).map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<RecordedEvent> {
    return this.follow(options);
  }

  async eventAt(position: string): Promise<RecordedEvent | undefined> {
    if (typeof position !== 'string' || !/^\d{1,19}$/.test(position)) throw new ValidationError('position', `not a position of this store: ${JSON.stringify(position)}`);
    const [row] = await this.query<sql.EventRow>(sql.EVENT_AT_POSITION, [position]);
    return row ? toRecordedEvent(row) : undefined;
  }

  async storeId(): Promise<string> {
    const [row] = await this.query<{ store_id: string }>(sql.STORE_ID, []);
    if (!row) throw new UnavailableError('the event store has no identity row (es_store): run the migration (npm run migrate)');
    return row.store_id;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.abort();
    this.wake();
    await this.options.appendNotifications?.stop();
    await this.db.close();
  }

  private insert(params: unknown[]): Promise<AppendedRow[]> {
    const hook = this.options.beforeCommit;
    if (!hook) return this.db.query<AppendedRow>(sql.APPEND, params);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<AppendedRow>(sql.APPEND, params);
      await hook();
      return rows;
    });
  }

  /** The append wrote nothing: an idempotent retry (returns its original result), a conflict or a misuse of ids (throw). */
  private async explainRejection(streamId: string, batch: SerialisedEvent[], expected: ExpectedRevision): Promise<AppendResult | undefined> {
    const [stored, [head]] = await Promise.all([
      this.query<StoredIdRow>(sql.STORED_IDS, [batch.map((e) => e.id)]),
      this.query<{ revision: string | null }>(sql.HEAD_REVISION, [streamId]),
    ]);
    if (stored.length > 0) {
      const elsewhere = stored.find((s) => s.stream_id !== streamId);
      if (elsewhere) throw new ValidationError('events', `event id ${elsewhere.id} is already stored in another stream`);
      if (stored.length < batch.length) {
        throw new ValidationError('events', `the batch mixes ${stored.length} already stored event id(s) with ${batch.length - stored.length} new one(s)`);
      }
      return resultOf(stored);
    }
    const revision = head?.revision == null ? undefined : Number(head.revision);
    if (!expectationHolds(expected, revision)) throw new ConcurrencyError(streamId, String(expected), describeHead(revision));
    return undefined;
  }

  private async cursorOf(after: string): Promise<Cursor> {
    if (typeof after !== 'string' || !/^\d{1,19}$/.test(after)) throw new ValidationError('after', `not a position of this store: ${JSON.stringify(after)}`);
    const known = this.cursors.get(after);
    if (known) return { transactionId: known, position: after };
    const [row] = await this.query<{ transaction_id: string }>(sql.TRANSACTION_OF_POSITION, [after]);
    if (!row) throw new ValidationError('after', `unknown position ${after}`);
    return { transactionId: row.transaction_id, position: after };
  }

  private async readLog(cursor: Cursor | undefined, limit: number | null): Promise<sql.EventRow[]> {
    const rows = cursor
      ? await this.query<sql.EventRow>(sql.READ_ALL_AFTER, [cursor.transactionId, cursor.position, limit])
      : await this.query<sql.EventRow>(sql.READ_ALL_FROM_START, [limit]);
    const last = rows[rows.length - 1];
    if (last) {
      if (this.cursors.size >= 1_000) this.cursors.clear();
      this.cursors.set(last.position, last.transaction_id);
    }
    return rows;
  }

  /** Catch-up and live in one loop: read a page after the cursor; when short, wait for a local append or the poll interval. */
  private async *follow({ after, signal }: SubscribeToAllOptions): AsyncGenerator<RecordedEvent> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort);
    this.subscriptions.add(stop);
    const poll = this.options.pollIntervalMs ?? DEFAULT_POLL;
    try {
      if (signal?.aborted || this.closed) return;
      let cursor = after === undefined ? undefined : await this.cursorOf(after);
      let idle = poll.min;
      let failures = 0;
      let readAt = this.appends;
      /** Appends announced up to this count were looked for and not found held back. */
      let checkedAt = -1;
      /** The pause before the next look while rows are held back (0: none are). */
      let heldBackWait = 0;
      while (!stop.signal.aborted) {
        let rows: sql.EventRow[];
        try {
          readAt = this.appends;
          rows = await this.readLog(cursor, SUBSCRIPTION_BATCH);
          failures = 0;
        } catch (err) {
          if (stop.signal.aborted) return;
          // The database is briefly out of reach (restart, failover): keep following once it is back.
          if (!(err instanceof UnavailableError)) throw err;
          failures++;
          await this.pause(Math.min(MAX_RETRY_PAUSE_MS, 50 * 2 ** failures), stop.signal);
          continue;
        }
        for (const row of rows) {
          cursor = { transactionId: row.transaction_id, position: row.position };
          yield toRecordedEvent(row);
          if (stop.signal.aborted) return;
        }
        if (rows.length === SUBSCRIPTION_BATCH) continue;
        idle = rows.length > 0 ? poll.min : idle;
        // An append was announced since the last look (made here or notified): if its rows, committed, are
        // still held back by an older open transaction, look again within a few milliseconds, doubling, rather
        // than wait for the next announcement or poll (no announcement says that transaction ended).
        const held = (heldBackWait > 0 || this.appends !== checkedAt) && (await this.heldBack(cursor));
        if (held) {
          heldBackWait = Math.min(heldBackWait * 2 || 1, poll.max, HELD_BACK_MAX_WAIT_MS);
        } else {
          heldBackWait = 0;
          checkedAt = readAt;
        }
        // An append while the page was being read may not be in it: read again at once rather than wait.
        const woken = this.appends !== readAt || (await this.pause(held ? heldBackWait : idle, stop.signal));
        const maxIdle = this.options.appendNotifications?.listening ? Math.max(poll.max, NOTIFIED_POLL_MAX_MS) : poll.max;
        // The idle backoff is about an empty log, not about rows waiting for a transaction: it stays as it was.
        if (!held) idle = woken ? poll.min : Math.min(maxIdle, idle * 2);
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      this.subscriptions.delete(stop);
    }
  }

  /** Whether committed rows after `cursor` wait for an older transaction to end (see HELD_BACK); false when the database cannot say. */
  private async heldBack(cursor: Cursor | undefined): Promise<boolean> {
    try {
      const [row] = await this.query<{ held: boolean }>(sql.HELD_BACK, [cursor?.transactionId ?? null, cursor?.position ?? null]);
      return row?.held === true;
    } catch {
      return false; // the next read will say what is wrong
    }
  }

  /** Waits `ms`; resolves early (true) when this instance appends, or when aborted. */
  private pause(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        signal.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.wakers.add(wake);
      signal.addEventListener('abort', onAbort);
    });
  }

  private wake(): void {
    this.appends++;
    for (const wake of [...this.wakers]) wake();
  }

  private async query<R>(text: string, params: unknown[]): Promise<R[]> {
    try {
      return await this.db.query<R>(text, params);
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private mapError(err: unknown): Error {
    return mapDriverError(err, this.db.description);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The result an append reports: its highest revision and that event's position. */
function resultOf(rows: { revision: string; position: string }[]): AppendResult {
  let last = rows[0]!;
  for (const row of rows) if (Number(row.revision) > Number(last.revision)) last = row;
  return { nextExpectedRevision: Number(last.revision), position: last.position };
}

function toRecordedEvent(row: sql.EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata ?? {},
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: row.position,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}
