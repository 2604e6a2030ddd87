import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { UnavailableError, ValidationError } from './errors';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE } from './poolSettings';

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE };
import { mapDriverError } from './eventstore/sql/sqlRunner';

/**
 * A small SQL client over PostgreSQL (`pg` pool) or embedded PGlite, for
 * read models and snapshots: the same SQL runs on both.
 *
 * @example
 *   const sql = await connectSql('pglite://memory');
 *   await sql.transaction(async (tx) => tx.query('INSERT INTO t VALUES ($1)', [1]));
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs `fn` in one transaction; a thrown error rolls it back. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Runs a service's schema migration in one transaction holding an advisory
 * lock named after it: replicas starting together on a fresh database take
 * turns, since `CREATE TABLE IF NOT EXISTS` from two sessions at once can
 * still fail (a duplicate key in pg_type).
 */
export async function migrateUnderLock(sql: SqlClient, name: string, migrate: (tx: SqlClient) => Promise<void>): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`contactcenter migration: ${name}`]);
    await migrate(tx);
  });
}

const hostOf = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}`;
  } catch {
    return 'the configured host';
  }
};

/**
 * `poolSize` (default 10) and `connectTimeoutMs`, how long a query waits for
 * a pooled connection (default 2 s), apply to PostgreSQL; a checkout that
 * times out, like the server being out of reach, fails as UnavailableError.
 */
export async function connectSql(url: string, options: { poolSize?: number; connectTimeoutMs?: number } = {}): Promise<SqlClient> {
  if (/^postgres(ql)?:\/\//.test(url)) return connectPostgres(url, options.poolSize ?? DEFAULT_POOL_SIZE, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  if (url.startsWith('pglite://')) return connectPglite(url.slice('pglite://'.length));
  throw new ValidationError('url', `expected postgres://… or pglite://…, got ${JSON.stringify(url.split(':')[0])}`);
}

async function connectPostgres(url: string, max: number, connectTimeoutMs: number): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: connectTimeoutMs });
  pool.on('error', () => undefined); // idle client errors surface on the next query
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new UnavailableError(`PostgreSQL at ${hostOf(url)} is unreachable (${(err as Error).message})`, { cause: err });
  }
  // The database out of reach or the pool exhausted is a temporary fault (UNAVAILABLE, 503), not a bug (INTERNAL, 500).
  const unavailable = (err: unknown) => mapDriverError(err, `PostgreSQL at ${hostOf(url)}`);
  const wrap = (q: pg.Pool | pg.PoolClient): Pick<SqlClient, 'query'> => ({
    query: async <R>(text: string, params?: unknown[]) => {
      try {
        return { rows: (await q.query(text, params as unknown[])).rows as R[] };
      } catch (err) {
        throw unavailable(err);
      }
    },
  });
  const client: SqlClient = {
    ...wrap(pool),
    async transaction(fn) {
      const conn = await pool.connect().catch((err: unknown) => {
        throw unavailable(err);
      });
      // A checked-out client whose server dies emits 'error'; unheard, that would crash the process.
      // Heard, the transaction fails like any other query, and the broken client is destroyed, not pooled.
      let broken: Error | undefined;
      const onError = (err: Error) => void (broken = err);
      conn.on('error', onError);
      try {
        await conn.query('BEGIN');
        const tx: SqlClient = { ...wrap(conn), transaction: (inner) => inner(tx), close: async () => undefined };
        const result = await fn(tx);
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        conn.off('error', onError);
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };
  return client;
}

async function connectPglite(location: string): Promise<SqlClient> {
  const inMemory = location === 'memory' || location === '';
  if (!inMemory) mkdirSync(location, { recursive: true });
  const db = inMemory ? await PGlite.create() : await PGlite.create(location);
  type Q = { query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> };
  const wrap = (q: Q): Pick<SqlClient, 'query'> => ({ query: async <R>(text: string, params?: unknown[]) => ({ rows: (await q.query<R>(text, params)).rows }) });
  const client: SqlClient = {
    ...wrap(db),
    transaction: (fn) =>
      db.transaction(async (t) => {
        const tx: SqlClient = { ...wrap(t), transaction: (inner) => inner(tx), close: async () => undefined };
        return fn(tx);
      }),
    close: () => db.close(),
  };
  return client;
}
