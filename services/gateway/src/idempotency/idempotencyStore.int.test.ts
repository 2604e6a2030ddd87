/**
 * Idempotency records on a real NATS KV: of many claims at once one runs and
 * the rest get its answer; another body is a mismatch; a failed run is
 * forgotten; a crashed owner's claim is taken over after its lease, a live
 * owner's is not; records outlive the replica that wrote them; the bucket
 * keeps them at least 24 hours.
 */
import type { NatsConnection } from '@contactcenter/infra';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import { IdempotencyKeyMaterial } from './idempotencyKeyMaterial';
import { IdempotencyStore, type IdempotencyStoreOptions } from './idempotencyStore';

jest.setTimeout(30_000);

const nats = natsForThisFile('idempotency-test');
const connections: NatsConnection[] = [];

async function connect(): Promise<NatsConnection> {
  const nc = await nats.connect();
  connections.push(nc);
  return nc;
}

/** A store on a fresh bucket, and `replica()` to open the same bucket from another connection (another gateway, or a restarted one). */
async function freshStore(options: Omit<IdempotencyStoreOptions, 'bucket'> = {}) {
  const bucket = `idem_${randomUUID().slice(0, 8)}`;
  const store = await IdempotencyStore.open(await connect(), { bucket, ...options });
  return { store, bucket, replica: async () => IdempotencyStore.open(await connect(), { bucket, ...options }) };
}

const material = () => new IdempotencyKeyMaterial(`staff:t1:${randomUUID()}`, randomUUID());
const answer = { status: 201, contentType: 'application/json; charset=utf-8', body: '{"id":"w1"}' };

it('lets one of 50 concurrent claims run and answers the other 49 with its recorded answer', async () => {
  const { store } = await freshStore();
  const m = material();
  const fp = m.fingerprint('POST', '/v1/webhooks', { url: 'x' });
  const outcomes = Promise.all(
    Array.from({ length: 50 }, async () => {
      const c = await store.claim(m.recordKey, fp);
      if (c.kind === 'claimed') {
        await new Promise((r) => setTimeout(r, 200)); // the creation takes a while; the others wait
        await store.complete(m.recordKey, c.revision, fp, m.seal(answer));
      }
      return c;
    }),
  );
  const all = await outcomes;
  expect(all.filter((c) => c.kind === 'claimed')).toHaveLength(1);
  const replays = all.filter((c) => c.kind === 'done');
  expect(replays).toHaveLength(49);
  for (const r of replays) expect(m.open((r as { answer: string }).answer)).toEqual(answer);
});

it('calls the same key with another body (or route) a mismatch, while running and after', async () => {
  const { store } = await freshStore({ waitMs: 200 });
  const m = material();
  const fp = m.fingerprint('POST', '/v1/webhooks', { url: 'a' });
  const c = await store.claim(m.recordKey, fp);
  if (c.kind !== 'claimed') throw new Error('expected a claim');
  expect((await store.claim(m.recordKey, m.fingerprint('POST', '/v1/webhooks', { url: 'b' }))).kind).toBe('mismatch');
  await store.complete(m.recordKey, c.revision, fp, m.seal(answer));
  expect((await store.claim(m.recordKey, m.fingerprint('POST', '/v1/admin/api-keys', { url: 'a' }))).kind).toBe('mismatch');
  // Key order is not a difference.
  expect(m.fingerprint('POST', '/x', { a: 1, b: [{ c: 2, d: 3 }] })).toBe(m.fingerprint('POST', '/x', { b: [{ d: 3, c: 2 }], a: 1 }));
});

it('answers busy when the identical request is still running after the wait, and forgets a released claim', async () => {
  const { store } = await freshStore({ waitMs: 300 });
  const m = material();
  const fp = m.fingerprint('POST', '/v1/webhooks', {});
  const c = await store.claim(m.recordKey, fp);
  if (c.kind !== 'claimed') throw new Error('expected a claim');
  const started = Date.now();
  expect((await store.claim(m.recordKey, fp)).kind).toBe('busy');
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  await store.release(m.recordKey, c.revision); // the request failed: nothing was created
  expect((await store.claim(m.recordKey, fp)).kind).toBe('claimed');
});

it('takes over a claim whose owner stopped renewing, never one that renews', async () => {
  const { store, replica } = await freshStore({ leaseMs: 300, waitMs: 1_000 });
  const other = await replica();
  const m = material();
  const fp = m.fingerprint('POST', '/v1/visitor/conversations', { language: 'en' });

  const live = await store.claim(m.recordKey, fp);
  if (live.kind !== 'claimed') throw new Error('expected a claim');
  let revision = live.revision;
  const renewing = setInterval(() => void store.renew(m.recordKey, revision, fp).then((r) => (revision = r ?? revision)), 100);
  try {
    expect((await other.claim(m.recordKey, fp)).kind).toBe('busy'); // a second of waiting, three leases: still held
  } finally {
    clearInterval(renewing);
  }
  await new Promise((r) => setTimeout(r, 150)); // a renewal in flight lands
  // The owner "crashes": no renewal, and after the lease the other replica takes over.
  const taken = await other.claim(m.recordKey, fp);
  expect(taken.kind).toBe('claimed');
  // The crashed owner's late answer loses; the taker's is the one recorded.
  expect(await store.complete(m.recordKey, revision, fp, m.seal({ ...answer, body: 'late' }))).toBe(false);
  if (taken.kind !== 'claimed') throw new Error('unreachable');
  expect(await other.complete(m.recordKey, taken.revision, fp, m.seal(answer))).toBe(true);
  const again = await store.claim(m.recordKey, fp);
  expect(again.kind === 'done' && m.open(again.answer)).toEqual(answer);
});

it('keeps answers across gateway restarts, in a bucket whose records live at least 24 hours', async () => {
  const { store, replica, bucket } = await freshStore({ ttlHours: 1 }); // below the minimum: 24 h it is
  const m = material();
  const fp = m.fingerprint('POST', '/v1/admin/widget-keys', null);
  const c = await store.claim(m.recordKey, fp);
  if (c.kind !== 'claimed') throw new Error('expected a claim');
  await store.complete(m.recordKey, c.revision, fp, m.seal(answer));
  const restarted = await replica(); // a new process: new connection, new store
  const found = await restarted.claim(m.recordKey, fp);
  expect(found.kind === 'done' && m.open(found.answer)).toEqual(answer);
  const { Kvm } = await import('@nats-io/kv');
  const status = await (await new Kvm(connections[0]!).open(bucket)).status();
  expect(status.ttl).toBe(24 * 3_600_000);
});

it('keeps keys of two principals apart, and nothing readable in the bucket', () => {
  const a = new IdempotencyKeyMaterial('staff:t1:ada', 'k-1');
  const b = new IdempotencyKeyMaterial('staff:t1:bob', 'k-1');
  const visitor = new IdempotencyKeyMaterial('visitor:t1:ada', 'k-1');
  expect(new Set([a.recordKey, b.recordKey, visitor.recordKey]).size).toBe(3);
  expect(a.derivedId('ik-')).not.toBe(b.derivedId('ik-'));
  expect(a.derivedId('ik-')).toMatch(/^ik-[A-Za-z0-9_-]{32}$/);
  const sealed = a.seal({ ...answer, body: '{"secret":"s3cr3t"}' });
  expect(sealed).not.toContain('s3cr3t');
  expect(() => b.open(sealed)).toThrow();
});
