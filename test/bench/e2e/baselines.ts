/**
 * What the pipeline is measured against, on the same servers as the stack:
 * NATS request/reply (a responder on the same server; one at a time for
 * p50/p99, 64 in flight for the rate) and raw single-row PostgreSQL INSERTs
 * into a fresh table of the event store's shape (one writer for p50/p99, 8
 * for the rate). `run` adds to the samples each time (before and after).
 */
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { emptySample, timed, type Sample } from './timedLoops';

export interface Baselines {
  natsSequential: Sample;
  natsConcurrent: Sample;
  pgSequential: Sample;
  pgConcurrent: Sample;
  run(): Promise<void>;
  close(): Promise<void>;
}

export async function baselines(natsUrl: string, dbUrl: string, tenant: string): Promise<Baselines> {
  const responder = await connect({ servers: natsUrl, name: 'e2e-bench-responder' });
  const requester = await connect({ servers: natsUrl, name: 'e2e-bench-requester' });
  responder.subscribe('bench.e2e.rr', { callback: (_err, msg) => void msg.respond(msg.data) });
  await responder.flush();
  // About a MessagePosted event's size.
  const payload = new TextEncoder().encode(JSON.stringify({ conversationId: randomUUID(), message: { text: 'Hello, this is message 1: where is my order?', authorKind: 'AUTHOR_KIND_CUSTOMER' }, padding: 'x'.repeat(400) }));
  const rr = () => requester.request('bench.e2e.rr', payload, { timeout: 10_000 });

  const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
  pool.on('error', () => undefined); // connections cut when the database is dropped at the end
  // The event store's table shape (as test/bench/eventstore.bench.ts), fresh, next to the real one.
  await pool.query(`CREATE TABLE bench_e2e_raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id text NOT NULL, revision bigint NOT NULL CHECK (revision >= 0), event_id uuid NOT NULL UNIQUE,
    type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, revision))`);
  await pool.query('CREATE INDEX ON bench_e2e_raw_events (transaction_id, position)');
  let n = 0;
  const insert = () =>
    pool.query({
      name: 'insert_bench_e2e_raw_events',
      text: 'INSERT INTO bench_e2e_raw_events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)',
      values: [`raw-${n}`, n++, randomUUID(), 'MessagePosted', JSON.stringify({ message: { text: 'Hello, this is message 1: where is my order?' } }), JSON.stringify({ tenant })],
    });
  const b: Baselines = {
    natsSequential: emptySample(),
    natsConcurrent: emptySample(),
    pgSequential: emptySample(),
    pgConcurrent: emptySample(),
    async run() {
      await timed(emptySample(), 8, 300, insert); // warm-up: connections, prepared statement
      await timed(emptySample(), 1, 300, rr);
      await timed(b.natsSequential, 1, 2_000, rr);
      await timed(b.natsConcurrent, 64, 1_500, rr);
      await timed(b.pgSequential, 1, 2_000, insert);
      await timed(b.pgConcurrent, 8, 2_000, insert);
    },
    async close() {
      await Promise.allSettled([responder.close(), requester.close(), pool.end()]);
    },
  };
  return b;
}
