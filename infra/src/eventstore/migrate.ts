import { eventStoreBackendOf } from './createEventStore';
import { openPglite } from './pglite';
import { connectPostgres } from './postgres';
import { migrateSchema } from './sql/migration';

/**
 * Creates the event store schema behind `url` if missing (idempotent).
 * KurrentDB has no schema: nothing to do. As a command:
 *   EVENT_STORE_URL=postgres://… tsx infra/src/eventstore/migrate.ts
 */
export async function migrate(url: string): Promise<void> {
  const backend = eventStoreBackendOf(url);
  if (backend === 'kurrentdb') return;
  const db = backend === 'postgres' ? await connectPostgres(url, 1) : await openPglite(url.slice('pglite://'.length));
  try {
    await migrateSchema(db);
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  const url = process.env.EVENT_STORE_URL;
  if (!url) {
    process.stderr.write('EVENT_STORE_URL: is required (postgres://… or pglite://<dir>)\n');
    process.exit(64);
  }
  migrate(url).then(
    () => process.stdout.write('event store schema is up to date\n'),
    (err: Error) => {
      process.stderr.write(`migration failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
