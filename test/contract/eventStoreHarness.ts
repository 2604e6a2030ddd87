/** What the shared event store contract suite needs from each backend, and small helpers for it. */
import type { EventStore, EventToAppend, RecordedEvent } from '@contactcenter/infra/eventstore';
import { randomUUID } from 'node:crypto';

export interface EventStoreHarness {
  store: EventStore;
  /**
   * The same data through a store whose append transactions sleep a random
   * while before COMMIT, so that commits finish out of position order.
   * Absent when the backend offers no such hook.
   */
  storeWithDelays?: EventStore;
  /**
   * Appends in a transaction held open `holdMs` after its INSERT, through the
   * adapter's own SQL: its position is taken before events appended meanwhile
   * by others, but it commits after them. `inserted` resolves once the INSERT
   * ran, `committed` once it committed.
   */
  appendCommittingLate?(streamId: string, events: EventToAppend[], holdMs: number): { inserted: Promise<void>; committed: Promise<void> };
  close(): Promise<void>;
}

export interface EventStoreBackend {
  name: string;
  /** Called once per suite, in beforeAll. */
  open(): Promise<EventStoreHarness>;
  /**
   * What the backend guarantees beyond the common core. KurrentDB lets one
   * event id live in several streams, does not refuse a batch mixing stored and
   * new ids, and recognises a retried batch only when it is re-sent with its
   * original expected revision (or 'any', best effort).
   */
  guarantees?: { refusesReusedEventIds?: boolean; idempotentWhateverExpectedRevision?: boolean };
}

export const newStreamId = (prefix = 'contract') => `${prefix}-${randomUUID()}`;

export const newEvent = (data: unknown = {}, type = 'ContractTested', metadata: Record<string, string> = { source: 'contract' }): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata,
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Follows the global log after `after`, keeping the events `keep` accepts. */
export function follow(store: EventStore, after: string | undefined, keep: (e: RecordedEvent) => boolean) {
  const controller = new AbortController();
  const events: RecordedEvent[] = [];
  let failure: unknown;
  let ended = false;
  const done = (async () => {
    try {
      for await (const event of store.subscribeToAll({ after, signal: controller.signal })) if (keep(event)) events.push(event);
    } catch (err) {
      failure = err;
    } finally {
      ended = true;
    }
  })();
  return {
    events,
    get ended() {
      return ended;
    },
    async waitFor(count: number, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (failure) throw failure;
        if (ended) throw new Error(`subscription ended after ${events.length} of ${count} events`);
        if (Date.now() > deadline) throw new Error(`subscription delivered ${events.length} of ${count} events within ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    async stop(): Promise<void> {
      controller.abort();
      await done;
      if (failure) throw failure;
    },
  };
}

/** The whole global log after `after`, read page by page, keeping what `keep` accepts. */
export async function readWholeLog(store: EventStore, after: string | undefined, keep: (e: RecordedEvent) => boolean, pageSize = 250) {
  const kept: RecordedEvent[] = [];
  for (let cursor = after; ; ) {
    const page = await store.readAll({ after: cursor, maxCount: pageSize });
    kept.push(...page.filter(keep));
    if (page.length < pageSize) return kept;
    cursor = page[page.length - 1]!.position;
  }
}
