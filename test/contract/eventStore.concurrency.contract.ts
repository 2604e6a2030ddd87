/**
 * Contract, part three: many writers racing, and a follower of the global log
 * that must see every committed event exactly once, in stream order, even
 * when a transaction holding a lower position commits late.
 */
import { ConcurrencyError } from '@contactcenter/infra/errors';
import type { EventStore, RecordedEvent } from '@contactcenter/infra/eventstore';
import { follow, newEvent, newStreamId, readWholeLog, sleep, type EventStoreHarness } from './eventStoreHarness';

const WRITERS = 20;
const APPENDS_PER_WRITER = 50;
const STREAMS = 6;
const LATE_COMMITS = 4;

export function concurrencyContract(harness: () => EventStoreHarness, mark: () => Promise<string>): void {
  const store = () => harness().store;

  it('two writers racing for the same revision: exactly one wins', async () => {
    const s = newStreamId();
    await store().appendToStream(s, [newEvent()]);
    const writer = harness().storeWithDelays ?? store();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => writer.appendToStream(s, [newEvent()], { expectedRevision: 0 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    expect(await store().streamRevision(s)).toBe(1);
  });

  it('a transaction that took a lower position but commits late is delivered, not skipped', async () => {
    const late = harness().appendCommittingLate;
    if (!late) return void console.log('late-commit check skipped: this backend has no hook to hold a transaction open');
    const [slow, fast] = [newStreamId('late'), newStreamId('fast')];
    const start = await mark();
    const sub = follow(store(), start, (e) => e.streamId === slow || e.streamId === fast);
    const lateEvent = newEvent({ late: true });
    const held = late(slow, [lateEvent], 1_000);
    await held.inserted;
    const fastEvent = newEvent({ late: false });
    await store().appendToStream(fast, [fastEvent]);
    await sleep(300); // the follower polls meanwhile, and must not move past the open transaction
    await held.committed;
    await sub.waitFor(2);
    await sleep(100);
    await sub.stop();
    expect(sub.events.map((e) => e.id).sort()).toEqual([lateEvent.id, fastEvent.id].sort());
    const log = await readWholeLog(store(), start, (e) => e.streamId === slow || e.streamId === fast);
    expect(log.map((e) => e.id)).toEqual(sub.events.map((e) => e.id));
  });

  it(`${WRITERS} writers x ${APPENDS_PER_WRITER} appends while a follower reads the log: every event once, in stream order`, async () => {
    const streams = Array.from({ length: STREAMS }, () => newStreamId('race'));
    const lateStreams = Array.from({ length: LATE_COMMITS }, () => newStreamId('race-late'));
    const ours = new Set([...streams, ...lateStreams]);
    const keep = (e: RecordedEvent) => ours.has(e.streamId);
    const start = await mark();
    const sub = follow(store(), start, keep);
    const writer: EventStore = harness().storeWithDelays ?? store();
    const written = new Set<string>();

    const run = async (w: number) => {
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const stream = streams[Math.floor(Math.random() * STREAMS)]!;
        const batch = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, k) => newEvent({ w, i, k }));
        if (w % 2 === 0) {
          await writer.appendToStream(stream, batch);
        } else {
          // Optimistic writers, like a command handler: read the revision, append at it, retry on conflict.
          for (let attempt = 1; ; attempt++) {
            const revision = await store().streamRevision(stream);
            try {
              await writer.appendToStream(stream, batch, { expectedRevision: revision ?? 'no_stream' });
              break;
            } catch (err) {
              if (!(err instanceof ConcurrencyError) || attempt >= 200) throw err;
            }
          }
        }
        for (const e of batch) written.add(e.id);
      }
    };
    const lateCommits = async () => {
      const late = harness().appendCommittingLate;
      if (!late) return;
      for (const stream of lateStreams) {
        await sleep(100 + Math.random() * 200);
        const batch = [newEvent({ late: stream }), newEvent({ late: stream })];
        const held = late(stream, batch, 300 + Math.random() * 500);
        await held.committed;
        for (const e of batch) written.add(e.id);
      }
    };
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => run(w)), lateCommits()]);

    await sub.waitFor(written.size, 60_000);
    await sleep(200); // a duplicate would arrive now
    await sub.stop();
    const seen = sub.events;
    expect(seen).toHaveLength(written.size);
    expect(new Set(seen.map((e) => e.id))).toEqual(written);

    for (const stream of ours) {
      const delivered = seen.filter((e) => e.streamId === stream);
      expect(delivered.map((e) => e.revision)).toEqual(delivered.map((_, i) => i));
      expect(delivered.map((e) => e.id)).toEqual((await store().readStream(stream)).map((e) => e.id));
    }
    // The log is stable: a later full read and a fresh follower see the very same order.
    expect((await readWholeLog(store(), start, keep)).map((e) => e.id)).toEqual(seen.map((e) => e.id));
    const again = follow(store(), start, keep);
    await again.waitFor(written.size, 30_000);
    await again.stop();
    expect(again.events.map((e) => e.position)).toEqual(seen.map((e) => e.position));
  }, 120_000);
}
