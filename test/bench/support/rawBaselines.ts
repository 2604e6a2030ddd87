/**
 * The raw operations the benchmarks measure the product against, on the
 * same servers: a NATS request/reply to an echo responder, and single-row
 * INSERTs into a fresh table of the event store's shape.
 */
import { connect } from '@nats-io/transport-node';
import type pg from 'pg';

/** An echo responder on `subject` and a requester, each on its own connection. */
export async function natsEcho(natsUrl: string, subject: string): Promise<{ request(payload: Uint8Array): Promise<unknown>; close(): Promise<void> }> {
  const responder = await connect({ servers: natsUrl, name: `${subject}-responder` });
  const requester = await connect({ servers: natsUrl, name: `${subject}-requester` });
  responder.subscribe(subject, { callback: (_err, msg) => void msg.respond(msg.data) });
  await responder.flush();
  return {
    request: (payload) => requester.request(subject, payload, { timeout: 10_000 }),
    close: async () => void (await Promise.allSettled([responder.close(), requester.close()])),
  };
}

/**
 * Creates `table` in the event store's row shape (see infra/src/eventstore/sql),
 * optionally without the transaction id column and its index (what the gap
 * fix costs), and returns a prepared single-row INSERT into it.
 */
export async function rawEventTable(
  pool: pg.Pool,
  table: string,
  options: { withXid?: boolean } = {},
): Promise<(row: { streamId: string; revision: number; eventId: string; type: string; data: unknown; metadata: unknown }) => Promise<unknown>> {
  const withXid = options.withXid ?? true;
  await pool.query(`CREATE TABLE ${table} (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ${withXid ? 'transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),' : ''}
    stream_id text NOT NULL, revision bigint NOT NULL CHECK (revision >= 0), event_id uuid NOT NULL UNIQUE,
    type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, revision))`);
  if (withXid) await pool.query(`CREATE INDEX ON ${table} (transaction_id, position)`);
  // Prepared (named), as the adapter's statements are: the comparison is then about the SQL, not parsing.
  return (row) =>
    pool.query({
      name: `insert_${table}`,
      text: `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
      values: [row.streamId, row.revision, row.eventId, row.type, JSON.stringify(row.data), JSON.stringify(row.metadata)],
    });
}
