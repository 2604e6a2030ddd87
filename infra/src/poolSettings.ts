/**
 * Defaults of every PostgreSQL pool (event store, read models, metrics), chosen
 * rather than inherited from the driver.
 */

/** Connections per pool: with a few replicas, well under PostgreSQL's default max_connections of 100. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * How long a query waits for a pooled connection (all busy, or one being
 * opened): shorter than a caller's gRPC deadline (5 s), so that work queued
 * behind a saturated pool fails soon as UnavailableError (UNAVAILABLE, 503 +
 * Retry-After at the gateway) instead of piling up until the caller's
 * deadline, and the pool recovers as soon as the load falls.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
