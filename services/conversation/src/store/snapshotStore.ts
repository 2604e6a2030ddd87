import type { SqlClient } from '@contactcenter/infra/sql';
import { stateFromJSON, stateToJSON } from './stateCodec';

/**
 * Snapshots of aggregate state, kept beside the read models (they are a
 * cache, not history: losing them only costs a longer fold). Kept out of the
 * event store so the global log holds only domain events.
 * `schemaVersion` changes when the state's shape does; older snapshots are ignored.
 */
export class SnapshotStore<S> {
  constructor(
    private readonly sql: SqlClient,
    private readonly schemaVersion: number,
  ) {}

  static async migrate(sql: SqlClient): Promise<void> {
    await sql.query(`CREATE TABLE IF NOT EXISTS cv_snapshots (
      stream_id text PRIMARY KEY,
      revision bigint NOT NULL,
      schema_version int NOT NULL,
      state jsonb NOT NULL,
      taken_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async load(streamId: string): Promise<{ revision: number; state: S } | undefined> {
    const { rows } = await this.sql.query<{ revision: string; schema_version: number; state: unknown }>(
      'SELECT revision, schema_version, state FROM cv_snapshots WHERE stream_id = $1',
      [streamId],
    );
    const row = rows[0];
    if (!row || row.schema_version !== this.schemaVersion) return undefined;
    const state = typeof row.state === 'string' ? JSON.parse(row.state) : row.state;
    return { revision: Number(row.revision), state: stateFromJSON<S>(state) };
  }

  /** Keeps the newer of the stored and the given snapshot. */
  async save(streamId: string, revision: number, state: S): Promise<void> {
    await this.sql.query(
      `INSERT INTO cv_snapshots (stream_id, revision, schema_version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision, schema_version = EXCLUDED.schema_version,
         state = EXCLUDED.state, taken_at = now()
       WHERE cv_snapshots.revision < EXCLUDED.revision OR cv_snapshots.schema_version <> EXCLUDED.schema_version`,
      [streamId, revision, this.schemaVersion, JSON.stringify(stateToJSON(state))],
    );
  }
}
