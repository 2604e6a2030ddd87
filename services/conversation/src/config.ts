import { bool, int, optionalString, url } from '@contactcenter/infra';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE } from '@contactcenter/infra/sql';
import { DEFAULT_LEASE_TTL_MS } from './relay/relayLease';

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
  /** PostgreSQL connections of the event store's pool; the read models have a pool of their own (READ_MODEL_POOL_SIZE). */
  EVENT_STORE_POOL_SIZE: int({ default: DEFAULT_POOL_SIZE, min: 1, max: 1_000 }),
  /** PostgreSQL connections of the read models' and snapshots' pool. */
  READ_MODEL_POOL_SIZE: int({ default: DEFAULT_POOL_SIZE, min: 1, max: 1_000 }),
  /**
   * How long a query waits for a connection of either pool (all busy, or one being opened) before the
   * command fails as UNAVAILABLE (503 with Retry-After at the gateway); keep it under the callers' 5 s deadline.
   */
  EVENT_STORE_CONNECT_TIMEOUT_MS: int({ default: DEFAULT_CONNECT_TIMEOUT_MS, min: 50, max: 60_000 }),
  /** Create or upgrade the event store schema at start (production runs `npm run migrate` instead). */
  EVENT_STORE_MIGRATE: bool({ default: true }),
  /** Take a snapshot of a conversation once this many events followed the last one. */
  SNAPSHOT_EVERY: int({ default: 100, min: 1 }),
  /**
   * Conversations kept in memory between commands (0 turns it off); the append's expected revision keeps it
   * correct with several replicas. About 2.5 KB each for a conversation of a few messages: the default
   * (about 125 MB) holds a Monday-morning backlog, where 5,000 made every assignment read its conversation.
   */
  RECENT_CONVERSATIONS: int({ default: 50_000, min: 0, max: 1_000_000 }),
  /** Run the relay of conversation events to NATS in this process (safe in every replica: one holds the lease and publishes). */
  RELAY_ENABLED: bool({ default: true }),
  /** How long the relay's lease outlives its holder's last renewal: the fail-over time when the holder dies. */
  RELAY_LEASE_TTL_MS: int({ default: DEFAULT_LEASE_TTL_MS, min: 1_000, max: 120_000 }),
};
