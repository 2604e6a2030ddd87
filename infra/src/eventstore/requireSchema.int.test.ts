/**
 * With EVENT_STORE_MIGRATE=false (a migration Job owns the schema), opening an
 * event store that has no schema yet fails at once, naming the migration,
 * instead of a process that reports ready and fails every call; once the
 * migration ran, it opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '../errors';
import { createEventStore } from './createEventStore';
import { migrate } from './migrate';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'es-require-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('refuses to open an unmigrated store without migrating, then opens once migrated', async () => {
  const url = `pglite://${join(dir, 'store')}`;
  const refused = await createEventStore(url, { migrate: false }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(UnavailableError);
  expect((refused as Error).message).toMatch(/no schema \(es_events, es_store missing\): run the migration/);

  await migrate(url);
  const store = await createEventStore(url, { migrate: false });
  try {
    expect(await store.storeId()).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    await store.close();
  }
});
