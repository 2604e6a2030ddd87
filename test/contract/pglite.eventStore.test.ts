import { createEventStore } from '@contactcenter/infra/eventstore';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from './eventStore.contract';
import { newEvent, newStreamId } from './eventStoreHarness';

jest.setTimeout(120_000);

eventStoreContract({
  name: 'PGlite in memory',
  async open() {
    const store = await createEventStore('pglite://memory');
    return { store, close: () => store.close() };
  },
});

eventStoreContract({
  name: 'PGlite in a directory',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pglite-'));
    const store = await createEventStore(`pglite://${dir}`);
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('PGlite in a directory', () => {
  it('keeps its events when the directory is opened again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pglite-'));
    try {
      const s = newStreamId();
      const events = [newEvent({ n: 1 }), newEvent({ n: 2 })];
      const first = await createEventStore(`pglite://${dir}`);
      const appended = await first.appendToStream(s, events);
      const identity = await first.storeId();
      await first.close();
      const second = await createEventStore(`pglite://${dir}`);
      expect((await second.readStream(s)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect((await second.readAll()).at(-1)?.position).toBe(appended.position);
      // Its identity too; a new store has another one.
      expect(await second.storeId()).toBe(identity);
      await second.close();
      const other = await createEventStore('pglite://memory');
      expect(await other.storeId()).not.toBe(identity);
      await other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
