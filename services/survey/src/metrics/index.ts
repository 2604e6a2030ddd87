/**
 * The survey service's metrics: a projection of CC_EVENTS into the service's
 * own database, tenant settings in NATS KV, and the three gRPC calls
 * PutMetricsSettings, GetMetricsSettings and GetMetrics.
 *
 * @example
 *   const metrics = await startMetrics({ nc: rt.nats, kv, logger, config: rt.config });
 *   rt.grpc.addService(SurveyServiceService, { ...surveys.calls, ...metrics.calls });
 *   rt.onShutdown('metrics', () => metrics.close());
 */
import type { ConfigOf, Logger } from '@contactcenter/infra';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import type { Registry } from 'prom-client';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { metricsConfig } from './metricsConfig';
import { metricsCalls, type MetricsCalls } from './metricsGrpc';
import { METRICS_PROJECTION, MetricsProjection } from './projection/metricsProjection';
import { registerProjectionGauges } from './projectionGauges';
import { MetricsSettingsStore } from './settings/settingsStore';
import { MetricsStore } from './store/metricsStore';

export { metricsConfig } from './metricsConfig';

export type { MetricsCalls } from './metricsGrpc';

export interface StartMetricsOptions {
  nc: NatsConnection;
  /** The survey service's KV bucket; settings live under `metrics.<tenant>`. */
  kv: KV;
  logger: Logger;
  config: ConfigOf<typeof metricsConfig>;
  /** Event stream (default CC_EVENTS). */
  stream?: string;
  /** The service's Prometheus registry: the projection's position and lag are gauged there. */
  registry?: Registry;
  now?: () => number;
}

export interface Metrics {
  calls: MetricsCalls;
  /** Undefined when this replica does not project (SURVEY_METRICS_PROJECTION=false). */
  projection: MetricsProjection | undefined;
  close(): Promise<void>;
}

/** Opens the database (creating its tables), starts the projection and returns the calls to serve. */
export async function startMetrics(options: StartMetricsOptions): Promise<Metrics> {
  const { config, logger } = options;
  const store = await MetricsStore.open(config.SURVEY_DATABASE_URL);
  if (config.SURVEY_DATABASE_URL === 'pglite://memory') logger.warn('metrics database in memory (SURVEY_DATABASE_URL unset): figures are rebuilt from the first event at every start');
  const projection = config.SURVEY_METRICS_PROJECTION
    ? new MetricsProjection({ nc: options.nc, store, logger: logger.child({ part: 'metrics' }), name: METRICS_PROJECTION, stream: options.stream, batchSize: config.SURVEY_METRICS_BATCH })
    : undefined;
  if (projection && options.registry) registerProjectionGauges(options.registry, options.nc, projection, options.stream ?? DEFAULT_STREAM);
  try {
    await projection?.start();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return {
    calls: metricsCalls({ settings: new MetricsSettingsStore(options.kv), store, projection: METRICS_PROJECTION, now: options.now }),
    projection,
    close: async () => {
      await projection?.stop();
      await store.close();
    },
  };
}
