/**
 * The projector follows the log live: what is appended after it started
 * reaches the read model without polling, what arrives while a batch is
 * being applied goes into the next batch together, and a batch that fails
 * is applied again, never skipped.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@contactcenter/infra';
import { createEventStore, type EventStore, type RecordedEvent } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { Projector } from './projector';
import { migrateReadModels } from './schema';

jest.setTimeout(30_000);

let events: EventStore;
let sql: SqlClient;
let projector: Projector | undefined;

beforeEach(async () => {
  events = await createEventStore('pglite://memory');
  sql = await connectSql('pglite://memory');
  await migrateReadModels(sql);
});
afterEach(async () => {
  await projector?.stop();
  await events.close();
  await sql.close();
});

const append = (n: number) => events.appendToStream(`note-${randomUUID()}`, Array.from({ length: n }, () => ({ id: randomUUID(), type: 'Noted', data: {} })));
const caughtUpTo = (position: string) => async () => (await projector!.checkpoint()) === position;

it('applies what is appended after it started, batching what arrived while a batch was applied, and checkpoints the last position', async () => {
  const batches: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  projector = new Projector('test', sql, events, async (_tx, batch: RecordedEvent[]) => {
    batches.push(batch.map((e) => e.position));
    if (batches.length === 1) await gate; // the first batch takes its time
  }, createLogger('projector-test', 'silent'));
  projector.start();
  const first = await append(1);
  await new Promise((r) => setTimeout(r, 200)); // the first batch is being applied
  let last = first;
  for (let i = 0; i < 30; i++) last = await append(1);
  await new Promise((r) => setTimeout(r, 300)); // read while the first batch was still being applied
  release();
  expect(await projector.waitUntil(caughtUpTo(last.position), 10_000)).toBe(true);
  expect(batches[0]).toEqual([first.position]);
  expect(batches.slice(1)).toHaveLength(1); // the 30 that arrived meanwhile, together
  expect(batches[1]).toHaveLength(30);
  expect(batches[1]!.at(-1)).toBe(last.position);
});

it('applies a failed batch again, and nothing after it before it', async () => {
  const applied: string[] = [];
  let failures = 0;
  projector = new Projector('test', sql, events, async (_tx, batch: RecordedEvent[]) => {
    if (failures++ === 0) throw new Error('the read model database is briefly away');
    applied.push(...batch.map((e) => e.position));
  }, createLogger('projector-test', 'silent'));
  projector.start();
  const a = await append(2);
  const b = await append(1);
  expect(await projector.waitUntil(caughtUpTo(b.position), 10_000)).toBe(true);
  const all = (await events.readAll()).map((e) => e.position);
  expect(applied).toEqual(all);
  expect(all).toContain(a.position);
});
