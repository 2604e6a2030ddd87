import type { Logger } from '@contactcenter/infra';
import type { EventStore } from '@contactcenter/infra/eventstore';
import type { RegionSettings } from '@contactcenter/infra/regions';
import { migrateUnderLock, type SqlClient } from '@contactcenter/infra/sql';
import { conversationService } from './grpc';
import { conversationProjection } from './projections/conversationProjection';
import { Projector } from './projections/projector';
import { ConversationQueries } from './projections/queries';
import { migrateReadModels } from './projections/schema';
import { ConversationRepository } from './store/conversationRepository';
import { SnapshotStore } from './store/snapshotStore';
import type { ConversationState } from './conversation';

/** Bump when ConversationState changes shape: older snapshots are then ignored. */
// 2: message languages and translations in the state.
export const SNAPSHOT_SCHEMA_VERSION = 2;
export const READ_MODEL_PROJECTION = 'conversation-read-model-v1';

/** The conversation service's parts, wired over an event store and a read-model database. */
export async function assembleConversationService(opts: { events: EventStore; sql: SqlClient; logger: Logger; snapshotEvery: number; recentConversations?: number; regions?: RegionSettings }) {
  await migrateUnderLock(opts.sql, 'conversation read models', async (tx) => {
    await migrateReadModels(tx);
    await SnapshotStore.migrate(tx);
  });
  const snapshots = new SnapshotStore<ConversationState>(opts.sql, SNAPSHOT_SCHEMA_VERSION);
  const repository = new ConversationRepository(opts.events, snapshots, opts.snapshotEvery, opts.logger, opts.recentConversations ?? 0);
  // The projector remembers as many conversations' states as the command side keeps (RECENT_CONVERSATIONS).
  const projector = new Projector(READ_MODEL_PROJECTION, opts.sql, opts.events, conversationProjection(opts.recentConversations ?? 0), opts.logger);
  const queries = new ConversationQueries(opts.sql);
  const grpc = conversationService({ repository, queries, projector, events: opts.events, regions: opts.regions, logger: opts.logger });
  return { snapshots, repository, projector, queries, grpc };
}
