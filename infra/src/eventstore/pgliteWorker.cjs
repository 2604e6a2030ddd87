'use strict';
/**
 * Hosts one PGlite database in a worker thread for pglite.ts; plain
 * JavaScript so that it runs under bare Node whatever started the process
 * (tsx, Jest). Requests `{ id, text, params }` are run one at a time, in
 * arrival order; the parent orders them (and brackets transactions).
 * Replies: `{ id, rows }` or `{ id, error: { message, code, ... } }`.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { mkdirSync } = require('node:fs');

async function main() {
  const { PGlite } = require('@electric-sql/pglite');
  const { location } = workerData;
  const inMemory = location === 'memory' || location === '';
  if (!inMemory) mkdirSync(location, { recursive: true });
  const db = inMemory ? await PGlite.create() : await PGlite.create(location);
  let chain = Promise.resolve();
  parentPort.on('message', (request) => {
    chain = chain.then(async () => {
      try {
        if (request.close) {
          await db.close();
          parentPort.postMessage({ id: request.id, rows: [] });
          parentPort.close();
          return;
        }
        const result = await db.query(request.text, request.params);
        parentPort.postMessage({ id: request.id, rows: result.rows });
      } catch (err) {
        parentPort.postMessage({ id: request.id, error: describe(err) });
      }
    });
  });
  parentPort.postMessage({ ready: true });
}

/** Errors cross the thread boundary as plain data, keeping the SQLSTATE. */
function describe(err) {
  const e = err || {};
  return { message: String(e.message || e), name: e.name, code: e.code, detail: e.detail, constraint: e.constraint };
}

main().catch((err) => parentPort.postMessage({ ready: false, error: describe(err) }));
