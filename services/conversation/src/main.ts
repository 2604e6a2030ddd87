import { runService } from '@contactcenter/infra';
import { createEventStore } from '@contactcenter/infra/eventstore';
import { connectSql } from '@contactcenter/infra/sql';
import { ConversationServiceService } from '@contactcenter/proto/conversation/v1';
import { conversationConfig } from './config';
import { readModelUrlFor } from './readModelUrl';
import { EventRelay, relayMetrics } from './relay';
import { assembleConversationService } from './service';

/**
 * The conversation service process: commands and queries over gRPC, the
 * event store as the source of truth, read models kept up to date from its
 * global log, and (unless disabled) the relay of its events to NATS.
 */
runService('conversation', conversationConfig, async (rt) => {
  const { config, logger } = rt;
  const pool = { connectTimeoutMs: config.EVENT_STORE_CONNECT_TIMEOUT_MS };
  const events = await createEventStore(config.EVENT_STORE_URL, { migrate: config.EVENT_STORE_MIGRATE, poolSize: config.EVENT_STORE_POOL_SIZE, ...pool });
  const sql = await connectSql(readModelUrlFor(config.EVENT_STORE_URL, config.READ_MODEL_URL), { poolSize: config.READ_MODEL_POOL_SIZE, ...pool });
  const service = await assembleConversationService({
    events,
    sql,
    logger,
    snapshotEvery: config.SNAPSHOT_EVERY,
    recentConversations: config.RECENT_CONVERSATIONS,
    regions: { region: config.REGION, regions: config.REGIONS },
  });
  service.projector.start();
  rt.grpc.addService(ConversationServiceService, service.grpc);
  if (config.RELAY_ENABLED) {
    // Every replica may run it: the one holding the lease publishes, the others stand by to take over.
    const relay = await EventRelay.start({
      events,
      nats: rt.nats,
      logger,
      region: config.REGION,
      leaseTtlMs: config.RELAY_LEASE_TTL_MS,
      observer: relayMetrics(rt.metrics.registry, 'conversation'),
    });
    rt.onShutdown('relay', () => relay.stop());
  }

  rt.onShutdown('projector', () => service.projector.stop());
  rt.onShutdown('stores', async () => {
    await events.close();
    await sql.close();
  });
});
