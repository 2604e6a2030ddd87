import type { Logger } from '@contactcenter/infra';
import type { SqlClient } from '@contactcenter/infra/sql';
import type { EventStore, RecordedEvent } from '@contactcenter/infra/eventstore';
import { READ_MODEL_TABLES } from './schema';

export type ProjectBatch = (tx: SqlClient, events: RecordedEvent[]) => Promise<void>;

const BATCH = 500;
const IDLE_MS = 25;

/**
 * Keeps the read models up to date with the event store's global log. Each
 * batch is applied in one transaction together with its checkpoint, so a
 * crash never applies an event twice or skips one.
 */
export class Projector {
  private running = false;
  private loop: Promise<void> | undefined;
  private position: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly sql: SqlClient,
    private readonly events: EventStore,
    private readonly project: ProjectBatch,
    private readonly logger: Logger,
  ) {}

  async checkpoint(): Promise<string | undefined> {
    const { rows } = await this.sql.query<{ position: string }>('SELECT position FROM cv_checkpoints WHERE name = $1', [this.name]);
    return rows[0]?.position;
  }

  /** Applies everything the log holds now; returns how many events it applied. */
  async catchUp(): Promise<number> {
    this.position ??= await this.checkpoint();
    let applied = 0;
    for (;;) {
      const batch = await this.events.readAll({ after: this.position, maxCount: BATCH });
      if (batch.length === 0) return applied;
      const last = batch[batch.length - 1]!.position;
      await this.sql.transaction(async (tx) => {
        await this.project(tx, batch);
        await tx.query(
          `INSERT INTO cv_checkpoints (name, position) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [this.name, last],
        );
      });
      this.position = last;
      applied += batch.length;
      for (const wake of this.waiters) wake();
    }
  }

  /** Follows the log until stopped; a failing batch is retried after a pause, never skipped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let failures = 0;
      while (this.running) {
        try {
          const applied = await this.catchUp();
          failures = 0;
          if (applied === 0) await new Promise((r) => setTimeout(r, IDLE_MS));
        } catch (err) {
          failures++;
          this.logger.error({ err, projection: this.name }, 'read model projection failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** failures)));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Resolves once the projection has applied at least up to `isCaughtUp()` being true, or after `timeoutMs`. */
  async waitUntil(isCaughtUp: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!(await isCaughtUp())) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 50));
        this.waiters.add(wake);
      });
    }
    return true;
  }

  /** Empties the read models and folds the whole log again. */
  async rebuild(): Promise<number> {
    const wasRunning = this.running;
    await this.stop();
    await this.sql.transaction(async (tx) => {
      await tx.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
      await tx.query('DELETE FROM cv_checkpoints WHERE name = $1', [this.name]);
    });
    this.position = undefined;
    const applied = await this.catchUp();
    if (wasRunning) this.start();
    return applied;
  }
}
