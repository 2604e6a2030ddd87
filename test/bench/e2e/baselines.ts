/**
 * What the pipeline is measured against, on the same servers as the stack:
 * NATS request/reply (a responder on the same server; one at a time for
 * p50/p99, 64 in flight for the rate) and raw single-row PostgreSQL INSERTs
 * into a fresh table of the event store's shape (one writer for p50/p99, 8
 * for the rate). Both also one call at a time at the steady load's pacing
 * (`pacingMs` apart), where the servers may go idle between calls as the
 * pipeline's processes do between messages. `run` adds to the samples each
 * time (before and after).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { emptySample, paced, timed, type Sample } from '../support/closedLoop';
import { natsEcho, rawEventTable } from '../support/rawBaselines';

export interface Baselines {
  natsSequential: Sample;
  natsConcurrent: Sample;
  pgSequential: Sample;
  pgConcurrent: Sample;
  natsPaced: Sample;
  pgPaced: Sample;
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Calls per paced sample, per run. */
const PACED_CALLS = 120;

export async function baselines(natsUrl: string, dbUrl: string, tenant: string, pacingMs: number): Promise<Baselines> {
  const echo = await natsEcho(natsUrl, 'bench.e2e.rr');
  // About a MessagePosted event's size.
  const payload = new TextEncoder().encode(JSON.stringify({ conversationId: randomUUID(), message: { text: 'Hello, this is message 1: where is my order?', authorKind: 'AUTHOR_KIND_CUSTOMER' }, padding: 'x'.repeat(400) }));
  const rr = () => echo.request(payload);

  const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
  pool.on('error', () => undefined); // connections cut when the database is dropped at the end
  // Fresh, next to the real event store.
  const insertRow = await rawEventTable(pool, 'bench_e2e_raw_events');
  let n = 0;
  const insert = () =>
    insertRow({ streamId: `raw-${n}`, revision: n++, eventId: randomUUID(), type: 'MessagePosted', data: { message: { text: 'Hello, this is message 1: where is my order?' } }, metadata: { tenant } });
  const b: Baselines = {
    natsSequential: emptySample(),
    natsConcurrent: emptySample(),
    pgSequential: emptySample(),
    pgConcurrent: emptySample(),
    natsPaced: emptySample(),
    pgPaced: emptySample(),
    async run() {
      await timed(emptySample(), 8, 300, insert); // warm-up: connections, prepared statement
      await timed(emptySample(), 1, 300, rr);
      await timed(b.natsSequential, 1, 2_000, rr);
      await timed(b.natsConcurrent, 64, 1_500, rr);
      await timed(b.pgSequential, 1, 2_000, insert);
      await timed(b.pgConcurrent, 8, 2_000, insert);
      await paced(b.natsPaced, PACED_CALLS, pacingMs, rr);
      await paced(b.pgPaced, PACED_CALLS, pacingMs, insert);
    },
    async close() {
      await Promise.allSettled([echo.close(), pool.end()]);
    },
  };
  return b;
}
