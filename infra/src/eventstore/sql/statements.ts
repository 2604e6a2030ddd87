/**
 * The SQL shared by the PostgreSQL and PGlite adapters (PGlite is real
 * PostgreSQL compiled to WASM, so the same statements run on both).
 *
 * ## The sequence-gap problem, and why we order the log by transaction id
 *
 * A `bigserial`/identity position is taken when a row is inserted, but the row
 * becomes visible when its transaction commits. Transaction A can take
 * position 5, transaction B position 6, and B commit first: a follower that
 * reads `position > last` sees 6, stores it as its checkpoint and never
 * delivers 5.
 *
 * Known fixes: serialise appends with one advisory lock (Message DB) so that
 * position order is commit order, at the price of one commit (one WAL flush)
 * at a time for the whole store; or a high-water mark that waits on gaps
 * (Marten), which needs a timeout to tell a slow transaction from a rolled
 * back one. We use Emmett's: each row records its top-level transaction id
 * (`pg_current_xact_id()`), readers only read rows whose transaction id is
 * below `pg_snapshot_xmin(pg_current_snapshot())` - every transaction below
 * that horizon has finished, and new ones always get higher ids - and the log
 * is ordered by `(transaction_id, position)`. So the readable prefix of the
 * log only grows at its end: nothing can later appear before a position that
 * was handed out. Writers stay fully concurrent; the costs are one xid8
 * column plus one index (measured by test/bench/eventstore.bench.ts), and
 * followers wait while any older transaction of the cluster is still open.
 *
 * Ordering by transaction id (not by position alone, as a position-only
 * checkpoint would) matters: within one INSERT the position is drawn before
 * the transaction id is assigned, so a later transaction id can hold a lower
 * position. Within a stream, a writer only takes revision N+1 after seeing
 * revision N committed, so its transaction id is higher: the log respects
 * stream order.
 *
 * Positions stay the decimal global sequence number; `readAll({ after })`
 * looks up that row's transaction id to resume.
 */

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS es_events (
     position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
     stream_id      text        NOT NULL,
     revision       bigint      NOT NULL CHECK (revision >= 0),
     event_id       uuid        NOT NULL,
     type           text        NOT NULL,
     data           jsonb       NOT NULL,
     metadata       jsonb       NOT NULL DEFAULT '{}',
     recorded_at    timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
     CONSTRAINT es_events_event_id UNIQUE (event_id)
   )`,
  // The global log order; also serves the `transaction_id < horizon` filter.
  `CREATE INDEX IF NOT EXISTS es_events_log_order ON es_events (transaction_id, position)`,
  // The store's identity (EventStore.storeId): one row, written by the first migration; a
  // restored backup keeps it, a new database gets its own.
  `CREATE TABLE IF NOT EXISTS es_store (
     singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     store_id   uuid        NOT NULL DEFAULT gen_random_uuid(),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `INSERT INTO es_store (singleton) VALUES (true) ON CONFLICT DO NOTHING`,
  // Live subscriptions of other processes (a relay, other replicas) LISTEN for this instead of
  // polling (appendNotifications.ts); once per appending statement, after its commit.
  // The payload is the appending transaction's id: the process that appended already woke its own
  // subscriptions and skips the notification of its own append (one read fewer per append).
  `CREATE OR REPLACE FUNCTION es_events_appended() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN PERFORM pg_notify('es_events_appended', pg_current_xact_id()::text); RETURN NULL; END $$`,
  `CREATE OR REPLACE TRIGGER es_events_appended AFTER INSERT ON es_events FOR EACH STATEMENT EXECUTE FUNCTION es_events_appended()`,
];

/** Serialises concurrent migrations (two services starting at once). Arbitrary constant. */
export const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(7461626173650001)`;

/** One row as every read returns it; numbers as text so that pg and PGlite agree (bigint parsing differs). */
export interface EventRow {
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, string> | null;
  stream_id: string;
  revision: string;
  position: string;
  transaction_id: string;
  recorded_at: Date | string;
}

// Reads select FROM es_events e and ORDER BY e.<column>: a bare name in ORDER BY
// would sort by the text output column of the same name (so '10' < '2').
const COLUMNS = `e.event_id::text AS id, e.type, e.data, e.metadata, e.stream_id, e.revision::text AS revision,
  e.position::text AS position, e.transaction_id::text AS transaction_id, e.recorded_at`;

/**
 * Appends a batch in one statement (so one implicit transaction when run
 * alone). It writes nothing, returning no rows, when the expected revision
 * does not hold or any id of the batch is already stored; the caller then
 * finds out why with HEAD_REVISION and STORED_IDS. Two writers racing for the
 * same revision cannot both succeed: the loser hits es_events_stream_revision.
 *
 * $1 stream id, $2..$5 parallel arrays (ids, types, data JSON, metadata JSON),
 * $6 mode ('any' | 'no_stream' | 'stream_exists' | 'revision'), $7 expected revision.
 * Arrays travel as text[] and are cast here: both drivers serialise text[] alike.
 */
export const APPEND = `
WITH batch AS (
  SELECT b.id::uuid AS event_id, b.type, b.data::jsonb AS data, b.metadata::jsonb AS metadata, b.n
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS b(id, type, data, metadata, n)
), head AS (
  SELECT max(revision) AS revision FROM es_events WHERE stream_id = $1
)
INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata)
SELECT $1, coalesce(head.revision, -1) + batch.n, batch.event_id, batch.type, batch.data, batch.metadata
FROM batch CROSS JOIN head
WHERE CASE $6::text
        WHEN 'any' THEN true
        WHEN 'no_stream' THEN head.revision IS NULL
        WHEN 'stream_exists' THEN head.revision IS NOT NULL
        ELSE head.revision = $7::bigint
      END
  -- As '= ANY(array)', an index probe whatever the plan: a semi-join against the
  -- batch CTE was planned as a scan under load, and appends slowed as the log grew.
  AND NOT EXISTS (SELECT 1 FROM es_events e WHERE e.event_id = ANY($2::text[]::uuid[]))
ORDER BY batch.n
RETURNING revision::text AS revision, position::text AS position, transaction_id::text AS transaction_id`;

/**
 * APPEND for several streams in one statement, and so one transaction and one
 * commit: what AppendBatches sends when appends to different streams wait
 * together. Each stream's rows are written only if its expectation holds and
 * none of its event ids is stored, exactly as APPEND decides for one stream;
 * a stream left out returns no rows, and is explained on its own.
 * Streams: $1 ids, $2 expectation kinds, $3 expected revisions (NULL unless
 * 'revision'), $4 each stream's event ids joined by ','. Events: $5 the
 * stream's index (1-based, in $1's order), $6 the event's number within its
 * stream (1-based), $7 id, $8 type, $9 data, $10 metadata.
 */
export const APPEND_MANY = `
WITH streams AS (
  SELECT s.k, s.stream_id, s.expected, s.revision AS expected_revision, s.ids,
         (SELECT max(e.revision) FROM es_events e WHERE e.stream_id = s.stream_id) AS head
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS s(stream_id, expected, revision, ids, k)
), accepted AS (
  SELECT s.k, s.stream_id, s.head FROM streams s
  WHERE CASE s.expected
          WHEN 'any' THEN true
          WHEN 'no_stream' THEN s.head IS NULL
          WHEN 'stream_exists' THEN s.head IS NOT NULL
          ELSE s.head = s.expected_revision
        END
    AND NOT EXISTS (SELECT 1 FROM es_events e WHERE e.event_id = ANY(string_to_array(s.ids, ',')::uuid[]))
), batch AS (
  SELECT b.k, b.n, b.id::uuid AS event_id, b.type, b.data::jsonb AS data, b.metadata::jsonb AS metadata
  FROM unnest($5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[]) AS b(k, n, id, type, data, metadata)
)
INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata)
SELECT a.stream_id, coalesce(a.head, -1) + batch.n, batch.event_id, batch.type, batch.data, batch.metadata
FROM batch JOIN accepted a ON a.k = batch.k
ORDER BY batch.k, batch.n
RETURNING stream_id, revision::text AS revision, position::text AS position, transaction_id::text AS transaction_id`;

export const HEAD_REVISION = `SELECT max(revision)::text AS revision FROM es_events WHERE stream_id = $1`;

export const STORED_IDS = `SELECT event_id::text AS id, stream_id, revision::text AS revision, position::text AS position
FROM es_events WHERE event_id = ANY($1::text[]::uuid[])`;

/** $1 stream, $2 first revision, $3 max count (NULL = all). */
export const READ_STREAM_FORWARDS = `SELECT ${COLUMNS} FROM es_events e
WHERE e.stream_id = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3`;

export const READ_STREAM_BACKWARDS = `SELECT ${COLUMNS} FROM es_events e
WHERE e.stream_id = $1 AND e.revision <= $2 ORDER BY e.revision DESC LIMIT $3`;

/** After the cursor: $1 transaction id and $2 position of the last row read. */
const AFTER_CURSOR = `(e.transaction_id, e.position) > ($1::xid8, $2::bigint)`;

/**
 * A page of the readable log (see the header): only rows of finished
 * transactions, in log order, after `after` when given, at most `limit`
 * (a parameter) of them.
 */
function logPage(after: string | undefined, limit: string, extraColumns = ''): string {
  return `SELECT ${COLUMNS}${extraColumns} FROM es_events e
WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())${after ? `\n  AND ${after}` : ''}
ORDER BY e.transaction_id, e.position LIMIT ${limit}`;
}

/** $1 max count. */
export const READ_ALL_FROM_START = logPage(undefined, '$1');

/** $1 transaction id and $2 position of the last row read; $3 max count. */
export const READ_ALL_AFTER = logPage(AFTER_CURSOR, '$3');

/**
 * A live subscription's read: the page after the cursor (as READ_ALL_AFTER,
 * or READ_ALL_FROM_START with $1 and $2 NULL) and, on the same snapshot,
 * whether committed rows after it are held back by the horizon: an older
 * transaction of the cluster (another append, a read-model batch) is still
 * open. They become readable the moment it ends, which no notification
 * announces, so the follower looks again shortly. Rows are held back when
 * the newest row visible is at or above the horizon (everything read so far
 * is below it): one probe at the end of the log order's index, whatever the
 * log's size. (Asked as "does any row at or above the horizon exist", the
 * planner may scan the whole table: it cannot estimate the horizon, and
 * expects a third of the rows to match.) Every row carries the
 * flag; with an empty page there is one row, whose other columns are NULL.
 * One round trip per look. $1 transaction id, $2 position (both NULL: from
 * the start), $3 max count.
 */
export const FOLLOW_PAGE_AFTER = followPage(AFTER_CURSOR);
export const FOLLOW_PAGE_FROM_START = followPage(`$1::xid8 IS NULL AND $2::bigint IS NULL`);

function followPage(after: string): string {
  return `SELECT p.id, p.type, p.data, p.metadata, p.stream_id, p.revision, p.position, p.transaction_id, p.recorded_at, h.held FROM (
  SELECT coalesce((SELECT e.transaction_id FROM es_events e ORDER BY e.transaction_id DESC LIMIT 1) >= pg_snapshot_xmin(pg_current_snapshot()), false) AS held
) h
LEFT JOIN LATERAL (
${logPage(after, '$3', ', e.transaction_id AS log_transaction, e.position AS log_position')}
) p ON true
ORDER BY p.log_transaction, p.log_position`;
}

export const EVENT_AT_POSITION = `SELECT ${COLUMNS} FROM es_events e WHERE e.position = $1`;

export const STORE_ID = `SELECT store_id::text AS store_id FROM es_store`;

/** Resolves a position handed out earlier into the log cursor. */
export const TRANSACTION_OF_POSITION = `SELECT transaction_id::text AS transaction_id FROM es_events WHERE position = $1`;

/** Parameters of APPEND, in order. */
export function appendParams(
  streamId: string,
  events: { id: string; type: string; data: string; metadata: string }[],
  expected: 'any' | 'no_stream' | 'stream_exists' | number,
): unknown[] {
  return [
    streamId,
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.data),
    events.map((e) => e.metadata),
    typeof expected === 'number' ? 'revision' : expected,
    typeof expected === 'number' ? expected : null,
  ];
}

/** Parameters of APPEND_MANY, in order, for appends to distinct streams. */
export function appendManyParams(
  appends: { streamId: string; events: { id: string; type: string; data: string; metadata: string }[]; expected: 'any' | 'no_stream' | 'stream_exists' | number }[],
): unknown[] {
  const events = appends.flatMap((a, i) => a.events.map((e, n) => ({ k: i + 1, n: n + 1, e })));
  return [
    appends.map((a) => a.streamId),
    appends.map((a) => (typeof a.expected === 'number' ? 'revision' : a.expected)),
    appends.map((a) => (typeof a.expected === 'number' ? a.expected : null)),
    appends.map((a) => a.events.map((e) => e.id).join(',')),
    events.map((x) => x.k),
    events.map((x) => x.n),
    events.map((x) => x.e.id),
    events.map((x) => x.e.type),
    events.map((x) => x.e.data),
    events.map((x) => x.e.metadata),
  ];
}
