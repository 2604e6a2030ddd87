import { ValidationError } from '../errors';
import type { EventStore } from './eventStore';
import { createKurrentDbEventStore } from './kurrentdb';
import { createPgliteEventStore } from './pglite';
import { createPostgresEventStore } from './postgres';
import { traceAppends } from './tracedAppends';

export interface CreateEventStoreOptions {
  /** SQL backends: create the schema if missing (default true). Turn off where a migration job owns the schema. */
  migrate?: boolean;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: how long a query waits for a pooled connection before failing as unavailable (default 2 s). */
  connectTimeoutMs?: number;
}

export type EventStoreBackend = 'postgres' | 'pglite' | 'kurrentdb';

/** Which adapter serves `url`; a ValidationError naming EVENT_STORE_URL for anything else. */
export function eventStoreBackendOf(url: string): EventStoreBackend {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (url.startsWith('pglite://')) return 'pglite';
  if (/^(kurrentdb|kurrentdb\+discover|esdb|esdb\+discover):\/\//.test(url)) return 'kurrentdb';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new ValidationError(
    'EVENT_STORE_URL',
    `expected postgres://, postgresql://, pglite://<dir>|memory, kurrentdb://, esdb:// or esdb+discover://, got ${scheme ? `${scheme}://…` : 'no scheme'}`,
  );
}

/**
 * Opens the event store named by a URL:
 * - `postgres://…` / `postgresql://…`: PostgreSQL (production default);
 * - `pglite://memory` or `pglite://<dir>`: embedded PGlite;
 * - `kurrentdb://…`, `esdb://…`, `esdb+discover://…`: KurrentDB.
 * An unreachable server fails with UnavailableError naming its host.
 *
 * @example
 *   const store = await createEventStore(process.env.EVENT_STORE_URL ?? 'pglite://memory');
 */
export async function createEventStore(url: string, options: CreateEventStoreOptions = {}): Promise<EventStore> {
  switch (eventStoreBackendOf(url)) {
    case 'postgres':
      return traceAppends(await createPostgresEventStore(url, options), 'postgresql');
    case 'pglite':
      return traceAppends(await createPgliteEventStore(url.slice('pglite://'.length), options), 'pglite');
    case 'kurrentdb':
      return traceAppends(await createKurrentDbEventStore(url), 'kurrentdb');
  }
}
