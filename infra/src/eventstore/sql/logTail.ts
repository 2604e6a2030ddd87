import type { EventRow } from './statements';

/** Where a reader of the log stands: the transaction id and position of the last row it read (see statements.ts). */
export type Cursor = { transactionId: string; position: string };

/** A live subscription's look at the log: the rows after its cursor, and whether committed rows after them are held back. */
export type Page = { rows: EventRow[]; held: boolean };

/** Rows kept at most; past it the older half is dropped. */
const MAX_ROWS = 4_000;

/**
 * The end of the log as the live subscriptions of one store last read it,
 * so that each page is read from the database once, not once per
 * subscription. A conversation replica follows the log twice (its relay and
 * its read-model projector): both read every append, each after its own
 * notification, and under load those reads were a third of the service's
 * statements, every row fetched and parsed twice.
 *
 * It holds a contiguous run of the log: the rows read after `start`, in log
 * order. A page read after the run's end extends it; one read after a
 * subscription far behind or ahead leaves it alone, unless that page reaches
 * further along the log, then it starts a new run. The log's readable prefix
 * only grows at its end (statements.ts), so rows kept here are exactly what
 * the database would return after any cursor inside the run.
 */
export class LogTail {
  private rows: EventRow[] = [];
  /** position -> index in `rows`. */
  private index = new Map<string, number>();
  /** The cursor just before `rows[0]`; undefined: the start of the log; null: nothing kept. */
  private start: Cursor | undefined | null = null;
  /** Whether the read that gave the run its end found rows held back after it. */
  private heldAtEnd = false;

  /**
   * The kept rows after `cursor` (at most `limit`), or undefined when the run
   * does not reach past it: the caller reads the database. `held` is the flag
   * of the read that ended the run when the page reaches its end.
   */
  after(cursor: Cursor | undefined, limit: number): Page | undefined {
    const from = this.indexAfter(cursor);
    if (from === undefined || from >= this.rows.length) return undefined;
    const rows = this.rows.slice(from, from + limit);
    return { rows, held: from + rows.length === this.rows.length ? this.heldAtEnd : false };
  }

  /** A page read from the database after `cursor`: kept when it continues the run, or when it reaches further than the run. */
  keep(cursor: Cursor | undefined, page: Page): void {
    const continuesRun = this.start !== null && this.indexAfter(cursor) === this.rows.length;
    if (!continuesRun) {
      const last = page.rows[page.rows.length - 1];
      const end = this.rows[this.rows.length - 1];
      if (!last || (end && !isLater(last, end))) return;
      this.rows = [];
      this.index.clear();
      this.start = cursor;
    }
    for (const row of page.rows) this.push(row);
    this.heldAtEnd = page.held;
    this.trim();
  }

  /** Index in `rows` of the first row after `cursor`; undefined when the run does not hold `cursor`. */
  private indexAfter(cursor: Cursor | undefined): number | undefined {
    if (this.start === null) return undefined;
    if (cursor === undefined) return this.start === undefined ? 0 : undefined;
    if (this.start && this.start.position === cursor.position && this.start.transactionId === cursor.transactionId) return 0;
    const at = this.index.get(cursor.position);
    if (at === undefined || this.rows[at]!.transaction_id !== cursor.transactionId) return undefined;
    return at + 1;
  }

  private push(row: EventRow): void {
    this.index.set(row.position, this.rows.length);
    this.rows.push(row);
  }

  private trim(): void {
    if (this.rows.length <= MAX_ROWS) return;
    const dropped = this.rows.splice(0, this.rows.length - MAX_ROWS / 2);
    const last = dropped[dropped.length - 1]!;
    this.start = { transactionId: last.transaction_id, position: last.position };
    this.index.clear();
    this.rows.forEach((row, i) => this.index.set(row.position, i));
  }
}

/** Whether row `a` comes after row `b` in log order (transaction id, then position). */
function isLater(a: EventRow, b: EventRow): boolean {
  const ta = BigInt(a.transaction_id);
  const tb = BigInt(b.transaction_id);
  return ta > tb || (ta === tb && BigInt(a.position) > BigInt(b.position));
}
