/**
 * The relay never follows a checkpoint its event store does not know: a new
 * store under an old stream (a deleted `.data/`), or a store restored from a
 * backup, before and after it grows past the old checkpoint. It stops with
 * one line naming the cause and `npm run relay:reset`; after the reset it
 * publishes the store from its first event. Real NATS, PGlite and PostgreSQL.
 */
import { createLogger } from '@contactcenter/infra';
import { createEventStore, type EventStore, type EventToAppend } from '@contactcenter/infra/eventstore';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { freshPostgresDatabase } from '../../../../test/support/postgres';
import { RelayCheckpointMismatchError } from './checkpointMatch';
import { DEFAULT_CHECKPOINT_BUCKET, RelayCheckpoints } from './checkpointStore';
import { readRelayedEvents } from './readRelayedEvents';
import { EventRelay } from './relay';
import { resetRelay } from './relayReset';

jest.setTimeout(90_000);

const logger = createLogger('relay-checkpoint-test', process.env.LOG_LEVEL ?? 'silent');

const started = (tenant: string): EventToAppend => ({ id: randomUUID(), type: 'ConversationStarted', data: { channel: 'chat' }, metadata: { tenant_id: tenant, actor_id: 'u1' } });

async function appendConversations(store: EventStore, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = started('acme');
    await store.appendToStream(`conversation-acme:${randomUUID()}`, [event], { expectedRevision: 'no_stream' });
    ids.push(event.id);
  }
  return ids;
}

describe('the relay and a checkpoint of another event store', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    nats = await freshNats();
    nc = await connect({ servers: nats.url });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await nc.close();
    await nats.stop();
  });

  const relayUntilSaved = async (events: EventStore, count: number) => {
    const relay = await EventRelay.start({ events, nats: nc, logger, checkpointIntervalMs: 20 });
    for (const deadline = Date.now() + 20_000; (await readRelayedEvents(nc)).length < count; ) {
      if (Date.now() > deadline) throw new Error('relay did not publish');
      await new Promise((r) => setTimeout(r, 50));
    }
    await relay.stop(); // saves the checkpoint
  };

  const refusedStart = async (events: EventStore) => {
    const err = await EventRelay.start({ events, nats: nc, logger, setupTimeoutMs: 2_000 }).then(
      async (relay) => {
        await relay.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RelayCheckpointMismatchError);
    expect((err as Error).message).toContain('npm run relay:reset');
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  };

  const reset = () => resetRelay({ nc, relayName: 'conversation', stream: DEFAULT_STREAM, checkpointBucket: DEFAULT_CHECKPOINT_BUCKET });

  it('a new, empty store under the old stream: refused, then reset and published from its first event', async () => {
    const old = await createEventStore('pglite://memory');
    cleanups.push(() => old.close());
    await appendConversations(old, 5);
    await relayUntilSaved(old, 5);

    const fresh = await createEventStore('pglite://memory');
    cleanups.push(() => fresh.close());
    const freshIds = await appendConversations(fresh, 2);
    expect(await refusedStart(fresh)).toMatch(/saved for event store .* a new or another database/);
    // Nothing moved: the stream still holds the old store's five events only.
    expect((await readRelayedEvents(nc)).length).toBe(5);

    expect(await reset()).toEqual({ streamDeleted: true, messagesDropped: 5 });
    await relayUntilSaved(fresh, 2);
    expect((await readRelayedEvents(nc)).map((m) => m.event.id)).toEqual(freshIds);
    const saved = await (await RelayCheckpoints.open(nc)).load('conversation');
    expect(saved?.storeId).toBe(await fresh.storeId());
  });

  it('a store restored from a backup: refused before and after it grows past the checkpoint; a reset re-relays it', async () => {
    const db = await freshPostgresDatabase();
    cleanups.push(() => db.stop());
    const original = await createEventStore(db.url, { poolSize: 2 });
    const backupIds = await appendConversations(original, 3);
    await original.close();
    // The backup: a copy of the database as it stands (same store identity, three events).
    const backupName = `restored_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${backupName} TEMPLATE ${new URL(db.url).pathname.slice(1)}`);
    await admin.end();
    const restoredUrl = Object.assign(new URL(db.url), { pathname: `/${backupName}` }).toString();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${backupName} WITH (FORCE)`);
      await c.end();
    });

    const live = await createEventStore(db.url, { poolSize: 2 });
    await appendConversations(live, 4);
    await relayUntilSaved(live, 7);
    const identity = await live.storeId();
    await live.close();

    const restored = await createEventStore(restoredUrl, { poolSize: 2 });
    cleanups.push(() => restored.close());
    expect(await restored.storeId()).toBe(identity);
    expect(await refusedStart(restored)).toMatch(/no event at position \d+/);
    const grownIds = await appendConversations(restored, 6);
    expect(await refusedStart(restored)).toMatch(/holds event .*, not .*: the store was restored from a backup and has grown since/);

    await reset();
    await relayUntilSaved(restored, 9);
    expect((await readRelayedEvents(nc)).map((m) => m.event.id)).toEqual([...backupIds, ...grownIds]);
  });

  it('accepts a checkpoint saved before stores had an identity when its event is there, and adds the identity', async () => {
    const store = await createEventStore('pglite://memory');
    cleanups.push(() => store.close());
    await appendConversations(store, 3);
    const [, second] = await store.readAll();
    const checkpoints = await RelayCheckpoints.open(nc);
    await checkpoints.save('conversation', { position: second!.position, eventId: second!.id, savedAt: new Date().toISOString() });
    const jsm = await jetstreamManager(nc);
    await relayUntilSaved(store, 1);
    expect((await jsm.streams.info(DEFAULT_STREAM)).state.messages).toBe(1);
    expect((await checkpoints.load('conversation'))?.storeId).toBe(await store.storeId());
  });
});
