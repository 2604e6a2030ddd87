/**
 * Survey metrics benchmark on a private NATS JetStream server and fresh
 * PostgreSQL databases (test/support):
 * 1. publishes BENCH_METRICS_EVENTS (default 1,000,000) realistic events to
 *    CC_EVENTS exactly as the relay and the gateway do (four tenants over four
 *    weeks: conversations, messages, queueing, assignments, transfers, tags,
 *    resolutions, reopens, surveys with edits, invitations);
 * 2. baselines measured in the same run: a raw JetStream read of the whole
 *    stream (ordered consumer, no decoding) and raw PostgreSQL multi-row
 *    INSERTs of the same number of rows (the events' JSON, same batch size,
 *    one transaction per batch, through the same SQL client);
 * 3. the projection replaying the stream from its first event into a fresh
 *    database, in events/s and as ratios to both baselines;
 * 4. GetMetrics over the result: several dashboard queries, median of runs.
 * Prints tables, then as its very last line one JSON object.
 *   npm run bench:metrics            (BENCH_METRICS_EVENTS=50000 to shrink it)
 */
import { createLogger } from '@contactcenter/infra';
import { DEFAULT_STREAM, ensureEventStream } from '@contactcenter/infra/events';
import { openStateBucket } from '@contactcenter/infra/kv';
import { connectSql } from '@contactcenter/infra/sql';
import { GetMetricsRequest, MetricsBucket, MetricsDimension, type GetMetricsResponse } from '@contactcenter/proto/survey/v1';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { metricsCalls } from '../../services/survey/src/metrics/metricsGrpc';
import { MetricsProjection } from '../../services/survey/src/metrics/projection/metricsProjection';
import { MetricsSettingsStore } from '../../services/survey/src/metrics/settings/settingsStore';
import { MetricsStore } from '../../services/survey/src/metrics/store/metricsStore';
import { eventHistory } from '../../services/survey/src/metrics/testSupport/eventHistory';
import { encodeHistoryEvent, publishHistory } from '../../services/survey/src/metrics/testSupport/publishHistory';
import { freshNats } from '../support/nats';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres';

const EVENTS = Number(process.env.BENCH_METRICS_EVENTS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_METRICS_BATCH ?? 2_000);
const QUERY_RUNS = Number(process.env.BENCH_METRICS_QUERY_RUNS ?? 5);
const SEED = 2026;
const NOW = Date.parse('2026-06-01T00:00:00Z');

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function timedSeconds<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, (performance.now() - t0) / 1000];
}

/** Baseline: read every message of the stream through an ordered consumer, nothing else. */
async function rawStreamRead(nc: Awaited<ReturnType<typeof connect>>, expected: number): Promise<number> {
  const consumer = await jetstream(nc).consumers.get(DEFAULT_STREAM, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: BATCH * 2 });
  let n = 0;
  for await (const m of messages) {
    n++;
    if (m.info.pending === 0 && n >= expected) break;
  }
  messages.stop();
  await consumer.delete().catch(() => undefined);
  return n;
}

/** Baseline: the same number of rows (each event's JSON) as multi-row INSERTs, one transaction per batch; only the INSERTs are timed. */
async function rawInserts(url: string): Promise<number> {
  const sql = await connectSql(url, { poolSize: 2 });
  await sql.query('CREATE TABLE raw_events (seq bigint PRIMARY KEY, subject text NOT NULL, data text NOT NULL)');
  let seq = 0;
  let seconds = 0;
  let rows: { seq: number; subject: string; data: string }[] = [];
  const flush = async () => {
    const batch = rows;
    rows = [];
    const t0 = performance.now();
    await sql.transaction((tx) =>
      tx.query('INSERT INTO raw_events (seq, subject, data) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])', [batch.map((r) => r.seq), batch.map((r) => r.subject), batch.map((r) => r.data)]),
    );
    seconds += (performance.now() - t0) / 1000;
  };
  for (const e of eventHistory({ events: EVENTS, seed: SEED })) {
    const msg = encodeHistoryEvent(e);
    rows.push({ seq: ++seq, subject: msg.subject, data: new TextDecoder().decode(msg.data) });
    if (rows.length >= BATCH) await flush();
  }
  if (rows.length) await flush();
  await sql.close();
  return seconds;
}

async function main() {
  const started = performance.now();
  const logger = createLogger('metrics-bench', 'warn');
  const databases: TestDatabase[] = [];
  const nats = await freshNats();
  const nc = await connect({ servers: nats.url });
  let projection: MetricsProjection | undefined;
  let store: MetricsStore | undefined;
  try {
    await ensureEventStream(await jetstreamManager(nc));
    log(`survey metrics benchmark: ${EVENTS.toLocaleString('en')} events, batch ${BATCH}`);

    const [lastSeq, publishSeconds] = await timedSeconds(() => publishHistory(nc, eventHistory({ events: EVENTS, seed: SEED }), { window: 1_000 }));
    log(`published ${lastSeq} events in ${round(publishSeconds, 1)} s (setup, not a figure)`);

    const [read, readSeconds] = await timedSeconds(() => rawStreamRead(nc, lastSeq));
    const rawDb = await freshPostgresDatabase();
    databases.push(rawDb);
    const insertSeconds = await rawInserts(rawDb.url);

    const db = await freshPostgresDatabase();
    databases.push(db);
    store = await MetricsStore.open(db.url);
    projection = new MetricsProjection({ nc, store, logger, batchSize: BATCH });
    const [caughtUp, projectSeconds] = await timedSeconds(async () => {
      await projection!.start();
      return projection!.caughtUp(30 * 60_000);
    });
    if (!caughtUp) throw new Error('the projection did not catch up within 30 minutes');
    await projection.stop();

    const sizes = await store.sql.query<{ conversations: string; activity: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM survey_metrics_conversations) AS conversations, (SELECT count(*) FROM survey_metrics_activity) AS activity,
              pg_database_size(current_database()) AS bytes`,
    );

    const kv = await openStateBucket(nc, 'cc_survey', 'survey');
    const settings = new MetricsSettingsStore(kv);
    const weekdays = [1, 2, 3, 4, 5].map((d) => ({ isoWeekday: d, start: '09:00', end: '18:00' }));
    await settings.put('acme', { timeZone: 'Europe/Berlin', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [{ queueId: 'q-support', timeZone: 'Europe/Berlin', windows: weekdays, holidays: ['2026-03-20'] }] });
    await settings.put('globex', { timeZone: 'America/Sao_Paulo', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [] });
    const calls = metricsCalls({ settings, store, projection: projection.name, now: () => NOW });
    const queries: [string, string, Partial<GetMetricsRequest>][] = [
      ['4 weeks by day and team (Berlin, business hours)', 'acme', { from: new Date('2026-03-01T23:00:00Z'), to: new Date('2026-03-29T22:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_DAY, groupBy: MetricsDimension.METRICS_DIMENSION_TEAM }],
      ['one day by hour and agent (São Paulo)', 'globex', { from: new Date('2026-03-19T03:00:00Z'), to: new Date('2026-03-20T03:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_HOUR, groupBy: MetricsDimension.METRICS_DIMENSION_AGENT }],
      ['4 weeks by week and channel, one queue', 'globex', { from: new Date('2026-03-02T03:00:00Z'), to: new Date('2026-03-30T03:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_WEEK, groupBy: MetricsDimension.METRICS_DIMENSION_CHANNEL, queueId: 'q-sales' }],
      ['whole range, one row, as of mid-March', 'acme', { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z'), asOf: new Date('2026-03-15T12:00:00Z') }],
    ];
    const queryRows: { query: string; rows: number; started: number; median_ms: number }[] = [];
    for (const [name, tenantId, req] of queries) {
      const times: number[] = [];
      let res: GetMetricsResponse | undefined;
      for (let i = 0; i < QUERY_RUNS; i++) {
        const t0 = performance.now();
        res = await calls.getMetrics(GetMetricsRequest.fromPartial(req), { tenantId, actorId: 'bench', requestId: 'bench', signal: new AbortController().signal });
        times.push(performance.now() - t0);
      }
      queryRows.push({ query: name, rows: res!.rows.length, started: res!.rows.reduce((n, r) => n + (r.figures?.conversationsStarted ?? 0), 0), median_ms: round(median(times), 1) });
    }

    const rate = (n: number, s: number) => n / s;
    const projectionRate = rate(lastSeq, projectSeconds);
    const readRate = rate(read, readSeconds);
    const insertRate = rate(lastSeq, insertSeconds);
    console.table([
      { phase: 'raw JetStream read (ordered consumer)', items: read, seconds: round(readSeconds), per_second: Math.round(readRate) },
      { phase: `raw PostgreSQL multi-row INSERT (${BATCH}/tx)`, items: lastSeq, seconds: round(insertSeconds), per_second: Math.round(insertRate) },
      { phase: 'metrics projection replay', items: lastSeq, seconds: round(projectSeconds), per_second: Math.round(projectionRate) },
    ]);
    console.table(queryRows);
    const size = sizes.rows[0]!;
    const summary = {
      bench: 'metrics',
      events: lastSeq,
      batch: BATCH,
      conversations: Number(size.conversations),
      activity_rows: Number(size.activity),
      database_mb: round(Number(size.bytes) / 1024 / 1024, 1),
      projection_events_per_s: Math.round(projectionRate),
      projection_seconds: round(projectSeconds, 1),
      raw_jetstream_read_per_s: Math.round(readRate),
      raw_pg_insert_rows_per_s: Math.round(insertRate),
      projection_vs_raw_jetstream_read: round(projectionRate / readRate, 3),
      projection_vs_raw_pg_insert: round(projectionRate / insertRate, 3),
      query_ms: Object.fromEntries(queryRows.map((q, i) => [['day_by_team_4w', 'hour_by_agent_1d', 'week_by_channel_4w', 'none_as_of'][i]!, q.median_ms])),
      publish_seconds: round(publishSeconds, 1),
      runtime_s: round((performance.now() - started) / 1000, 0),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await projection?.stop();
    await store?.close().catch(() => undefined);
    await nc.close().catch(() => undefined);
    await nats.stop();
    for (const db of databases) await db.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
