import { ConcurrencyError, UnavailableError, ValidationError } from '../../errors';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeToAllOptions } from '../eventStore';
import { describeHead, expectationHolds, validateAppend, validateMaxCount, validateReadStream, type SerialisedEvent } from '../validation';
import { isLostRace, mapDriverError, type SqlRunner } from './sqlRunner';
import type { AppendNotifications } from './appendNotifications';
import { AppendBatches, DEFAULT_APPEND_BATCH_LIMITS, type AppendBatchLimits, type AppendedRow } from './appendBatches';
import { LogTail, type Cursor, type Page } from './logTail';
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
  /**
   * Group commit (AppendBatches): appends to different streams that wait
   * behind `concurrent` statements in flight go together in the next one.
   * `false` sends every append as its own statement. Off with `beforeCommit`.
   */
  appendBatching?: AppendBatchLimits | false;
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

type FollowRow = { [K in keyof sql.EventRow]: sql.EventRow[K] | null } & { held: boolean };
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
  /** The live subscriptions' wake-ups, each told of every append made here or notified. */
  private readonly wakers = new Set<Wakeups>();
  /** position -> transaction id of rows recently handed out, so resuming readAll needs no lookup. */
  private readonly cursors = new Map<string, string>();
  private readonly batches: AppendBatches | undefined;
  /** The log's end as the live subscriptions read it: a page read for one serves the others (LogTail). */
  private readonly tail = new LogTail();
  /** Appends announced so far (wake): a read begun since the last one sees every append announced. */
  private announcements = 0;
  /** The live subscriptions' read in flight: another subscription at the same cursor waits for it instead of reading again. */
  private reading: { cursor: string; limit: number; announcements: number; page: Promise<Page> } | undefined;

  constructor(
    private readonly db: SqlRunner,
    private readonly options: SqlEventStoreOptions = {},
  ) {
    options.appendNotifications?.start((transactionId) => this.wake(transactionId));
    const batching = options.appendBatching ?? DEFAULT_APPEND_BATCH_LIMITS;
    if (batching && !options.beforeCommit) this.batches = new AppendBatches(db, batching);
  }

  async appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const batch = validateAppend(streamId, events, expected);
    let params: unknown[] | undefined;
    for (let attempt = 1; ; attempt++) {
      let rows: AppendedRow[];
      try {
        // The first attempt may share a statement with other streams' appends; a retry goes alone.
        rows = attempt === 1 && this.batches ? await this.batches.append(streamId, batch, expected) : await this.insert((params ??= sql.appendParams(streamId, batch, expected)));
      } catch (err) {
        // Lost a race (same revision or same id committed meanwhile): a fresh
        // attempt, in a fresh transaction, sees the winner and decides again.
        if (!isLostRace(err)) throw this.mapError(err);
        if (attempt >= MAX_APPEND_ATTEMPTS) throw new ConcurrencyError(streamId, String(expected), 'changed on every attempt', { cause: err });
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
        continue;
      }
      if (rows.length > 0) {
        this.wake(rows[0]!.transaction_id);
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
    this.rememberCursor(rows);
    return rows;
  }

  /** Catch-up and live in one loop: read a page after the cursor; when short, wait for a local append or the poll interval. */
  private async *follow({ after, signal }: SubscribeToAllOptions): AsyncGenerator<RecordedEvent> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort);
    this.subscriptions.add(stop);
    const poll = this.options.pollIntervalMs ?? DEFAULT_POLL;
    let wakeups: Wakeups | undefined;
    try {
      if (signal?.aborted || this.closed) return;
      let cursor = after === undefined ? undefined : await this.cursorOf(after);
      let idle = poll.min;
      let failures = 0;
      wakeups = new Wakeups();
      if (cursor) wakeups.read(cursor.transactionId);
      this.wakers.add(wakeups);
      /** The pause before the next look while rows are held back (0: none are). */
      let heldBackWait = 0;
      while (!stop.signal.aborted) {
        // Rows another subscription already read are taken as they are: what was announced meanwhile stays unread (no `looking`).
        let page = this.tail.after(cursor, SUBSCRIPTION_BATCH);
        try {
          if (!page) {
            wakeups.looking();
            page = await this.readPage(cursor, SUBSCRIPTION_BATCH);
          }
          failures = 0;
        } catch (err) {
          if (stop.signal.aborted) return;
          // The database is briefly out of reach (restart, failover): keep following once it is back.
          if (!(err instanceof UnavailableError)) throw err;
          failures++;
          await wakeups.wait(Math.min(MAX_RETRY_PAUSE_MS, 50 * 2 ** failures), stop.signal);
          continue;
        }
        const { rows, held } = page;
        if (rows.length > 0) wakeups.read(rows[rows.length - 1]!.transaction_id);
        for (const row of rows) {
          cursor = { transactionId: row.transaction_id, position: row.position };
          yield toRecordedEvent(row);
          if (stop.signal.aborted) return;
        }
        if (rows.length === SUBSCRIPTION_BATCH) continue;
        idle = rows.length > 0 ? poll.min : idle;
        // Committed rows still held back by an older open transaction: look again within a few milliseconds,
        // doubling, rather than wait for the next announcement or poll (no announcement says that transaction ended).
        heldBackWait = held ? Math.min(heldBackWait * 2 || 1, poll.max, HELD_BACK_MAX_WAIT_MS) : 0;
        // An append while the page was being read may not be in it: read again at once rather than wait.
        const woken = wakeups.unread() || (await wakeups.wait(held ? heldBackWait : idle, stop.signal));
        const maxIdle = this.options.appendNotifications?.listening ? Math.max(poll.max, NOTIFIED_POLL_MAX_MS) : poll.max;
        // The idle backoff is about an empty log, not about rows waiting for a transaction: it stays as it was.
        if (!held) idle = woken ? poll.min : Math.min(maxIdle, idle * 2);
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      this.subscriptions.delete(stop);
      if (wakeups) this.wakers.delete(wakeups);
    }
  }

  /**
   * A live subscription's look: the page after `cursor`, and whether committed
   * rows after it are held back (FOLLOW_PAGE_AFTER). A read of the same page
   * already in flight is shared when nothing was announced since it began (so
   * it sees all that the caller was told of); what it finds is kept for the
   * subscriptions behind (LogTail).
   */
  private readPage(cursor: Cursor | undefined, limit: number): Promise<Page> {
    const key = cursor ? `${cursor.transactionId}/${cursor.position}` : '';
    const shared = this.reading;
    if (shared && shared.cursor === key && shared.limit === limit && shared.announcements === this.announcements) return shared.page;
    const page = this.readPageFromDatabase(cursor, limit).then((found) => {
      this.tail.keep(cursor, found);
      return found;
    });
    const reading = (this.reading = { cursor: key, limit, announcements: this.announcements, page });
    const done = () => {
      if (this.reading === reading) this.reading = undefined;
    };
    page.then(done, done);
    return page;
  }

  private async readPageFromDatabase(cursor: Cursor | undefined, limit: number): Promise<Page> {
    const found = await this.query<FollowRow>(cursor ? sql.FOLLOW_PAGE_AFTER : sql.FOLLOW_PAGE_FROM_START, [cursor?.transactionId ?? null, cursor?.position ?? null, limit]);
    const held = found[0]?.held === true;
    const rows = (found[0]?.id == null ? [] : found) as sql.EventRow[];
    this.rememberCursor(rows);
    return { rows, held };
  }

  private rememberCursor(rows: sql.EventRow[]): void {
    const last = rows[rows.length - 1];
    if (!last) return;
    if (this.cursors.size >= 1_000) this.cursors.clear();
    this.cursors.set(last.position, last.transaction_id);
  }

  /** Tells every live subscription of an append (its transaction id when known; none: look in any case). */
  private wake(transactionId?: string): void {
    this.announcements++;
    for (const wakeups of [...this.wakers]) wakeups.announce(transactionId);
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

/**
 * One live subscription's wake-ups: whether an append it has not read was
 * announced since its last look began, and waiting for one. An append whose
 * transaction it has read past (its own notification coming back after the
 * local wake-up, or the other way round) is no reason to look again.
 */
class Wakeups {
  /** The highest transaction announced since the last look began; -1: none. */
  private latest = -1n;
  /** An append was announced without its transaction (an older database's notification, or closing). */
  private anyone = false;
  /** The transaction of the last row the subscription has read; -1: none. */
  private readTo = -1n;
  private woken: (() => void) | undefined;

  announce(transactionId: string | undefined): void {
    if (transactionId === undefined) this.anyone = true;
    else if (BigInt(transactionId) > this.latest) this.latest = BigInt(transactionId);
    if (this.unread()) this.woken?.();
  }

  /** A look begins: what was announced until now, it will see. */
  looking(): void {
    this.latest = -1n;
    this.anyone = false;
  }

  /** The look read up to this transaction. */
  read(transactionId: string): void {
    this.readTo = BigInt(transactionId);
  }

  /** Whether an append announced since the last look began may not be in it. */
  unread(): boolean {
    return this.anyone || this.latest > this.readTo;
  }

  /** Waits `ms`; resolves early (true) on an announcement of something unread, or when aborted (false). */
  wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.unread()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.woken = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.woken = () => done(true);
      signal.addEventListener('abort', onAbort);
    });
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
