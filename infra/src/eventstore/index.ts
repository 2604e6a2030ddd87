/** The event store: port, factory, adapters and schema migration. See eventStore.ts. */
export type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from './eventStore';
export { createEventStore, eventStoreBackendOf, type CreateEventStoreOptions, type EventStoreBackend } from './createEventStore';
export { createPostgresEventStore, type PostgresEventStoreOptions } from './postgres';
export { createPgliteEventStore, type PgliteEventStoreOptions } from './pglite';
export { createKurrentDbEventStore, KurrentDbEventStore } from './kurrentdb';
export { SqlEventStore, type SqlEventStoreOptions } from './sql/sqlEventStore';
export { migrate } from './migrate';
export * as eventStoreSql from './sql/statements';
