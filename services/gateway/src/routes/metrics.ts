import { unary } from '@contactcenter/infra';
import { MetricsBucket, MetricsDimension, MetricsSettings, type MetricFigures } from '@contactcenter/proto/survey/v1';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { channels } from '../schemas/conversation';
import { fieldValidationError, protoBodySchema } from '../schemas/protoBodies';

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

/**
 * Service metrics for supervisors' dashboards, from the survey service's
 * projection of the event stream: figures per hour, day or week of the
 * tenant's time zone, grouped by team, agent, channel, queue or region, as
 * they stand now or as they stood at `asOf`. Admins set the time zone, FCR
 * window, conversion tags and queue business hours.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { peers: Peers }) {
  const { survey } = opts.peers;

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
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              timeZone: { type: 'string' },
              asOf: instant,
              projectedThrough: { type: 'integer' },
              rows: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    bucketStart: { type: ['string', 'null'], format: 'date-time' },
                    bucketLabel: { type: 'string' },
                    group: { type: 'string' },
                    figures: { type: 'object', properties: { ...figureProperties, ...averageProperties } },
                  },
                },
              },
            },
          },
          '4xx': problem,
        },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['supervisor', 'admin']);
      const q = request.query;
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
