/**
 * A GetMetrics request, checked and turned into the query the figures
 * understand. Unset enums mean the obvious default (one bucket, grouped by
 * tenant); unknown enum values, empty or reversed ranges and ranges too long
 * for their bucket are rejected.
 */
import { ValidationError } from '@contactcenter/infra/errors';
import { Channel } from '@contactcenter/proto/conversation/v1';
import { MetricsBucket, MetricsDimension, type GetMetricsRequest } from '@contactcenter/proto/survey/v1';
import type { Dimension, MetricsQuery } from '../figures/metricsTable';
import { CHANNEL_NAMES } from '../projection/eventFacts';
import type { BucketKind } from '../time/buckets';
import { DAY_MS } from '../time/zonedTime';
import { requireId, requireTimeZone } from './metricsSettings';

/** Longest range per bucket kind, in days: hourly rows over a year would be 8,784 per group. */
export const MAX_RANGE_DAYS: Record<BucketKind, number> = { hour: 31, day: 366, week: 366, none: 366 };

const BUCKETS: Record<number, BucketKind> = {
  [MetricsBucket.METRICS_BUCKET_UNSPECIFIED]: 'none',
  [MetricsBucket.METRICS_BUCKET_NONE]: 'none',
  [MetricsBucket.METRICS_BUCKET_HOUR]: 'hour',
  [MetricsBucket.METRICS_BUCKET_DAY]: 'day',
  [MetricsBucket.METRICS_BUCKET_WEEK]: 'week',
};

const DIMENSIONS: Record<number, Dimension> = {
  [MetricsDimension.METRICS_DIMENSION_UNSPECIFIED]: 'tenant',
  [MetricsDimension.METRICS_DIMENSION_TENANT]: 'tenant',
  [MetricsDimension.METRICS_DIMENSION_TEAM]: 'team',
  [MetricsDimension.METRICS_DIMENSION_AGENT]: 'agent',
  [MetricsDimension.METRICS_DIMENSION_CHANNEL]: 'channel',
  [MetricsDimension.METRICS_DIMENSION_QUEUE]: 'queue',
  [MetricsDimension.METRICS_DIMENSION_REGION]: 'region',
};

const instant = (field: string, d: Date | undefined): number | undefined => {
  if (d === undefined) return undefined;
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new ValidationError(field, 'is not a valid timestamp');
  return ms;
};

/**
 * @param tenantTimeZone the tenant's zone, used unless the request overrides it.
 * @param nowMs the clock: `as_of` defaults to it, and a future `as_of` is brought back to it (the future has no figures yet).
 * @throws ValidationError naming the field at fault.
 */
export function metricsQueryOf(req: GetMetricsRequest, tenantTimeZone: string, nowMs: number): MetricsQuery {
  const fromMs = instant('from', req.from);
  const toMs = instant('to', req.to);
  if (fromMs === undefined) throw new ValidationError('from', 'is required');
  if (toMs === undefined) throw new ValidationError('to', 'is required');
  if (toMs <= fromMs) throw new ValidationError('to', 'must be after from');
  const bucket = BUCKETS[req.bucket];
  if (!bucket) throw new ValidationError('bucket', `unknown bucket ${req.bucket}`);
  const groupBy = DIMENSIONS[req.groupBy];
  if (!groupBy) throw new ValidationError('group_by', `unknown dimension ${req.groupBy}`);
  if (toMs - fromMs > MAX_RANGE_DAYS[bucket] * DAY_MS) {
    throw new ValidationError('to', `the range may span at most ${MAX_RANGE_DAYS[bucket]} days with ${bucket === 'none' ? 'one bucket' : `${bucket}ly buckets`}`);
  }
  const asOfMs = Math.min(instant('as_of', req.asOf) ?? nowMs, nowMs);
  const timeZone = req.timeZone ? requireTimeZone('time_zone', req.timeZone) : tenantTimeZone;

  const filters: MetricsQuery['filters'] = {};
  if (req.teamId) filters.team = requireId('team_id', req.teamId);
  if (req.agentId) filters.agent = requireId('agent_id', req.agentId);
  if (req.queueId) filters.queue = requireId('queue_id', req.queueId);
  if (req.region) filters.region = requireId('region', req.region);
  if (req.channel !== Channel.CHANNEL_UNSPECIFIED) {
    const name = CHANNEL_NAMES[req.channel];
    if (!name) throw new ValidationError('channel', `unknown channel ${req.channel}`);
    filters.channel = name;
  }
  return { fromMs, toMs, asOfMs, bucket, groupBy, timeZone, filters };
}
