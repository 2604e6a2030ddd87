import { MIGRATION_LOCK, SCHEMA } from './statements';
import type { SqlRunner } from './sqlRunner';

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
