/**
 * Group commit on real PostgreSQL: appends to different streams that wait
 * behind a statement in flight go together in the next one, and each still
 * gets exactly what it would have got alone: its own revisions, its own
 * refusal, its original result on a retry, and no lost or doubled event when
 * two stores race on the same streams.
 */
import { randomUUID } from 'node:crypto';
import { freshPostgresDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { ConcurrencyError, ValidationError } from '../../errors';
import type { EventStore, EventToAppend } from '../eventStore';
import { connectPostgres } from '../postgres';
import { migrateSchema } from './migration';
import { SqlEventStore } from './sqlEventStore';
import type { SqlRunner } from './sqlRunner';
import * as sql from './statements';

jest.setTimeout(60_000);

let db: TestDatabase;
const runners: SqlRunner[] = [];
beforeAll(async () => {
  db = await freshPostgresDatabase();
  const first = await connectPostgres(db.url, 4);
  await migrateSchema(first);
  await first.close();
});
afterAll(async () => {
  for (const r of runners) await r.close();
  await db?.stop();
});

/** A store over its own pool, counting the append statements it sends. */
async function countingStore(limits = { concurrent: 1, streams: 64, events: 512, maxWaitMs: 1_000 }): Promise<{ store: EventStore; statements: { single: number; many: number; streamsPerMany: number[] } }> {
  const runner = await connectPostgres(db.url, 4);
  runners.push(runner);
  const statements = { single: 0, many: 0, streamsPerMany: [] as number[] };
  const counted: SqlRunner = {
    description: runner.description,
    query: (text, params) => {
      if (text === sql.APPEND) statements.single++;
      if (text === sql.APPEND_MANY) {
        statements.many++;
        statements.streamsPerMany.push((params![0] as string[]).length);
      }
      return runner.query(text, params);
    },
    transaction: (fn) => runner.transaction(fn),
    close: () => Promise.resolve(),
  };
  return { store: new SqlEventStore(counted, { appendBatching: limits }), statements };
}

const event = (data: object = {}): EventToAppend => ({ id: randomUUID(), type: 'Tested', data });
const stream = (name: string) => `batch-${name}-${randomUUID()}`;

it('appends to 40 streams arriving together go in a few statements, each with its own revisions', async () => {
  const { store, statements } = await countingStore();
  const streams = Array.from({ length: 40 }, (_, i) => stream(`s${i}`));
  const batches = streams.map((_, i) => Array.from({ length: 1 + (i % 3) }, (__, n) => event({ i, n })));
  const results = await Promise.all(streams.map((s, i) => store.appendToStream(s, batches[i]!, { expectedRevision: 'no_stream' })));

  results.forEach((r, i) => expect(r.nextExpectedRevision).toBe(batches[i]!.length - 1));
  for (const [i, s] of streams.entries()) {
    const read = await store.readStream(s);
    expect(read.map((e) => e.id)).toEqual(batches[i]!.map((e) => e.id));
    expect(read.map((e) => e.revision)).toEqual(batches[i]!.map((_, n) => n));
  }
  // The first goes alone at once; the 39 that waited behind it share the next statement.
  expect(statements.single + statements.many).toBeLessThanOrEqual(3);
  expect(Math.max(...statements.streamsPerMany)).toBeGreaterThanOrEqual(30);
  // Positions: one transaction per statement, and each append's result names its own last event.
  expect(new Set(results.map((r) => r.position)).size).toBe(40);
});

it("a stream whose expectation fails is refused alone; the others in its statement are written", async () => {
  const { store, statements } = await countingStore();
  const existing = stream('exists');
  await store.appendToStream(existing, [event()]);
  const others = Array.from({ length: 10 }, (_, i) => stream(`ok${i}`));
  const [refused, ...written] = await Promise.allSettled([
    // Behind the first, so that it shares a statement with the ten below.
    store.appendToStream(stream('lead'), [event()]),
    store.appendToStream(existing, [event()], { expectedRevision: 'no_stream' }),
    ...others.map((s) => store.appendToStream(s, [event()], { expectedRevision: 'no_stream' })),
  ]).then(([lead, ...rest]) => (expect(lead.status).toBe('fulfilled'), rest));

  expect(refused.status).toBe('rejected');
  expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
  expect(written.every((r) => r.status === 'fulfilled')).toBe(true);
  for (const s of others) expect(await store.streamRevision(s)).toBe(0);
  expect(await store.streamRevision(existing)).toBe(0);
  expect(statements.many).toBeGreaterThanOrEqual(1);
});

it('a retried append inside a batch answers its original result and writes nothing twice', async () => {
  const { store, statements } = await countingStore();
  const s = stream('retry');
  const batch = [event({ n: 1 }), event({ n: 2 })];
  const first = await store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
  const manyBefore = statements.many;
  const [, again, ...rest] = await Promise.all([
    store.appendToStream(stream('lead'), [event()]),
    store.appendToStream(s, batch, { expectedRevision: 'no_stream' }),
    ...Array.from({ length: 5 }, (_, i) => store.appendToStream(stream(`r${i}`), [event()])),
  ]);
  expect(again).toEqual(first);
  expect(rest).toHaveLength(5);
  expect(statements.many).toBeGreaterThan(manyBefore);
  expect((await store.readStream(s)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
});

it('an append mixing stored and new ids is refused alone, naming the mix', async () => {
  const { store } = await countingStore();
  const s = stream('mixed');
  const stored = event();
  await store.appendToStream(s, [stored]);
  const other = stream('beside');
  const [mixed, beside] = await Promise.allSettled([
    store.appendToStream(s, [stored, event()]),
    store.appendToStream(other, [event()]),
    store.appendToStream(stream('lead'), [event()]),
  ]);
  expect((mixed as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
  expect(((mixed as PromiseRejectedResult).reason as Error).message).toMatch(/mixes 1 already stored event id\(s\) with 1 new one/);
  expect(beside.status).toBe('fulfilled');
  expect(await store.streamRevision(s)).toBe(0);
});

it('appends to one stream never share a statement: 20 at once take revisions 0–19 in turn', async () => {
  const { store } = await countingStore();
  const s = stream('same');
  const events = Array.from({ length: 20 }, (_, i) => event({ i }));
  const results = await Promise.all(events.map((e) => store.appendToStream(s, [e])));
  expect(results.map((r) => r.nextExpectedRevision).sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
  expect((await store.readStream(s)).map((e) => e.revision)).toEqual(events.map((_, i) => i));
});

it('two stores racing on the same 12 streams (lost races inside a statement are retried alone): every event once, revisions without a gap', async () => {
  const a = await countingStore({ concurrent: 2, streams: 64, events: 512, maxWaitMs: 20 });
  const b = await countingStore({ concurrent: 2, streams: 64, events: 512, maxWaitMs: 20 });
  const streams = Array.from({ length: 12 }, (_, i) => stream(`race${i}`));
  const written = new Map<string, string[]>(streams.map((s) => [s, []]));
  const writer = async (store: EventStore, w: number) => {
    for (let i = 0; i < 30; i++) {
      const s = streams[(w * 7 + i * 5) % streams.length]!;
      const e = event({ w, i });
      await store.appendToStream(s, [e]);
      written.get(s)!.push(e.id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w % 2 === 0 ? a.store : b.store, w)));

  for (const s of streams) {
    const read = await a.store.readStream(s);
    expect(read.map((e) => e.revision)).toEqual(read.map((_, i) => i));
    expect(new Set(read.map((e) => e.id))).toEqual(new Set(written.get(s)));
    expect(read).toHaveLength(written.get(s)!.length);
  }
  expect(a.statements.many + b.statements.many).toBeGreaterThan(0);
});

it('a statement that hangs holds later appends back no longer than maxWaitMs', async () => {
  const runner = await connectPostgres(db.url, 4);
  runners.push(runner);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  const stuck: SqlRunner = {
    description: runner.description,
    // The first append statement waits until released: a connection stuck mid-statement.
    query: async (text, params) => {
      if (first && (text === sql.APPEND || text === sql.APPEND_MANY)) {
        first = false;
        await held;
      }
      return runner.query(text, params);
    },
    transaction: (fn) => runner.transaction(fn),
    close: () => Promise.resolve(),
  };
  const store = new SqlEventStore(stuck, { appendBatching: { concurrent: 1, streams: 64, events: 512, maxWaitMs: 30 } });
  const slow = store.appendToStream(stream('stuck'), [event()]);
  // Its statement goes at the end of this turn of the event loop (appends of the same turn would share it).
  while (first) await new Promise((r) => setImmediate(r));
  // These complete while the stuck statement still holds its slot (it is released only below).
  const others = await Promise.all(Array.from({ length: 5 }, (_, i) => store.appendToStream(stream(`free${i}`), [event()])));
  expect(others.every((r) => r.nextExpectedRevision === 0)).toBe(true);
  release();
  expect((await slow).nextExpectedRevision).toBe(0);
});
