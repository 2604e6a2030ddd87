import { readEvents, type StoredEventMessage } from '@contactcenter/infra/events';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConversationCloudEvent } from './cloudEvent';

export type RelayedMessage = StoredEventMessage<ConversationCloudEvent>;

/** The conversation events the stream holds now, in stream order (see `readEvents`). */
export const readRelayedEvents = (nc: NatsConnection, options: { stream?: string; filter?: string; batch?: number } = {}): Promise<RelayedMessage[]> =>
  readEvents<ConversationCloudEvent>(nc, options);
