import { bool, int, optionalString, url } from '@contactcenter/infra';

export const EVENT_STORE_SCHEMES = ['postgres', 'postgresql', 'pglite', 'kurrentdb', 'kurrentdb+discover', 'esdb', 'esdb+discover'] as const;

/** Conversation service settings beyond the ones every service shares. */
export const conversationConfig = {
  /** Where conversation history lives: postgres://…, pglite://<dir> | pglite://memory, kurrentdb://… */
  EVENT_STORE_URL: url(EVENT_STORE_SCHEMES),
  /**
   * SQL database of the read models and snapshots (postgres:// or pglite://).
   * Defaults to the event store's database when that is SQL.
   */
  READ_MODEL_URL: optionalString(),
  /** Create or upgrade the event store schema at start (production runs `npm run migrate` instead). */
  EVENT_STORE_MIGRATE: bool({ default: true }),
  /** Take a snapshot of a conversation once this many events followed the last one. */
  SNAPSHOT_EVERY: int({ default: 100, min: 1 }),
  /** Run the relay of conversation events to NATS in this process. */
  RELAY_ENABLED: bool({ default: true }),
};
