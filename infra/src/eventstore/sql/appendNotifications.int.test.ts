/**
 * Two event store instances on one PostgreSQL database, as a relay and a
 * conversation replica in two processes are: what one appends reaches the
 * other's live subscription through LISTEN/NOTIFY, with polling turned
 * (almost) off so that only the notification can deliver it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { freshPostgresDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { connectPostgres, createPostgresEventStore } from '../postgres';
import type { EventStore, RecordedEvent } from '../eventStore';
import { PostgresAppendNotifications } from './appendNotifications';
import { SqlEventStore } from './sqlEventStore';
import { FOLLOW_PAGE_AFTER, FOLLOW_PAGE_FROM_START } from './statements';

jest.setTimeout(60_000);

describe('PostgreSQL append notifications', () => {
  let db: TestDatabase;
  let writer: EventStore;
  let follower: EventStore;
  const noPolling = { pollIntervalMs: { min: 600_000, max: 600_000 } };

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    writer = await createPostgresEventStore(db.url, { poolSize: 2 });
    follower = await createPostgresEventStore(db.url, { poolSize: 2, ...noPolling });
  });
  afterAll(async () => {
    await writer?.close();
    await follower?.close();
    await db?.stop();
  });

  const append = (stream: string) => writer.appendToStream(stream, [{ id: randomUUID(), type: 'Noted', data: { at: Date.now() } }]);

  /** Collects the follower's live events until `count` arrived. */
  const follow = (after: string | undefined, count: number) => {
    const abort = new AbortController();
    const seen: RecordedEvent[] = [];
    const done = (async () => {
      for await (const e of follower.subscribeToAll({ after, signal: abort.signal })) {
        seen.push(e);
        if (seen.length >= count) break;
      }
    })();
    return { seen, done, abort };
  };

  it('delivers an append made by another instance without waiting for a poll', async () => {
    const head = (await writer.readAll({ maxCount: 1_000 })).at(-1)?.position;
    const sub = follow(head, 3);
    // The subscription has read the log once and is now waiting (for 10 minutes, unless notified).
    await new Promise((r) => setTimeout(r, 300));
    await append('note-a');
    await append('note-b');
    await append('note-a');
    await sub.done;
    expect(sub.seen.map((e) => e.streamId)).toEqual(['note-a', 'note-b', 'note-a']);
  });

  it('keeps delivering after its listening connection was terminated', async () => {
    const head = (await writer.readAll({ maxCount: 1_000 })).at(-1)?.position;
    const sub = follow(head, 1);
    await new Promise((r) => setTimeout(r, 300));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const { rows } = await admin.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'eventstore-listen' AND datname = current_database()",
    );
    await admin.end();
    expect(rows.filter((r) => r.ended).length).toBeGreaterThanOrEqual(2); // the writer's and the follower's
    await new Promise((r) => setTimeout(r, 1_000)); // reconnects in 100 ms
    await append('after-restart');
    await sub.done;
    expect(sub.seen.map((e) => e.streamId)).toEqual(['after-restart']);
  });

  it('delivers an append held back by an older open transaction as soon as that transaction ends, with nothing announcing it', async () => {
    const head = (await writer.readAll({ maxCount: 1_000 })).at(-1)?.position;
    const sub = follow(head, 1);
    await new Promise((r) => setTimeout(r, 300));
    // An older transaction that has written (taken a transaction id) and is still open: a read-model batch, say.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      await append('held-back'); // committed, announced, and not readable yet: below the horizon is only what has ended
      await new Promise((r) => setTimeout(r, 500));
      expect(sub.seen).toEqual([]); // the horizon holds it back (the order the log guarantees)
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    // No append and no notification follows, and polling is off: only looking again for held-back rows delivers it.
    const delivered = await Promise.race([sub.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    sub.abort.abort();
    expect(delivered).toBe(true);
    expect(sub.seen.map((e) => e.streamId)).toEqual(['held-back']);
  });

  it("wakes the appending instance's own subscriptions once per append: the notification of its own append is skipped", async () => {
    const runner = await connectPostgres(db.url, 2);
    let looks = 0;
    const counted = { ...runner, query: <R,>(text: string, params?: unknown[]) => ((looks += text === FOLLOW_PAGE_AFTER ? 1 : 0), runner.query<R>(text, params)) };
    const both = new SqlEventStore(counted, { appendNotifications: new PostgresAppendNotifications(db.url), ...noPolling });
    const abort = new AbortController();
    try {
      const head = (await both.readAll({ maxCount: 10_000 })).at(-1)?.position;
      const seen: string[] = [];
      const done = (async () => {
        for await (const e of both.subscribeToAll({ after: head, signal: abort.signal })) if (seen.push(e.streamId) === 6) break;
      })();
      await new Promise((r) => setTimeout(r, 300)); // listening, and the subscription waits
      const before = looks;
      for (let i = 0; i < 5; i++) {
        await both.appendToStream(`own-${i}`, [{ id: randomUUID(), type: 'Noted', data: {} }]);
        await new Promise((r) => setTimeout(r, 100)); // its notification has long come back
      }
      expect(seen).toEqual(['own-0', 'own-1', 'own-2', 'own-3', 'own-4']);
      expect(looks - before).toBe(5); // one look per append; 10 when each notification woke it again
      // Another instance's append is still announced to it.
      await append('from-elsewhere');
      await done;
      expect(seen.at(-1)).toBe('from-elsewhere');
    } finally {
      abort.abort();
      await both.close();
    }
  });

  it('reads each page of the log once for two subscriptions of one instance (a relay and a projector), each still getting every event in order', async () => {
    const runner = await connectPostgres(db.url, 2);
    let looks = 0;
    const counted = { ...runner, query: <R,>(text: string, params?: unknown[]) => ((looks += text === FOLLOW_PAGE_AFTER || text === FOLLOW_PAGE_FROM_START ? 1 : 0), runner.query<R>(text, params)) };
    const store = new SqlEventStore(counted, { appendNotifications: new PostgresAppendNotifications(db.url), ...noPolling });
    const abort = new AbortController();
    const subscribe = (after: string | undefined, seen: string[], until: number) =>
      (async () => {
        for await (const e of store.subscribeToAll({ after, signal: abort.signal })) if (seen.push(e.streamId) === until) break;
      })();
    try {
      const head = (await store.readAll({ maxCount: 10_000 })).at(-1)?.position;
      const earlier = Array.from({ length: 20 }, (_, i) => `tail-${i}`);
      for (const stream of earlier) await store.appendToStream(stream, [{ id: randomUUID(), type: 'Noted', data: {} }]);
      const first: string[] = [];
      const second: string[] = [];
      const firstDone = subscribe(head, first, 25);
      while (first.length < 20) await new Promise((r) => setTimeout(r, 10));
      // The second starts where the first did: what the first read is handed to it, with no read of its own.
      const before = looks;
      const secondDone = subscribe(head, second, 25);
      while (second.length < 20) await new Promise((r) => setTimeout(r, 10));
      expect(second).toEqual(earlier);
      expect(looks - before).toBe(0);
      await new Promise((r) => setTimeout(r, 300)); // both wait at the end of the log
      const atEnd = looks;
      const later = Array.from({ length: 5 }, (_, i) => `tail-later-${i}`);
      for (const stream of later) {
        await store.appendToStream(stream, [{ id: randomUUID(), type: 'Noted', data: {} }]);
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all([firstDone, secondDone]);
      expect(first).toEqual([...earlier, ...later]);
      expect(second).toEqual([...earlier, ...later]);
      expect(looks - atEnd).toBe(5); // one read per append for both; 10 when each subscription read for itself
    } finally {
      abort.abort();
      await store.close();
    }
  });
});
