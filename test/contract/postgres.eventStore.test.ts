import { createEventStore, createPostgresEventStore, eventStoreSql, type EventToAppend } from '@contactcenter/infra/eventstore';
import pg from 'pg';
import { freshPostgresDatabase } from '../support/postgres';
import { eventStoreContract } from './eventStore.contract';
import { follow, newEvent, newStreamId, sleep } from './eventStoreHarness';

jest.setTimeout(120_000);

eventStoreContract({
  name: 'PostgreSQL',
  async open() {
    const db = await freshPostgresDatabase();
    const store = await createEventStore(db.url);
    // Same database; every append transaction sleeps 0-5 ms before COMMIT, so commits overtake each other.
    const storeWithDelays = await createPostgresEventStore(db.url, { migrate: false, beforeCommit: () => sleep(Math.random() * 5) });
    return {
      store,
      storeWithDelays,
      appendCommittingLate(streamId: string, events: EventToAppend[], holdMs: number) {
        // A raw connection running the adapter's own APPEND statement inside a transaction held open.
        const client = new pg.Client({ connectionString: db.url });
        const serialised = events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) }));
        const inserted = (async () => {
          await client.connect();
          await client.query('BEGIN');
          const { rowCount } = await client.query(eventStoreSql.APPEND, eventStoreSql.appendParams(streamId, serialised, 'any'));
          if (rowCount !== events.length) throw new Error(`late append wrote ${rowCount} of ${events.length} events`);
        })();
        const committed = inserted
          .then(async () => {
            await sleep(holdMs);
            await client.query('COMMIT');
          })
          .finally(() => client.end());
        return { inserted, committed };
      },
      async close() {
        await store.close();
        await storeWithDelays.close();
        await db.stop();
      },
    };
  },
});

/**
 * Why the log is ordered by (transaction id, position) and not by position:
 * a transaction can draw its position before another transaction that gets
 * its id first. Reading `position > checkpoint` among finished transactions
 * would then hand out the higher position first and skip the lower one.
 */
describe('PostgreSQL log order', () => {
  it('delivers a row whose position was drawn before an older transaction id', async () => {
    const db = await freshPostgresDatabase();
    const store = await createEventStore(db.url);
    const raw = new pg.Client(db.url);
    await raw.connect();
    try {
      const [early, late] = [newStreamId('drawn-early'), newStreamId('drawn-late')];
      const start = (await store.appendToStream(newStreamId('marker'), [newEvent()])).position;
      const sub = follow(store, start, (e) => e.streamId === early || e.streamId === late);
      // Draw a position without getting a transaction id (nextval takes one when it WAL-logs the sequence: try again then).
      let position: string | undefined;
      while (!position) {
        await raw.query('BEGIN');
        const { rows } = await raw.query(`SELECT nextval(pg_get_serial_sequence('es_events', 'position'))::text AS p, pg_current_xact_id_if_assigned() IS NULL AS no_xid`);
        if (rows[0].no_xid) position = rows[0].p;
        else await raw.query('ROLLBACK');
      }
      const lateEvent = newEvent();
      await store.appendToStream(late, [lateEvent]); // higher position, older transaction id, committed
      const earlyEvent = newEvent();
      await raw.query(
        `INSERT INTO es_events (position, stream_id, revision, event_id, type, data) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 0, $3, 'Drawn', '{}')`,
        [position, early, earlyEvent.id],
      );
      await sleep(300); // the follower polls meanwhile
      await raw.query('COMMIT');
      await sub.waitFor(2, 5_000);
      await sub.stop();
      expect(sub.events.map((e) => e.id)).toEqual([lateEvent.id, earlyEvent.id]);
      expect(Number(sub.events[1]!.position)).toBeLessThan(Number(sub.events[0]!.position));
    } finally {
      await raw.end();
      await store.close();
      await db.stop();
    }
  });
});
