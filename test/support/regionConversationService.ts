/**
 * One region's conversation service over gRPC on loopback, on its own embedded
 * event store (PGlite in memory), for gateway tests of several regions in one
 * process: new ids carry the region (`<region>_<uuid>`).
 */
import { createLogger, GrpcServer } from '@contactcenter/infra';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql } from '@contactcenter/infra/sql';
import { ConversationServiceService } from '@contactcenter/proto/conversation/v1';
import { assembleConversationService } from '../../services/conversation/src/service';

export interface RegionConversationService {
  /** Its event store, for checking what was (not) written in this region. */
  events: EventStore;
  /** `127.0.0.1:<port>`: the gateway's conversation peer. */
  address: string;
  stop(): Promise<void>;
}

export async function startRegionConversationService(region: string, regions: readonly string[]): Promise<RegionConversationService> {
  const events = await createEventStore('pglite://memory');
  const sql = await connectSql('pglite://memory');
  const logger = createLogger(`conversation-${region}`, 'silent');
  const service = await assembleConversationService({ events, sql, logger, snapshotEvery: 50, regions: { region, regions: [...regions] } });
  service.projector.start();
  const server = new GrpcServer(logger);
  server.addService(ConversationServiceService, service.grpc);
  const port = await server.listen('127.0.0.1', 0);
  server.markServing();
  return {
    events,
    address: `127.0.0.1:${port}`,
    async stop() {
      await server.shutdown(1_000);
      await service.projector.stop();
      await events.close();
      await sql.close();
    },
  };
}
