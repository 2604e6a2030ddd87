import { UnavailableError } from '../../errors';

/**
 * The little a SQL event store needs from a driver; implemented over a `pg`
 * pool (postgres.ts) and over PGlite (pglite.ts).
 */
export interface SqlQueryable {
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface SqlRunner extends SqlQueryable {
  /** Runs `fn` in one transaction on one connection; a thrown error rolls it back. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Where the database is, for error messages ("PostgreSQL at db:5432"). */
  readonly description: string;
}

/** The SQLSTATE of a driver error (pg and PGlite both expose `code`). */
export const sqlStateOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** Lost races that a fresh attempt resolves: unique violation, deadlock, serialization failure. */
export const isLostRace = (err: unknown): boolean => ['23505', '40P01', '40001'].includes(sqlStateOf(err) ?? '');

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Is this the database being out of reach (network, server shutting down,
 * too many connections) rather than a bad statement? Those become
 * UnavailableError so that callers can retry or go unready.
 */
export function isUnavailable(err: unknown): boolean {
  const state = sqlStateOf(err);
  if (state) return state.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(state);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

/** Rethrows driver errors in the shared hierarchy where one applies. */
export function mapDriverError(err: unknown, description: string): Error {
  if (isUnavailable(err)) return new UnavailableError(`${description} is unavailable (${(err as Error).message})`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
