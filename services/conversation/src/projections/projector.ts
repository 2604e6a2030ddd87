import type { Logger } from '@contactcenter/infra';
import type { SqlClient } from '@contactcenter/infra/sql';
import type { EventStore, RecordedEvent } from '@contactcenter/infra/eventstore';
import { READ_MODEL_TABLES } from './schema';

/**
 * Applies a batch inside the projector's transaction. What it returns, if
 * anything, is called once that transaction has committed (to remember what
 * was written, say); `forget` is called when the read models are emptied.
 */
export type ProjectBatch = ((tx: SqlClient, events: RecordedEvent[]) => Promise<void | (() => void)>) & { forget?: () => void };

const BATCH = 500;
/** Events read ahead of the batch being applied, at most. */
const MAX_ARRIVED = 4 * BATCH;
/**
 * A live batch starts at least this long after the previous one started:
 * an event arriving after a quiet spell is applied at once, and a steady
 * flow costs at most 1000 / this many transactions a second (each with a
 * commit to flush), whatever the rate, instead of one per event.
 */
const MIN_BATCH_INTERVAL_MS = 20;

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
  /** Stops the live subscription (stop). */
  private following: AbortController | undefined;

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
      await this.apply(batch);
      applied += batch.length;
    }
  }

  /**
   * Catches up, then follows the log live until stopped: the store's live
   * subscription says when something was appended (no polling), and what
   * arrives while a batch is being applied is applied together next, so a
   * busy log costs one transaction per batch, not one per event
   * (MIN_BATCH_INTERVAL_MS). A failing batch is retried after a pause,
   * never skipped.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let failures = 0;
      while (this.running) {
        try {
          await this.catchUp();
          failures = 0;
          await this.followLive();
        } catch (err) {
          if (!this.running) break;
          failures++;
          this.logger.error({ err, projection: this.name }, 'read model projection failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** failures)));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.following?.abort();
    await this.loop;
  }

  /** Applies one batch and its checkpoint in one transaction. */
  private async apply(batch: RecordedEvent[]): Promise<void> {
    const last = batch[batch.length - 1]!.position;
    let committed = undefined as void | (() => void);
    await this.sql.transaction(async (tx) => {
      committed = await this.project(tx, batch);
      await tx.query(
        `INSERT INTO cv_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
        [this.name, last],
      );
    });
    committed?.();
    this.position = last;
    for (const wake of this.waiters) wake();
  }

  /** Applies what the live subscription delivers, in batches of what arrived meanwhile; returns when stopped, throws when a batch fails. */
  private async followLive(): Promise<void> {
    const following = (this.following = new AbortController());
    const arrived: RecordedEvent[] = [];
    let wakeApplier: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    let ended = false;
    let failure: unknown;
    let lastStarted = -Infinity;
    const reader = (async () => {
      try {
        for await (const event of this.events.subscribeToAll({ after: this.position, signal: following.signal })) {
          arrived.push(event);
          wakeApplier?.();
          // The applier is behind by several batches: stop reading until it catches up.
          while (arrived.length >= MAX_ARRIVED && !following.signal.aborted) await new Promise<void>((r) => (wakeReader = r));
        }
      } catch (err) {
        failure = err;
      } finally {
        ended = true;
        wakeApplier?.();
      }
    })();
    try {
      while (this.running) {
        if (arrived.length === 0) {
          if (ended) {
            if (failure) throw failure;
            return;
          }
          await new Promise<void>((r) => (wakeApplier = r));
          wakeApplier = undefined;
          continue;
        }
        const since = performance.now() - lastStarted;
        if (since < MIN_BATCH_INTERVAL_MS && arrived.length < BATCH) await new Promise((r) => setTimeout(r, MIN_BATCH_INTERVAL_MS - since));
        const batch = arrived.splice(0, BATCH);
        wakeReader?.();
        lastStarted = performance.now();
        await this.apply(batch);
      }
    } finally {
      following.abort();
      wakeReader?.();
      await reader;
    }
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
    this.project.forget?.();
    this.position = undefined;
    const applied = await this.catchUp();
    if (wasRunning) this.start();
    return applied;
  }
}
