import { LogTail, type Cursor } from './logTail';
import type { EventRow } from './statements';

/** Row n of a log where every row has its own transaction (transaction id = position = n). */
const row = (n: number): EventRow => ({ id: `e-${n}`, type: 'Noted', data: {}, metadata: {}, stream_id: `s-${n}`, revision: '0', position: String(n), transaction_id: String(n), recorded_at: new Date(0) });
const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => row(from + i));
const at = (n: number): Cursor => ({ transactionId: String(n), position: String(n) });
const positions = (page: { rows: EventRow[] } | undefined) => page?.rows.map((r) => Number(r.position));

describe('LogTail', () => {
  it('hands out what was read after any cursor inside its run, up to the limit, with the held flag of the read that ended it', () => {
    const tail = new LogTail();
    tail.keep(undefined, { rows: rows(1, 5), held: false });
    tail.keep(at(5), { rows: rows(6, 8), held: true });
    expect(positions(tail.after(undefined, 100))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tail.after(at(2), 3)).toEqual({ rows: rows(3, 5), held: false }); // not its end: nothing is held back there
    expect(tail.after(at(5), 100)).toEqual({ rows: rows(6, 8), held: true });
    expect(tail.after(at(8), 100)).toBeUndefined(); // at the end: the caller reads the database
    expect(tail.after(at(42), 100)).toBeUndefined(); // not in the run
    expect(tail.after({ transactionId: '99', position: '3' }, 100)).toBeUndefined(); // same position, another transaction: not this log's row
  });

  it('keeps a page read elsewhere only when it reaches further along the log than the run', () => {
    const tail = new LogTail();
    tail.keep(at(10), { rows: rows(11, 20), held: false });
    tail.keep(at(2), { rows: rows(3, 7), held: false }); // a subscription far behind: the run stays
    expect(positions(tail.after(at(10), 100))).toEqual(rows(11, 20).map((r) => Number(r.position)));
    expect(tail.after(at(2), 100)).toBeUndefined();
    tail.keep(at(30), { rows: rows(31, 33), held: false }); // further along: a new run starts there
    expect(positions(tail.after(at(30), 100))).toEqual([31, 32, 33]);
    expect(tail.after(at(15), 100)).toBeUndefined();
    tail.keep(at(40), { rows: [], held: true }); // an empty page elsewhere changes nothing
    expect(positions(tail.after(at(30), 100))).toEqual([31, 32, 33]);
  });

  it('drops the older half past its bound, and still serves the newer rows', () => {
    const tail = new LogTail();
    tail.keep(undefined, { rows: rows(1, 4_000), held: false });
    tail.keep(at(4_000), { rows: rows(4_001, 4_001), held: false });
    expect(tail.after(at(100), 10)).toBeUndefined();
    expect(tail.after(undefined, 10)).toBeUndefined();
    expect(positions(tail.after(at(2_001), 2))).toEqual([2_002, 2_003]);
    expect(positions(tail.after(at(4_000), 10))).toEqual([4_001]);
  });
});
