import { BatchSlots } from '../../batchSlots';
import type { ExpectedRevision } from '../eventStore';
import type { SerialisedEvent } from '../validation';
import type { SqlQueryable } from './sqlRunner';
import * as sql from './statements';

export type AppendedRow = { revision: string; position: string; transaction_id: string };

export interface AppendBatchLimits {
  /** Append statements in flight at once; appends that arrive meanwhile wait and go together in the next. */
  concurrent: number;
  /** Streams in one statement at most. */
  streams: number;
  /** Events in one statement at most (a single append larger than this still goes, alone). */
  events: number;
  /** How long an append may wait for a free slot: then its statement goes anyway (a stuck connection must not hold every later append). */
  maxWaitMs: number;
}

export const DEFAULT_APPEND_BATCH_LIMITS: AppendBatchLimits = { concurrent: 2, streams: 64, events: 512, maxWaitMs: 20 };

interface Waiting {
  streamId: string;
  events: SerialisedEvent[];
  expected: ExpectedRevision;
  resolve(rows: AppendedRow[]): void;
  reject(err: unknown): void;
}

/**
 * Group commit for appends to different streams. Up to `concurrent` append
 * statements go at once; appends that arrive meanwhile wait (at most
 * `maxWaitMs`), and the next statement carries all of them (APPEND_MANY): one round trip,
 * one transaction, one WAL flush for many conversations. A lone append goes
 * at the end of its turn of the event loop (BatchSlots), as its own APPEND,
 * so a quiet store answers as before; a busy one
 * writes more per commit instead of queueing commits.
 *
 * Each append gets its own stream's rows, or none when its expectation did
 * not hold or its events were already stored (the caller explains that, as
 * for APPEND). A statement that lost a race with another writer (a unique
 * violation, a deadlock) fails every append in it with that error: each
 * caller then retries on its own, as after losing a race alone. Two appends
 * to one stream never share a statement (the second's revision depends on
 * the first): the second waits for the next.
 */
export class AppendBatches {
  private readonly waiting: Waiting[] = [];
  private readonly slots: BatchSlots;

  constructor(
    private readonly db: SqlQueryable,
    private readonly limits: AppendBatchLimits = DEFAULT_APPEND_BATCH_LIMITS,
  ) {
    this.slots = new BatchSlots(limits, () => this.waiting.length > 0, () => this.write(this.take()));
  }

  /** The rows written for `streamId` (none: rejected, see above). */
  append(streamId: string, events: SerialisedEvent[], expected: ExpectedRevision): Promise<AppendedRow[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ streamId, events, expected, resolve, reject });
      this.slots.kick();
    });
  }

  /** The oldest waiting appends, one per stream, within the limits; the others keep their turn. */
  private take(): Waiting[] {
    const taken: Waiting[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.waiting.length && taken.length < this.limits.streams; ) {
      const w = this.waiting[i]!;
      const fits = taken.length === 0 || events + w.events.length <= this.limits.events;
      if (!streams.has(w.streamId) && fits) {
        taken.push(w);
        streams.add(w.streamId);
        events += w.events.length;
        this.waiting.splice(i, 1);
      } else {
        i++;
      }
    }
    return taken;
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      if (batch.length === 1) {
        const [only] = batch as [Waiting];
        only.resolve(await this.db.query<AppendedRow>(sql.APPEND, sql.appendParams(only.streamId, only.events, only.expected)));
        return;
      }
      // In stream order, so that two processes' statements take their row locks in the same order.
      batch.sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
      const rows = await this.db.query<AppendedRow & { stream_id: string }>(
        sql.APPEND_MANY,
        sql.appendManyParams(batch.map((w) => ({ streamId: w.streamId, events: w.events, expected: w.expected }))),
      );
      const byStream = new Map<string, AppendedRow[]>();
      for (const row of rows) {
        let list = byStream.get(row.stream_id);
        if (!list) byStream.set(row.stream_id, (list = []));
        list.push(row);
      }
      for (const w of batch) w.resolve(byStream.get(w.streamId) ?? []);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
