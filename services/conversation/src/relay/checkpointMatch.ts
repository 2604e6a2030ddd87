import type { EventStore } from '@contactcenter/infra/eventstore';
import type { RelayCheckpoint } from './checkpointStore';

/** The command that empties the relay's stream and checkpoint, so the relay starts again from the store's first event. */
export const RESET_COMMAND = 'npm run relay:reset';

/**
 * A relay checkpoint that does not belong to the event store the relay reads:
 * following it would publish nothing (a position the store never had) or,
 * worse, skip events silently (a restored store that grew past the old
 * position). The relay stops instead and names the way out.
 */
export class RelayCheckpointMismatchError extends Error {
  override readonly name = 'RelayCheckpointMismatchError';
  constructor(
    readonly relayName: string,
    readonly cause_: string,
  ) {
    super(
      `relay ${relayName}: its checkpoint does not belong to this event store (${cause_}). ` +
        `The JetStream stream holds events this store does not have. With every service stopped, run \`${RESET_COMMAND}\` ` +
        `(same NATS_URL and RELAY_* settings) to empty the stream and the checkpoint; the relay then publishes this store from its first event.`,
    );
  }
}

/**
 * Checks that `checkpoint` names an event of `events`: the same store identity
 * (when the checkpoint has one) and, at its position, the very event it recorded.
 * @throws RelayCheckpointMismatchError when it does not.
 */
export async function assertCheckpointBelongs(relayName: string, checkpoint: RelayCheckpoint, events: EventStore, storeId: string): Promise<void> {
  if (checkpoint.storeId !== undefined && checkpoint.storeId !== storeId) {
    throw new RelayCheckpointMismatchError(relayName, `it was saved for event store ${checkpoint.storeId}, and this one is ${storeId}: a new or another database`);
  }
  const there = await events.eventAt(checkpoint.position);
  if (!there) {
    throw new RelayCheckpointMismatchError(relayName, `the store has no event at position ${checkpoint.position}: a new database, or one restored from a backup older than the checkpoint`);
  }
  if (checkpoint.eventId && there.id !== checkpoint.eventId) {
    throw new RelayCheckpointMismatchError(
      relayName,
      `position ${checkpoint.position} holds event ${there.id}, not ${checkpoint.eventId}: the store was restored from a backup and has grown since`,
    );
  }
}
