/** The factory: URL schemes, unreachable servers, and the schema migration. */
import { UnavailableError, ValidationError } from '@contactcenter/infra/errors';
import { createEventStore, eventStoreBackendOf, migrate } from '@contactcenter/infra/eventstore';
import { createServer } from 'node:net';
import pg from 'pg';
import { freshPostgresDatabase } from '../support/postgres';

jest.setTimeout(60_000);

/** A port nobody listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('createEventStore', () => {
  it('picks the adapter from the URL scheme', () => {
    expect(eventStoreBackendOf('postgres://db/cc')).toBe('postgres');
    expect(eventStoreBackendOf('postgresql://db/cc')).toBe('postgres');
    expect(eventStoreBackendOf('pglite://memory')).toBe('pglite');
    expect(eventStoreBackendOf('pglite:///var/lib/cc')).toBe('pglite');
    for (const url of ['kurrentdb://h:2113', 'esdb://h:2113?tls=false', 'esdb+discover://h:2113']) expect(eventStoreBackendOf(url)).toBe('kurrentdb');
  });

  it.each(['mysql://db/cc', 'memory', '', 'http://db'])('refuses %j naming EVENT_STORE_URL', async (url) => {
    const error = await createEventStore(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'EVENT_STORE_URL' });
  });

  it('an unreachable PostgreSQL fails with UnavailableError naming the host', async () => {
    const port = await closedPort();
    const error = await createEventStore(`postgres://postgres@127.0.0.1:${port}/cc`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('an unreachable KurrentDB fails with UnavailableError naming the host', async () => {
    const port = await closedPort();
    const error = await createEventStore(`kurrentdb://127.0.0.1:${port}?tls=false&maxDiscoverAttempts=1&gossipTimeout=1000`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('migrates idempotently, even from several processes at once', async () => {
    const db = await freshPostgresDatabase();
    try {
      await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
      await migrate(db.url);
      const client = new pg.Client(db.url);
      await client.connect();
      const { rows } = await client.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'es_events' ORDER BY indexname`);
      await client.end();
      expect(rows.map((r: { indexname: string }) => r.indexname)).toEqual(['es_events_event_id', 'es_events_log_order', 'es_events_pkey', 'es_events_stream_revision']);
      const store = await createEventStore(db.url, { migrate: false });
      await store.close();
    } finally {
      await db.stop();
    }
  });
});
