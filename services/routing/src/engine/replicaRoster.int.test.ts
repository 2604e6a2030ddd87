/**
 * ReplicaRoster on a private nats-server: a replica is alone only when its
 * own heartbeat came back through the watch and nobody else was heard from
 * within goneAfterMs; a replica that stops says so at once, one that dies is
 * taken for gone after goneAfterMs.
 */
import { createLogger } from '@contactcenter/infra';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import { ReplicaRoster } from './replicaRoster';

const nats = natsForThisFile('routing-roster-test');
const logger = createLogger('routing-roster-test', 'silent');
const GONE_AFTER_MS = 1_000;

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ReplicaRoster', () => {
  const open = async (bucket: string, replica: string) => ReplicaRoster.open(await nats.connect(), { bucket, replica, goneAfterMs: GONE_AFTER_MS, logger });

  it('is alone by itself, not with a second replica, and alone again once the second stops', async () => {
    const bucket = `roster_${randomUUID().slice(0, 8)}`;
    const a = await open(bucket, 'eu-a');
    try {
      await until('a is alone', () => a.alone());
      const b = await open(bucket, 'eu-b');
      // b replayed a's heartbeat before its own: never alone, from its first answer on.
      expect(b.alone()).toBe(false);
      expect(b.others()).toEqual(['eu-a']);
      await until('a hears b', () => !a.alone());
      expect(a.others()).toEqual(['eu-b']);
      await b.stop();
      expect(b.alone()).toBe(false); // stopped: never claims to be alone
      await until('a hears that b stopped', () => a.alone(), 500); // the delete, well before goneAfterMs
    } finally {
      await a.stop();
    }
  });

  it('takes a replica that died without a word for gone after goneAfterMs, not before', async () => {
    const bucket = `roster_${randomUUID().slice(0, 8)}`;
    const a = await open(bucket, 'eu-a');
    const nc = await nats.connect();
    try {
      // A replica that beat once and died: its key stays, nothing more comes.
      const { Kvm } = await import('@nats-io/kv');
      const kv = await new Kvm(nc).open(bucket);
      await kv.put('eu-dead', JSON.stringify({ at: new Date().toISOString() }));
      await until('a hears the dead replica', () => !a.alone());
      const heardAt = Date.now();
      await until('the dead replica is taken for gone', () => a.alone(), GONE_AFTER_MS * 3);
      expect(Date.now() - heardAt).toBeGreaterThanOrEqual(GONE_AFTER_MS - 50);
    } finally {
      await a.stop();
      await nc.close();
    }
  });

  it('keeps a live replica counted while its heartbeats come', async () => {
    const bucket = `roster_${randomUUID().slice(0, 8)}`;
    const a = await open(bucket, 'eu-a');
    const b = await open(bucket, 'eu-b');
    try {
      await until('a hears b', () => !a.alone());
      // Three goneAfterMs: b's heartbeats (every goneAfterMs/4) keep it alive in a's eyes throughout.
      const end = Date.now() + GONE_AFTER_MS * 3;
      while (Date.now() < end) {
        expect(a.alone()).toBe(false);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
