import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import type { MetricsProjection } from './projection/metricsProjection';

/**
 * How far the metrics projection has read the events stream, for an alert
 * on a projection that stalls: `survey_metrics_projected_sequence` (the last
 * stream sequence committed) and `survey_metrics_lag_events` (events in the
 * stream not projected yet), read at scrape time.
 */
export function registerProjectionGauges(registry: Registry, nc: NatsConnection, projection: MetricsProjection, stream: string): void {
  let manager: ReturnType<typeof jetstreamManager> | undefined;
  new Gauge({
    name: 'survey_metrics_projected_sequence',
    help: 'Last events-stream sequence committed to the metrics database by this replica',
    registers: [registry],
    collect() {
      this.set(projection.projectedThrough);
    },
  });
  new Gauge({
    name: 'survey_metrics_lag_events',
    help: 'Events in the stream that the metrics projection has not committed yet',
    registers: [registry],
    async collect() {
      manager ??= jetstreamManager(nc);
      const info = await manager
        .then((jsm) => jsm.streams.info(stream))
        .catch(() => void (manager = undefined)); // no figure this scrape; a fresh manager on the next
      if (info) this.set(Math.max(0, info.state.last_seq - projection.projectedThrough));
    },
  });
}
