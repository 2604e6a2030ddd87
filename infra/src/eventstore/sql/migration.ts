import { UnavailableError } from '../../errors';
import { MIGRATION_LOCK, SCHEMA } from './statements';
import type { SqlQueryable, SqlRunner } from './sqlRunner';

/**
 * Creates the event store's schema if it is missing; safe to run on every
 * start and from several processes at once (an advisory lock serialises
 * them, since `CREATE TABLE IF NOT EXISTS` alone can still race).
 * A later change to the schema goes here as another idempotent statement.
 */
export async function migrateSchema(db: SqlRunner): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(MIGRATION_LOCK);
    for (const statement of SCHEMA) await tx.query(statement);
  });
}

/** The tables every version needs; a later migration adds what it creates. */
const REQUIRED_TABLES = ['es_events', 'es_store'];

/**
 * Where a migration Job owns the schema (EVENT_STORE_MIGRATE=false), a
 * process started before the Job finished stops at once, saying so, instead
 * of reporting ready and failing every call: Kubernetes restarts it until the
 * schema is there.
 * @throws UnavailableError naming the missing tables and the migration.
 */
export async function requireSchema(db: SqlQueryable): Promise<void> {
  const rows = await db.query<{ name: string; present: boolean }>(
    `SELECT name, to_regclass(name) IS NOT NULL AS present FROM unnest($1::text[]) AS name`,
    [REQUIRED_TABLES],
  );
  const missing = rows.filter((r) => !r.present).map((r) => r.name);
  if (missing.length > 0) {
    throw new UnavailableError(`the event store has no schema (${missing.join(', ')} missing): run the migration (npm run migrate, or the migrate Job) first`);
  }
}
