import { createHash } from 'node:crypto';
import pg from 'pg';
import { UnavailableError, ValidationError } from '../errors';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE } from '../poolSettings';
import type { EventStore } from './eventStore';
import { PostgresAppendNotifications } from './sql/appendNotifications';
import { migrateSchema, requireSchema } from './sql/migration';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sqlEventStore';
import { mapDriverError, sqlStateOf, type SqlQueryable, type SqlRunner } from './sql/sqlRunner';

export interface PostgresEventStoreOptions extends SqlEventStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long a query waits for a connection of the pool (busy or being opened) before failing as unavailable (default 2 s). */
  connectTimeoutMs?: number;
  /** Create the schema if missing (default true). */
  migrate?: boolean;
}

/**
 * The production event store: PostgreSQL through a `pg` pool.
 *
 * @example
 *   const store = await createPostgresEventStore('postgres://cc@db:5432/contactcenter');
 */
export async function createPostgresEventStore(url: string, options: PostgresEventStoreOptions = {}): Promise<EventStore> {
  const db = await connectPostgres(url, options.poolSize ?? DEFAULT_POOL_SIZE, options.connectTimeoutMs);
  try {
    if (options.migrate ?? true) await migrateSchema(db);
    else await requireSchema(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw mapDriverError(err, db.description);
  }
  return new SqlEventStore(db, { appendNotifications: new PostgresAppendNotifications(url), ...options });
}

/** "PostgreSQL at host:port/db", never the password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host') ?? `${u.hostname || 'localhost'}:${u.port || 5432}`;
    return `PostgreSQL at ${host}${u.pathname}`;
  } catch {
    return 'PostgreSQL at the configured URL';
  }
}

const statementNames = new Map<string, string>();
/**
 * Parameterised statements run as named prepared statements: each connection
 * parses and plans them once, instead of on every append (the APPEND CTE
 * costs more to plan than to run).
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `es_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return name;
}

/** A pool that answered `SELECT 1`; fails fast with UnavailableError (unreachable) or ValidationError (refused). */
export async function connectPostgres(url: string, poolSize: number, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<SqlRunner> {
  const description = describePostgresUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeoutMs, application_name: 'eventstore' });
  // An idle connection that breaks (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const state = sqlStateOf(err) ?? '';
    // Wrong credentials or database: retrying will not help, the configuration is wrong.
    if (state.startsWith('28') || state === '3D000') {
      throw new ValidationError('EVENT_STORE_URL', `${description} refused the connection: ${(err as Error).message}`, { cause: err });
    }
    throw new UnavailableError(`${description} is unreachable (${(err as Error).message})`, { cause: err });
  }
  const over = (q: pg.Pool | pg.PoolClient): SqlQueryable => ({
    query: async <R>(text: string, params?: unknown[]) => (await q.query({ text, values: params, name: params ? statementName(text) : undefined })).rows as R[],
  });
  return {
    description,
    ...over(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(over(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        // A connection that could not even roll back is not given back to the pool.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
