/** The relay of conversation events from the event store's global log to JetStream, as CloudEvents. */
export { EventRelay, type EventRelayOptions, type RelayObserver } from './relay';
export { relayMetrics } from './relayMetrics';
export { RelayLeases, DEFAULT_LEASE_BUCKET, DEFAULT_LEASE_TTL_MS, type HeldLease } from './relayLease';
export { RelayCheckpoints, DEFAULT_CHECKPOINT_BUCKET, type RelayCheckpoint } from './checkpointStore';
export { ensureEventStream, DEFAULT_STREAM, DEFAULT_SUBJECTS, DEFAULT_DUPLICATE_WINDOW_MS, type EventStreamOptions } from '@contactcenter/infra/events';
export {
  conversationEventSubject,
  conversationSource,
  decodeCloudEvent,
  encodeCloudEvent,
  eventTypeOf,
  type ConversationCloudEvent,
  type EncodedCloudEvent,
} from './cloudEvent';
export { readRelayedEvents, type RelayedMessage } from './readRelayedEvents';
