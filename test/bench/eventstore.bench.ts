/**
 * Event store benchmark on a fresh PostgreSQL database (test/support/postgres.ts):
 * 1. single-event appends through the PostgreSQL adapter, WRITERS concurrent
 *    writers over many streams, each at its exact expected revision;
 * 2. raw single-row INSERTs into a plain table of the same shape (same
 *    columns and indexes, no concurrency or id check), same concurrency;
 * 3. the cost of the sequence-gap fix: raw INSERTs without the transaction
 *    id column and its index, and reading the log with the snapshot horizon
 *    and (transaction id, position) order vs plain `position > n` paging;
 * 4. loading a 10,000-event conversation through the conversation
 *    repository, folding every event vs starting from a snapshot.
 * Prints a table, then as its very last line one JSON object.
 *   npx tsx test/bench/eventstore.bench.ts
 */
import { createPostgresEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql } from '@contactcenter/infra/sql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { freshPostgresDatabase } from '../support/postgres';
import { measureConversationLoad } from './conversationLoad';
import { emptySample, rateOf, timed, type Sample } from './support/closedLoop';
import { percentile } from './support/percentile';
import { rawEventTable } from './support/rawBaselines';

const WRITERS = 8;
const STREAMS_PER_WRITER = 250;
/** Phases alternate in short rounds, so that drift on a shared machine hits them alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = { append: 2_000, raw: 1_600, rawNoXid: 1_000 };
const PAGE = 500;

type Phase = Sample & { name: string };

const emptyPhase = (name: string): Phase => ({ name, ...emptySample() });

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const percentDelta = (a: number, b: number) => `${round(Math.abs(1 - a / b) * 100, 1)}% ${a <= b ? 'slower' : 'faster'}`;

const payload = (w: number, i: number) => ({
  data: { messageId: randomUUID(), authorKind: 'VISITOR', text: `message ${i} from writer ${w}: hello, I need help with my order`, sentAt: new Date().toISOString() },
  metadata: { tenant: 'bench-tenant', actor: `visitor-${w}`, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
});

type Op = (writer: number, i: number) => Promise<unknown>;

function appendOp(store: EventStore): Op {
  // Each writer owns its streams, so every append states the exact revision it expects, as a command handler does.
  const revisions = new Map<string, number>();
  let round = 0;
  return async (w: number, i: number) => {
    if (w === 0 && i === 0) round++;
    const stream = `bench-${w}-${(i + round * 97) % STREAMS_PER_WRITER}`;
    const { data, metadata } = payload(w, i);
    const expected = revisions.get(stream);
    const { nextExpectedRevision } = await store.appendToStream(stream, [{ id: randomUUID(), type: 'MessagePosted', data, metadata }], {
      expectedRevision: expected ?? 'no_stream',
    });
    revisions.set(stream, nextExpectedRevision);
  };
}

async function rawInsertOp(pool: pg.Pool, table: string, withXid: boolean): Promise<Op> {
  const insert = await rawEventTable(pool, table, { withXid });
  const revisions = new Map<string, number>();
  let round = 0;
  return async (w: number, i: number) => {
    if (w === 0 && i === 0) round++;
    const stream = `raw-${w}-${(i + round * 97) % STREAMS_PER_WRITER}`;
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const { data, metadata } = payload(w, i);
    await insert({ streamId: stream, revision, eventId: randomUUID(), type: 'MessagePosted', data, metadata });
  };
}

/** Reads the whole log page by page; returns events per second. */
async function benchLogReads(store: EventStore, pool: pg.Pool): Promise<{ adapter: number; plain: number; events: number }> {
  let t0 = performance.now();
  let events = 0;
  for (let after: string | undefined; ; ) {
    const page = await store.readAll({ after, maxCount: PAGE });
    events += page.length;
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.position;
  }
  const adapter = events / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  let plainEvents = 0;
  for (let after = '0'; ; ) {
    const { rows } = await pool.query(
      `SELECT event_id::text AS id, type, data, metadata, stream_id, revision::text AS revision, position::text AS position, recorded_at
       FROM es_events e WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
      [after, PAGE],
    );
    plainEvents += rows.length;
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].position;
  }
  return { adapter, plain: plainEvents / ((performance.now() - t0) / 1000), events };
}

async function main() {
  const db = await freshPostgresDatabase();
  const store = await createPostgresEventStore(db.url, { poolSize: WRITERS });
  const pool = new pg.Pool({ connectionString: db.url, max: WRITERS });
  pool.on('error', () => undefined); // connections cut when the database is dropped at the end
  try {
    const server = (await pool.query('SHOW server_version')).rows[0].server_version as string;
    const fsync = (await pool.query('SHOW fsync')).rows[0].fsync as string;
    const ops = {
      append: appendOp(store),
      raw: await rawInsertOp(pool, 'bench_raw_events', true),
      rawNoXid: await rawInsertOp(pool, 'bench_raw_events_no_xid', false),
    };
    for (const op of Object.values(ops)) await timed(emptySample(), WRITERS, 400, op);
    const append = emptyPhase('adapter appendToStream (1 event)');
    const raw = emptyPhase('raw INSERT, same table shape');
    const noXid = emptyPhase('raw INSERT, no transaction_id column/index');
    for (let round = 0; round < ROUNDS; round++) {
      await timed(append, WRITERS, ROUND_MS.append, ops.append);
      await timed(raw, WRITERS, ROUND_MS.raw, ops.raw);
      await timed(noXid, WRITERS, ROUND_MS.rawNoXid, ops.rawNoXid);
    }
    const reads = await benchLogReads(store, pool);
    const readModels = await connectSql(db.url);
    const load = await measureConversationLoad(store, readModels).finally(() => readModels.close());

    const rate = rateOf;
    const rows = [append, raw, noXid].map((p) => {
      const sorted = [...p.latenciesMs].sort((a, b) => a - b);
      return { phase: p.name, ops: p.ops, 'ops/s': round(rate(p), 0), 'p50 ms': round(percentile(sorted, 50)), 'p99 ms': round(percentile(sorted, 99)) };
    });
    process.stdout.write(`\nevent store benchmark: PostgreSQL ${server} (fsync=${fsync}), ${WRITERS} concurrent writers, ${WRITERS * STREAMS_PER_WRITER} streams\n`);
    console.table(rows);
    console.table([
      { 'sequence-gap fix cost': 'raw inserts/s with xid column+index vs without', value: `${round(rate(raw), 0)} vs ${round(rate(noXid), 0)} (${percentDelta(rate(raw), rate(noXid))})` },
      { 'sequence-gap fix cost': `readAll events/s (horizon + xid order, ${PAGE}/page) vs plain position paging`, value: `${round(reads.adapter, 0)} vs ${round(reads.plain, 0)} (${percentDelta(reads.adapter, reads.plain)}) over ${reads.events} events` },
      { 'sequence-gap fix cost': `load a ${load.events}-event conversation: no snapshot vs snapshot (median of 5)`, value: `${round(load.withoutSnapshotMs, 1)} ms vs ${round(load.withSnapshotMs, 1)} ms` },
    ]);
    const appendSorted = [...append.latenciesMs].sort((a, b) => a - b);
    const summary = {
      appends_per_s: round(rate(append), 1),
      append_p50_ms: round(percentile(appendSorted, 50), 3),
      append_p99_ms: round(percentile(appendSorted, 99), 3),
      raw_inserts_per_s: round(rate(raw), 1),
      append_ratio_vs_raw: round(rate(append) / rate(raw), 3),
      load_10k_no_snapshot_ms: round(load.withoutSnapshotMs, 1),
      load_10k_with_snapshot_ms: round(load.withSnapshotMs, 1),
    };
    await Promise.all([store.close(), pool.end()]);
    await db.stop();
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } catch (err) {
    await Promise.allSettled([store.close(), pool.end()]);
    await db.stop().catch(() => undefined);
    throw err;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
