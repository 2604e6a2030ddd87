/**
 * The metrics part end to end on real servers: events published to NATS
 * JetStream exactly as the relay and the gateway publish them, projected
 * into PostgreSQL (and PGlite), queried over real gRPC.
 */
import { createGrpcClient, createLogger, GrpcServer, unary, type CallOptions } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { ensureEventStream } from '@contactcenter/infra/events';
import { openStateBucket } from '@contactcenter/infra/kv';
import {
  GetMetricsRequest,
  MetricsBucket,
  MetricsDimension,
  SurveyServiceClient,
  SurveyServiceService,
  type GetMetricsResponse,
  type MetricFigures,
  type MetricsSettings,
} from '@contactcenter/proto/survey/v1';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { freshPostgresDatabase, startPrivatePostgres, type TestDatabase } from '../../../../test/support/postgres';
import { metricsCalls, type MetricsCalls } from './metricsGrpc';
import { MetricsProjection } from './projection/metricsProjection';
import { registerProjectionGauges } from './projectionGauges';
import { MetricsSettingsStore } from './settings/settingsStore';
import { MetricsStore } from './store/metricsStore';
import { eventHistory, type HistoryEvent } from './testSupport/eventHistory';
import { publishHistory } from './testSupport/publishHistory';
import { invitationEvents, StoryEvents } from './testSupport/storyEvents';

const logger = createLogger('survey-metrics-test', 'silent');
/** The service's clock in these tests: after every event, so "now" queries are repeatable. */
const NOW = Date.parse('2026-05-01T00:00:00Z');

/** Sofia's shop in São Paulo: three days whose figures are worked out by hand below. */
function sofiasWeek(): HistoryEvent[] {
  const a = new StoryEvents('sofia', 'sa-1', 'conv-a')
    .start('2026-03-19T13:00:00Z') // Thursday 10:00 in São Paulo
    .customer('2026-03-19T13:00:05Z')
    .queue('2026-03-19T13:00:10Z')
    .assign('2026-03-19T13:01:00Z')
    .agent('2026-03-19T13:02:10Z') // FRT 125 s
    .resolve('2026-03-19T13:30:00Z')
    .csat('2026-03-19T13:40:00Z', 2, 1)
    .csat('2026-03-20T17:00:00Z', 5, 2) // Friday 14:00: the customer changes her mind
    .reopen('2026-03-21T12:00:00Z') // Saturday
    .customer('2026-03-21T12:00:30Z')
    .agent('2026-03-21T12:05:30Z', 'bia')
    .resolve('2026-03-21T12:10:00Z');
  const b = new StoryEvents('sofia', 'sa-1', 'conv-b')
    .start('2026-03-20T17:30:00Z') // Friday 14:30
    .customer('2026-03-20T17:30:10Z')
    .agent('2026-03-20T17:31:10Z', 'bia')
    .tag('2026-03-20T17:35:00Z', 'sale');
  return [
    ...a.events,
    ...invitationEvents('sofia', 'sa-1', 'inv-ignored', '2026-03-20T16:00:00Z'),
    ...invitationEvents('sofia', 'sa-1', 'inv-b', '2026-03-20T17:29:00Z', { at: '2026-03-20T17:30:00Z', conversationId: 'conv-b' }),
    ...b.events,
  ].sort((x, y) => x.time.getTime() - y.time.getTime());
}

describe('survey metrics on NATS JetStream and PostgreSQL', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let kv: KV;
  const databases: TestDatabase[] = [];
  const opened: { store: MetricsStore; projection: MetricsProjection }[] = [];
  let server: GrpcServer;
  let client: SurveyServiceClient;
  let live: { store: MetricsStore; projection: MetricsProjection; calls: MetricsCalls };
  const history = [...eventHistory({ events: 4_000, seed: 42 })];
  const firstHalf = history.slice(0, 2_000);
  const secondHalf = [...history.slice(2_000), ...sofiasWeek()];

  /** A projection into a database of its own (a fresh PostgreSQL database unless a URL is given). */
  async function project(options: { url?: string; batchSize?: number } = {}) {
    let url = options.url;
    if (!url) {
      const db = await freshPostgresDatabase();
      databases.push(db);
      url = db.url;
    }
    const store = await MetricsStore.open(url);
    const projection = new MetricsProjection({ nc, store, logger, batchSize: options.batchSize ?? 100 });
    opened.push({ store, projection });
    await projection.start();
    const calls = metricsCalls({ settings: new MetricsSettingsStore(kv), store, projection: projection.name, now: () => NOW });
    return { store, projection, calls, url };
  }

  const as = (tenantId: string): CallOptions => ({ tenantId, deadlineMs: 30_000 });
  const getMetrics = (calls: MetricsCalls, tenantId: string, req: Partial<GetMetricsRequest>): Promise<GetMetricsResponse> =>
    calls.getMetrics(GetMetricsRequest.fromPartial(req), { tenantId, actorId: 'sofia', requestId: 'r', signal: new AbortController().signal });
  const overGrpc = (tenantId: string, req: Partial<GetMetricsRequest>) => unary(client, client.getMetrics, GetMetricsRequest.fromPartial(req), as(tenantId));

  const QUERIES: [string, Partial<GetMetricsRequest>][] = [
    ['acme', { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-04-06T00:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_DAY, groupBy: MetricsDimension.METRICS_DIMENSION_TEAM }],
    ['globex', { from: new Date('2026-03-10T03:00:00Z'), to: new Date('2026-03-12T03:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_HOUR, groupBy: MetricsDimension.METRICS_DIMENSION_AGENT }],
    ['initech', { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_WEEK, groupBy: MetricsDimension.METRICS_DIMENSION_CHANNEL, queueId: 'q-sales' }],
    ['umbrella', { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z'), groupBy: MetricsDimension.METRICS_DIMENSION_REGION, asOf: new Date('2026-03-15T12:00:00Z') }],
    ['sofia', { from: new Date('2026-03-16T03:00:00Z'), to: new Date('2026-03-23T03:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_DAY }],
  ];
  const answers = (calls: MetricsCalls) => Promise.all(QUERIES.map(([tenant, req]) => getMetrics(calls, tenant, req)));

  beforeAll(async () => {
    nats = await freshNats();
    nc = await connect({ servers: nats.url });
    await ensureEventStream(await jetstreamManager(nc));
    kv = await openStateBucket(nc, 'cc_survey', 'survey');
    const settings = new MetricsSettingsStore(kv);
    await settings.put('acme', { timeZone: 'Europe/Berlin', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [] });
    await settings.put('globex', { timeZone: 'America/Sao_Paulo', fcrWindowDays: 3, conversionTags: ['sale'], businessHours: [] });
    await settings.put('sofia', { timeZone: 'America/Sao_Paulo', fcrWindowDays: 7, conversionTags: ['sale'], businessHours: [] });

    // The service as it runs: the first half arrives and is projected; the process stops;
    // a new one on the same database resumes while the rest arrives.
    await publishHistory(nc, firstHalf);
    const before = await project();
    expect(await before.projection.caughtUp(60_000)).toBe(true);
    await before.projection.stop();
    live = await project({ url: before.url });
    await publishHistory(nc, secondHalf);
    expect(await live.projection.caughtUp(60_000)).toBe(true);

    server = new GrpcServer(logger);
    server.addService(SurveyServiceService, live.calls);
    const port = await server.listen('127.0.0.1', 0);
    client = createGrpcClient(SurveyServiceClient, `127.0.0.1:${port}`);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    for (const { projection, store } of opened) {
      await projection.stop();
      await store.close().catch(() => undefined);
    }
    await nc?.close();
    await nats?.stop();
    for (const db of databases) await db.stop();
  });

  const sum = (res: GetMetricsResponse, figure: keyof MetricFigures) => res.rows.reduce((n, r) => n + Number(r.figures?.[figure] ?? 0), 0);
  const count = (type: string, tenant: string) => [...history, ...sofiasWeek()].filter((e) => e.type === type && e.tenantId === tenant).length;

  it('counts what the published history holds', async () => {
    const everything = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_WEEK };
    const res = await overGrpc('acme', everything);
    expect(res.timeZone).toBe('Europe/Berlin');
    expect(res.projectedThrough).toBe(history.length + sofiasWeek().length);
    expect(sum(res, 'conversationsStarted')).toBe(count('ConversationStarted', 'acme'));
    expect(sum(res, 'transfers')).toBe(count('ConversationTransferred', 'acme'));
    expect(sum(res, 'reopens')).toBe(count('ConversationReopened', 'acme'));
    expect(sum(res, 'invitationsSent')).toBe(count('InvitationSent', 'acme'));
    expect(sum(res, 'invitationsAccepted')).toBe(count('InvitationAccepted', 'acme'));
    expect(sum(res, 'firstResponses')).toBeGreaterThan(0);
    expect(sum(res, 'csatAnswers')).toBeGreaterThan(0);
    expect(res.rows.map((r) => r.bucketLabel)).toEqual([...res.rows.map((r) => r.bucketLabel)].sort());
  });

  it('gives Sofia yesterday’s figures in her time zone, and as they stood on Friday noon', async () => {
    const week = { from: new Date('2026-03-16T03:00:00Z'), to: new Date('2026-03-23T03:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_DAY };
    const now = await overGrpc('sofia', week);
    const byDay = Object.fromEntries(now.rows.map((r) => [r.bucketLabel, r.figures!]));
    expect(Object.keys(byDay)).toEqual(['2026-03-19', '2026-03-20', '2026-03-21']);
    expect(now.rows[0]!.bucketStart).toEqual(new Date('2026-03-19T03:00:00Z'));
    expect(byDay['2026-03-19']).toMatchObject({ conversationsStarted: 1, firstResponses: 1, firstResponseSecondsAvg: 125, conversationsResolved: 0, csatAnswers: 1, csatPercent: 100 });
    expect(byDay['2026-03-20']).toMatchObject({ conversationsStarted: 1, conversions: 1, conversionPercent: 100, invitationsSent: 2, invitationsAccepted: 1, invitationAcceptancePercent: 50, firstResponseSecondsAvg: 60 });
    expect(byDay['2026-03-21']).toMatchObject({ conversationsResolved: 1, resolutionSecondsAvg: 47 * 3600 + 10 * 60, firstContactResolutions: 0, fcrPercent: 0, reopens: 1, responses: 1, responseSecondsAvg: 300 });

    const fridayNoon = await overGrpc('sofia', { ...week, asOf: new Date('2026-03-20T15:00:00Z') });
    expect(fridayNoon.asOf).toEqual(new Date('2026-03-20T15:00:00Z'));
    expect(fridayNoon.rows.map((r) => r.bucketLabel)).toEqual(['2026-03-19']);
    expect(fridayNoon.rows[0]!.figures).toMatchObject({ conversationsStarted: 1, conversationsResolved: 1, resolutionSecondsAvg: 1800, firstContactResolutions: 1, fcrPercent: 100, csatAnswers: 1, csatPercent: 0, reopens: 0 });
  });

  it('rebuilt from the first event into a fresh database, gives the figures of the restarted live projection', async () => {
    const replay = await project({ batchSize: 997 });
    expect(await replay.projection.caughtUp(60_000)).toBe(true);
    const replayed = await answers(replay.calls);
    for (const answer of replayed) expect(answer.rows.length).toBeGreaterThan(0);
    expect(replayed).toEqual(await answers(live.calls));
  });

  it('rebuilt in place (tables emptied, projected again from the first event), gives identical figures', async () => {
    const before = await answers(live.calls);
    await live.projection.rebuild();
    expect(await live.projection.caughtUp(60_000)).toBe(true);
    expect(await answers(live.calls)).toEqual(before);
  });

  it('npm run rebuild:metrics, as its own process, rebuilds a stopped projection\'s database to identical figures', async () => {
    const copy = await project({ batchSize: 500 });
    expect(await copy.projection.caughtUp(60_000)).toBe(true);
    await copy.projection.stop();
    const before = await answers(copy.calls);
    const run = spawnSync('npx', ['tsx', 'services/survey/src/metrics/rebuildCommand.ts'], {
      cwd: join(__dirname, '../../../..'),
      env: { ...process.env, NATS_URL: nats.url, SURVEY_DATABASE_URL: copy.url, LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('metrics rebuilt from the first event');
    expect(await answers(copy.calls)).toEqual(before);
    const refused = spawnSync('npx', ['tsx', 'services/survey/src/metrics/rebuildCommand.ts'], { cwd: join(__dirname, '../../../..'), env: { ...process.env, NATS_URL: nats.url, SURVEY_DATABASE_URL: 'pglite://memory' }, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^rebuild:metrics: configuration error: SURVEY_DATABASE_URL/);
  });

  it('gauges its position and lag for Prometheus', async () => {
    const registry = new Registry();
    registerProjectionGauges(registry, nc, live.projection, 'CC_EVENTS');
    const text = await registry.metrics();
    expect(text).toMatch(new RegExp(`^survey_metrics_projected_sequence ${history.length + sofiasWeek().length}$`, 'm'));
    expect(text).toMatch(/^survey_metrics_lag_events 0$/m);
  });

  it('rebuilt into embedded PGlite, gives identical figures', async () => {
    const embedded = await project({ url: 'pglite://memory', batchSize: 500 });
    expect(await embedded.projection.caughtUp(60_000)).toBe(true);
    expect(await answers(embedded.calls)).toEqual(await answers(live.calls));
  });

  it('stopped and started again while catching up, counts nothing twice', async () => {
    const first = await project({ batchSize: 37 });
    await first.projection.waitFor(1_500, 60_000);
    await first.projection.stop();
    const again = new MetricsProjection({ nc, store: first.store, logger, batchSize: 37 });
    opened.push({ store: first.store, projection: again });
    await again.start();
    expect(again.projectedThrough).toBeGreaterThanOrEqual(1_500);
    expect(await again.caughtUp(60_000)).toBe(true);
    expect(await answers(first.calls)).toEqual(await answers(live.calls));
  });

  // Needs infra's SQL client to hear 'error' on a client checked out for a transaction
  // (pg: "a checked-out client is yours to listen to"), or the outage crashes the process.
  it('rides out a database outage mid-replay: the failed batch is retried, never skipped or doubled', async () => {
    const server = await startPrivatePostgres();
    databases.push(server);
    const outage = await project({ url: server.url, batchSize: 53 });
    expect(await outage.projection.waitFor(1_000, 60_000)).toBe(true);
    await server.kill('SIGKILL');
    await server.restart();
    expect(await outage.projection.caughtUp(60_000)).toBe(true);
    expect(await answers(outage.calls)).toEqual(await answers(live.calls));
  });

  it('drops a republished event (same conversation revision, new message id) instead of counting it again', async () => {
    const before = await answers(live.calls);
    // One of acme's transfers: the first query covers acme's whole history, so a double count would show.
    const transfer = history.find((e) => e.type === 'ConversationTransferred' && e.tenantId === 'acme')!;
    const seq = await publishHistory(nc, [{ ...transfer, id: `${transfer.id}-again` }]);
    expect(await live.projection.waitFor(seq, 30_000)).toBe(true);
    const after = await answers(live.calls);
    expect(after.map((a) => a.rows)).toEqual(before.map((b) => b.rows));
    const everything = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-30T00:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_WEEK };
    expect(sum(await overGrpc('acme', everything), 'transfers')).toBe(count('ConversationTransferred', 'acme'));
  });

  it('applies settings at query time: new conversion tags and business hours recompute history', async () => {
    const range = { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-04-06T00:00:00Z') };
    const settings = new MetricsSettingsStore(kv);
    const original = await settings.get('acme');
    const sales = (await overGrpc('acme', range)).rows[0]!.figures!;
    await unary(client, client.putMetricsSettings, { settings: { ...original, conversionTags: ['refund'], businessHours: [{ queueId: 'q-sales', timeZone: 'Europe/Berlin', windows: [{ isoWeekday: 1, start: '09:00', end: '10:00' }], holidays: [] }] } }, as('acme'));
    try {
      const refunds = (await overGrpc('acme', range)).rows[0]!.figures!;
      expect(refunds.conversationsStarted).toBe(sales.conversationsStarted);
      expect(refunds.conversions).not.toBe(sales.conversions);
      expect(refunds.responseSecondsAvg).toBe(sales.responseSecondsAvg);
      expect(refunds.responseBusinessSecondsAvg!).toBeLessThan(sales.responseBusinessSecondsAvg!);
    } finally {
      await settings.put('acme', original);
    }
  });

  it('stores settings per tenant with defaults, and rejects bad ones with INVALID_ARGUMENT', async () => {
    const defaults = await unary(client, client.getMetricsSettings, {}, as('newcomer'));
    expect(defaults.settings).toEqual({ timeZone: 'UTC', fcrWindowDays: 7, conversionTags: [], businessHours: [] });
    const wanted: MetricsSettings = { timeZone: 'america/sao_paulo', fcrWindowDays: 14, conversionTags: ['sale'], businessHours: [] };
    const put = await unary(client, client.putMetricsSettings, { settings: wanted }, as('newcomer'));
    expect(put.settings!.timeZone).toBe('America/Sao_Paulo');
    expect((await unary(client, client.getMetricsSettings, {}, as('newcomer'))).settings).toEqual(put.settings);
    expect((await unary(client, client.getMetricsSettings, {}, as('other-tenant'))).settings!.timeZone).toBe('UTC');

    await expect(unary(client, client.putMetricsSettings, { settings: { ...wanted, fcrWindowDays: 120 } }, as('newcomer'))).rejects.toMatchObject({ name: 'ValidationError', field: 'settings.fcr_window_days' });
    await expect(unary(client, client.putMetricsSettings, { settings: { ...wanted, timeZone: 'Mars/Base' } }, as('newcomer'))).rejects.toBeInstanceOf(ValidationError);
    // Refused settings change nothing.
    expect((await unary(client, client.getMetricsSettings, {}, as('newcomer'))).settings).toEqual(put.settings);
  });

  it('rejects bad queries with INVALID_ARGUMENT', async () => {
    const from = new Date('2026-03-02T00:00:00Z');
    await expect(overGrpc('acme', { from, to: from })).rejects.toMatchObject({ field: 'to' });
    await expect(overGrpc('acme', { from })).rejects.toMatchObject({ field: 'to' });
    await expect(overGrpc('acme', { from, to: new Date('2026-05-01T00:00:00Z'), bucket: MetricsBucket.METRICS_BUCKET_HOUR })).rejects.toMatchObject({ field: 'to' });
    await expect(overGrpc('acme', { from, to: new Date('2026-03-03T00:00:00Z'), timeZone: 'Berlin' })).rejects.toMatchObject({ field: 'time_zone' });
    await expect(overGrpc('acme', { from, to: new Date('2026-03-03T00:00:00Z'), groupBy: 99 as MetricsDimension })).rejects.toMatchObject({ field: 'group_by' });
    await expect(overGrpc('Not A Tenant', { from, to: new Date('2026-03-03T00:00:00Z') })).rejects.toMatchObject({ field: 'tenant_id' });
  });
});
