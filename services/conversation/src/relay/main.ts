import { runService } from '@contactcenter/infra';
import { createEventStore } from '@contactcenter/infra/eventstore';
import { relayConfig } from './config';
import { EventRelay } from './relay';
import { relayMetrics } from './relayMetrics';

/**
 * The relay alone, as its own process: follows the event store's global log
 * and publishes each event to JetStream. Logs `ready` once it follows the log.
 *
 *   EVENT_STORE_URL=postgres://… NATS_URL=nats://… tsx services/conversation/src/relay/main.ts
 */
runService('relay', relayConfig, async (rt) => {
  const { config, logger } = rt;
  const events = await createEventStore(config.EVENT_STORE_URL, { migrate: config.EVENT_STORE_MIGRATE, poolSize: 2 });
  const relay = await EventRelay.start({
    events,
    nats: rt.nats,
    logger,
    name: config.RELAY_NAME,
    region: config.REGION,
    stream: { name: config.RELAY_STREAM, duplicateWindowMs: config.RELAY_DUPLICATE_WINDOW_MS, maxAgeMs: config.RELAY_MAX_AGE_MS },
    checkpointBucket: config.RELAY_CHECKPOINT_BUCKET,
    leaseBucket: config.RELAY_LEASE_BUCKET,
    leaseTtlMs: config.RELAY_LEASE_TTL_MS,
    checkpointEvery: config.RELAY_CHECKPOINT_EVERY,
    checkpointIntervalMs: config.RELAY_CHECKPOINT_INTERVAL_MS,
    observer: relayMetrics(rt.metrics.registry, config.RELAY_NAME),
  });
  rt.onShutdown('relay', () => relay.stop());
  rt.onShutdown('event store', () => events.close());
});
