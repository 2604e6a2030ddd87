import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayObserver } from './relay';

/**
 * Prometheus metrics of a relay: events relayed (and duplicates JetStream
 * dropped), failed publishes, events passed over, and the lag between an
 * event's commit and its PubAck.
 *
 * @example
 *   const relay = await EventRelay.start({ ...options, observer: relayMetrics(rt.metrics.registry, 'conversation') });
 */
export function relayMetrics(registry: Registry, relayName: string): RelayObserver {
  const labels = { relay: relayName };
  const relayed = new Counter({ name: 'relay_events_total', help: 'Events acknowledged by JetStream', labelNames: ['relay', 'duplicate'], registers: [registry] });
  const failures = new Counter({ name: 'relay_publish_failures_total', help: 'Failed publish attempts (each retried)', labelNames: ['relay'], registers: [registry] });
  const passedOver = new Counter({ name: 'relay_unpublishable_events_total', help: 'Events that cannot be published (no tenant, unsafe type)', labelNames: ['relay'], registers: [registry] });
  const lag = new Gauge({ name: 'relay_lag_seconds', help: 'Time from commit to PubAck of the last relayed event', labelNames: ['relay'], registers: [registry] });
  const leaseHeld = new Gauge({ name: 'relay_lease_held', help: '1 while this process holds the relay lease and publishes, 0 while it stands by', labelNames: ['relay'], registers: [registry] });
  leaseHeld.set(labels, 0);
  const checkpointAt = new Gauge({ name: 'relay_checkpoint_saved_timestamp_seconds', help: 'When the checkpoint was last saved', labelNames: ['relay'], registers: [registry] });
  // Called for every event: the labelled series are looked up once, not hashed from their labels each time.
  const relayedNew = relayed.labels({ ...labels, duplicate: 'false' });
  const relayedAgain = relayed.labels({ ...labels, duplicate: 'true' });
  const relayLag = lag.labels(labels);
  return {
    relayed: (_event, ack) => {
      (ack.duplicate ? relayedAgain : relayedNew).inc();
      relayLag.set(ack.lagMs / 1_000);
    },
    publishFailed: () => failures.inc(labels),
    unpublishable: () => passedOver.inc(labels),
    checkpointSaved: () => checkpointAt.set(labels, Date.now() / 1_000),
    leaseHeld: (held) => leaseHeld.set(labels, held ? 1 : 0),
  };
}
