import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UnavailableError } from '../errors';
import type { EventStore } from './eventStore';
import { migrateSchema, requireSchema } from './sql/migration';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sqlEventStore';
import type { SqlQueryable, SqlRunner } from './sql/sqlRunner';

export interface PgliteEventStoreOptions extends SqlEventStoreOptions {
  /** Create the schema if missing (default true). */
  migrate?: boolean;
}

/**
 * The embedded event store (default of `npm start`): PGlite, in memory or in
 * a directory, running the same SQL as the PostgreSQL adapter. One directory
 * must be opened by one instance at a time.
 *
 * @example
 *   const store = await createPgliteEventStore('.data/eventstore'); // or 'memory'
 */
export async function createPgliteEventStore(location: string, options: PgliteEventStoreOptions = {}): Promise<EventStore> {
  const db = await openPglite(location);
  try {
    if (options.migrate ?? true) await migrateSchema(db);
    else await requireSchema(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  // Every append goes through this one instance, which wakes its subscriptions itself: polling only
  // backs that up, so it can be slow (at 20-100 ms it cost an idle `npm start` a tenth of a core).
  return new SqlEventStore(db, { pollIntervalMs: { min: 20, max: 1_000 }, ...options });
}

type Reply = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };
type Pending = { resolve: (rows: unknown[]) => void; reject: (err: Error) => void };

/**
 * Opens PGlite in a worker thread (pgliteWorker.cjs). Two reasons: PGlite
 * boots its WASM runtime with dynamic `import()`, which Jest's module sandbox
 * refuses on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG), while a
 * worker runs bare Node; and the database's CPU work stays off the service's
 * event loop. PGlite is a single connection, so statements are queued here,
 * and a transaction holds the queue from BEGIN to COMMIT: transactions are
 * serialised in-process.
 *
 * `location` is `memory` (or empty) for an in-memory database, else a directory (created if missing).
 */
export async function openPglite(location: string): Promise<SqlRunner> {
  const description = location === 'memory' || location === '' ? 'PGlite in memory' : `PGlite at ${location}`;
  const worker = new Worker(join(__dirname, 'pgliteWorker.cjs'), { workerData: { location } });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; error?: { message: string } }) =>
      m.ready ? resolve() : reject(new UnavailableError(`${description} could not be opened (${m.error?.message})`)),
    );
    worker.once('error', (err) => reject(new UnavailableError(`${description} could not be opened (${err.message})`, { cause: err })));
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.error) p.reject(Object.assign(new Error(reply.error.message), reply.error));
    else p.resolve(reply.rows ?? []);
  });
  worker.on('error', (err) => fail(new UnavailableError(`${description} failed (${err.message})`, { cause: err })));
  worker.on('exit', () => fail(new UnavailableError(`${description} is closed`)));

  const send = (message: { text?: string; params?: unknown[]; close?: true }): Promise<unknown[]> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  };
  const run: SqlQueryable = { query: async <R>(text: string, params?: unknown[]) => (await send({ text, params })) as R[] };

  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = queue.then(fn, fn);
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    description,
    query: (text, params) => exclusive(() => run.query(text, params)),
    transaction: (fn) =>
      exclusive(async () => {
        await run.query('BEGIN');
        try {
          const result = await fn(run);
          await run.query('COMMIT');
          return result;
        } catch (err) {
          await run.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    close: () =>
      exclusive(async () => {
        if (failure) return;
        await send({ close: true }).catch(() => undefined);
        await worker.terminate();
      }),
  };
}
