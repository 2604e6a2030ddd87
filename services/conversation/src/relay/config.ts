import { bool, int, string, url } from '@contactcenter/infra';
import { EVENT_STORE_SCHEMES } from '../config';
import { DEFAULT_CHECKPOINT_BUCKET } from './checkpointStore';
import { DEFAULT_LEASE_BUCKET, DEFAULT_LEASE_TTL_MS } from './relayLease';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_STREAM } from '@contactcenter/infra/events';

/** Settings of the standalone relay process (`relay/main.ts`), beyond the ones every service shares. */
export const relayConfig = {
  /** The event store to follow: postgres://…, pglite://<dir>, kurrentdb://… */
  EVENT_STORE_URL: url(EVENT_STORE_SCHEMES),
  /** The relay only reads; the conversation service or `npm run migrate` owns the schema. */
  EVENT_STORE_MIGRATE: bool({ default: false }),
  /** Checkpoint key: exactly one running relay per name. */
  RELAY_NAME: string({ default: 'conversation' }),
  RELAY_STREAM: string({ default: DEFAULT_STREAM }),
  RELAY_CHECKPOINT_BUCKET: string({ default: DEFAULT_CHECKPOINT_BUCKET }),
  /** JetStream's dedup window: a crashed relay must be back within it to republish without duplicates. */
  RELAY_DUPLICATE_WINDOW_MS: int({ default: DEFAULT_DUPLICATE_WINDOW_MS, min: 1_000 }),
  /** Age at which JetStream discards events; 0 keeps them. */
  RELAY_MAX_AGE_MS: int({ default: 0, min: 0 }),
  RELAY_CHECKPOINT_EVERY: int({ default: 100, min: 1 }),
  RELAY_CHECKPOINT_INTERVAL_MS: int({ default: 200, min: 1 }),
  /** How long a relay's lease outlives its holder's last renewal: the fail-over time when the holder dies. */
  RELAY_LEASE_TTL_MS: int({ default: DEFAULT_LEASE_TTL_MS, min: 1_000, max: 120_000 }),
  RELAY_LEASE_BUCKET: string({ default: DEFAULT_LEASE_BUCKET }),
};
