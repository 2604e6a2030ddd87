/**
 * One region's routing and presence gRPC services, added to a server the test
 * owns, for gateway tests of several regions in one process. Presence is real
 * (its KV store and events on the test's NATS); routing answers from its real
 * store and from `waiting` (tenant → conversation → what GetQueue reads)
 * instead of a running router.
 */
import type { GrpcServer, Logger, NatsConnection } from '@contactcenter/infra';
import { PresenceServiceService } from '@contactcenter/proto/presence/v1';
import { RoutingServiceService } from '@contactcenter/proto/routing/v1';
import { Presence, presenceGrpc } from '../../services/presence/src/presenceService';
import { PresenceEvents } from '../../services/presence/src/store/presenceEvents';
import { PresenceStore } from '../../services/presence/src/store/presenceStore';
import { routingGrpc } from '../../services/routing/src/grpc';
import { RoutingStore } from '../../services/routing/src/store/routingStore';

export type Waiting = Map<string, Map<string, { queueId: string; queuedAt: number }>>;

/** Adds routing and presence for `region` to `grpc`; their buckets are named after the region and `run`. */
export async function addRoutingAndPresence(grpc: GrpcServer, nats: NatsConnection, region: string, run: string, logger: Logger, waiting: Waiting = new Map()): Promise<void> {
  grpc.addService(RoutingServiceService, routingGrpc({ store: await RoutingStore.open(nats, `routing_${region}_${run}`), router: { waiting } as never, offers: {} as never, peers: {} as never }));
  const presenceStore = await PresenceStore.open(nats, `presence_${region}_${run}`);
  const presence = new Presence({ store: presenceStore, events: await PresenceEvents.open(nats, region, logger), logger, heartbeatTimeoutMs: 60_000 });
  grpc.addService(PresenceServiceService, presenceGrpc(presence, presenceStore));
}
