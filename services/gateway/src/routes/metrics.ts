import { unary } from '@contactcenter/infra';
import { MetricsBucket, MetricsDimension, MetricsSettings, type MetricFigures } from '@contactcenter/proto/survey/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff, type Principal } from '../plugins/auth';
import { mergeMetrics, type MetricsView } from '../regions/crossRegionView';
import { askEveryRegion, wantsAllRegions, withQuery, type RegionFanOut } from '../regions/regionFanOut';
import { channels } from '../schemas/conversation';
import { fieldValidationError, protoBodySchema } from '../schemas/protoBodies';
import { regionScopeSchema, regionStatesSchema } from '../schemas/regionScope';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const idPattern = '^[A-Za-z0-9_-]{1,64}$';
const instant = { type: 'string', format: 'date-time' } as const;
const settingsBody = protoBodySchema('contactcenter.survey.v1.MetricsSettings');

const BUCKETS: Record<string, MetricsBucket> = {
  none: MetricsBucket.METRICS_BUCKET_NONE,
  hour: MetricsBucket.METRICS_BUCKET_HOUR,
  day: MetricsBucket.METRICS_BUCKET_DAY,
  week: MetricsBucket.METRICS_BUCKET_WEEK,
};
const DIMENSIONS: Record<string, MetricsDimension> = {
  tenant: MetricsDimension.METRICS_DIMENSION_TENANT,
  team: MetricsDimension.METRICS_DIMENSION_TEAM,
  agent: MetricsDimension.METRICS_DIMENSION_AGENT,
  channel: MetricsDimension.METRICS_DIMENSION_CHANNEL,
  queue: MetricsDimension.METRICS_DIMENSION_QUEUE,
  region: MetricsDimension.METRICS_DIMENSION_REGION,
};

type MetricsQuery = {
  from: string;
  to: string;
  bucket?: string;
  groupBy?: string;
  teamId?: string;
  agentId?: string;
  channel?: string;
  queueId?: string;
  region?: string;
  asOf?: string;
  timeZone?: string;
  scope?: 'region' | 'all-regions';
};

const figureProperties = Object.fromEntries(
  [
    'conversationsStarted', 'conversationsResolved', 'firstResponses', 'responses', 'firstContactResolutions', 'csatAnswers', 'npsAnswers', 'cesAnswers',
    'conversions', 'invitationsSent', 'invitationsAccepted', 'transfers', 'reopens', 'serviceLevelConversations', 'serviceLevelMet',
  ].map((k) => [k, { type: 'integer' }]),
);
const averageProperties = Object.fromEntries(
  [
    'firstResponseSecondsAvg', 'firstResponseBusinessSecondsAvg', 'responseSecondsAvg', 'responseBusinessSecondsAvg', 'resolutionSecondsAvg', 'fcrPercent',
    'csatPercent', 'nps', 'cesAvg', 'conversionPercent', 'invitationAcceptancePercent', 'serviceLevelPercent',
  ].map((k) => [k, { type: ['number', 'null'] }]),
);

/** Figures as JSON: counts as numbers, averages and percentages null when there was nothing to average. */
const figuresView = (f: MetricFigures | undefined) => {
  const out: Record<string, number | null> = {};
  for (const k of Object.keys(figureProperties)) out[k] = Number((f as unknown as Record<string, number> | undefined)?.[k] ?? 0);
  for (const k of Object.keys(averageProperties)) out[k] = (f as unknown as Record<string, number | undefined> | undefined)?.[k] ?? null;
  return out;
};

/** Another region's answer, checked for the shape the merge reads (a region that answers something else counts as unavailable). */
const metricsAnswer = (json: unknown): MetricsView => {
  const view = json as Partial<MetricsView> | null;
  if (!view || !Array.isArray(view.rows) || typeof view.timeZone !== 'string') throw new Error('answered with something other than metrics');
  return view as MetricsView;
};

const rowsSchema = (withGroup: boolean) => ({
  type: 'array',
  items: {
    type: 'object',
    properties: {
      bucketStart: { type: ['string', 'null'], format: 'date-time' },
      bucketLabel: { type: 'string' },
      ...(withGroup ? { group: { type: 'string' } } : {}),
      figures: { type: 'object', properties: { ...figureProperties, ...averageProperties } },
    },
  },
});

/**
 * Service metrics for supervisors' dashboards, from the survey service's
 * projection of the event stream: figures per hour, day or week of the
 * tenant's time zone, grouped by team, agent, channel, queue or region, as
 * they stand now or as they stood at `asOf`. Admins set the time zone, FCR
 * window, conversion tags and queue business hours.
 *
 * `scope=all-regions` asks every region for its own figures (same query, same
 * `asOf` and time zone, so buckets line up) and merges them
 * (regions/crossRegionView.ts): grouped by region, each region's row comes
 * from that region only; `totals` add up the answering regions, and
 * `regions` and `complete` say which answered. The settings (time zone, FCR
 * window, conversion tags) are each region's own.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { peers: Peers; regions?: RegionFanOut }) {
  const { survey } = opts.peers;

  const regionMetrics = async (request: FastifyRequest, p: Principal, q: MetricsQuery): Promise<MetricsView> => {
    const res = await unary(
      survey,
      survey.getMetrics,
      {
        from: new Date(q.from),
        to: new Date(q.to),
        bucket: BUCKETS[q.bucket ?? 'day']!,
        groupBy: DIMENSIONS[q.groupBy ?? 'tenant']!,
        teamId: q.teamId ?? '',
        agentId: q.agentId ?? '',
        channel: q.channel ? channels.fromRest(q.channel) : 0,
        queueId: q.queueId ?? '',
        region: q.region ?? '',
        asOf: q.asOf ? new Date(q.asOf) : undefined,
        timeZone: q.timeZone ?? '',
      },
      callOptions(request, p),
    );
    return {
      timeZone: res.timeZone,
      asOf: res.asOf?.toISOString(),
      projectedThrough: Number(res.projectedThrough),
      rows: res.rows.map((r) => ({ bucketStart: r.bucketStart?.toISOString() ?? null, bucketLabel: r.bucketLabel, group: r.group, figures: figuresView(r.figures) })),
    };
  };

  app.get<{ Querystring: MetricsQuery }>(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['metrics'],
        security,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            from: instant,
            to: instant,
            bucket: { type: 'string', enum: Object.keys(BUCKETS) },
            groupBy: { type: 'string', enum: Object.keys(DIMENSIONS) },
            teamId: { type: 'string', pattern: idPattern },
            agentId: { type: 'string', pattern: idPattern },
            channel: { type: 'string', enum: ['chat', 'email', 'social', 'phone'] },
            queueId: { type: 'string', pattern: idPattern },
            region: { type: 'string', pattern: idPattern },
            asOf: instant,
            timeZone: { type: 'string', maxLength: 64 },
            scope: regionScopeSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              timeZone: { type: 'string' },
              asOf: instant,
              projectedThrough: { type: 'integer', description: "How far this region's projection has read its event stream." },
              rows: rowsSchema(true),
              scope: { type: 'string', enum: ['all-regions'], description: 'Present when every region was asked.' },
              complete: { type: 'boolean', description: 'All regions: every region answered; when false, rows and totals cover only the regions `regions` lists as ok.' },
              regions: regionStatesSchema,
              totals: { ...rowsSchema(false), description: "All regions: per bucket, the answering regions' figures together (averages recomputed from their sums)." },
            },
          },
          '4xx': problem,
        },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['supervisor', 'admin']);
      const q = request.query;
      if (!wantsAllRegions(request, q.scope)) return regionMetrics(request, p, q);
      // Every region answers as of the same instant and in this region's time zone, so that buckets line up.
      const asOf = q.asOf ?? new Date().toISOString();
      const timeZone = q.timeZone || (await unary(survey, survey.getMetricsSettings, {}, callOptions(request, p))).settings?.timeZone || undefined;
      const pinned = { ...q, asOf, ...(timeZone ? { timeZone } : {}) };
      const url = withQuery(request.url, { scope: 'region', asOf, ...(timeZone ? { timeZone } : {}) });
      const outcomes = await askEveryRegion(opts.regions ?? { region: 'local', others: [] }, request, url, () => regionMetrics(request, p, pinned), metricsAnswer);
      return mergeMetrics(q.groupBy ?? 'tenant', outcomes);
    },
  );

  app.get('/admin/metrics-settings', { schema: { operationId: 'getMetricsSettings', tags: ['admin'], security, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['supervisor', 'admin']);
    return { settings: MetricsSettings.toJSON((await unary(survey, survey.getMetricsSettings, {}, callOptions(request, p))).settings!) };
  });

  app.put<{ Body: Record<string, unknown> }>(
    '/admin/metrics-settings',
    { schema: { operationId: 'putMetricsSettings', tags: ['admin'], security, body: settingsBody, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const res = await unary(survey, survey.putMetricsSettings, { settings: MetricsSettings.fromJSON(request.body) }, callOptions(request, p));
      return { settings: MetricsSettings.toJSON(res.settings!) };
    },
  );
}
