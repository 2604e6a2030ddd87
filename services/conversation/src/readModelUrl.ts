import { ValidationError } from '@contactcenter/infra/errors';

/**
 * Where the read models and snapshots live when READ_MODEL_URL is not set:
 * the event store's own PostgreSQL database; beside an embedded PGlite event
 * store, a PGlite of their own (one PGlite directory serves one instance).
 * A KurrentDB event store needs READ_MODEL_URL.
 */
export function readModelUrlFor(eventStoreUrl: string, readModelUrl: string | undefined): string {
  if (readModelUrl) return readModelUrl;
  if (/^postgres(ql)?:\/\//.test(eventStoreUrl)) return eventStoreUrl;
  if (eventStoreUrl === 'pglite://memory' || eventStoreUrl === 'pglite://') return 'pglite://memory';
  if (eventStoreUrl.startsWith('pglite://')) return `${eventStoreUrl.replace(/\/+$/, '')}-read-models`;
  throw new ValidationError('READ_MODEL_URL', 'is required with a KurrentDB event store (postgres://… or pglite://…)');
}
