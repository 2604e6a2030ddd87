/**
 * The relay lease on a real nats-server (2.9: no per-key TTL, the bucket's
 * max age expires it): one holder at a time, a release hands it over at once,
 * a holder whose revision moved (or whose key expired) learns that it lost
 * it, and a bucket made with another TTL is refused by name.
 */
import { createLogger } from '@contactcenter/infra';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { RelayLeases } from './relayLease';

const logger = createLogger('lease-test', 'silent');
const TTL = 1_500;
let server: TestNats;
let nc: NatsConnection;
let bucket = 0;
const freshBucket = () => `lease_test_${process.pid}_${++bucket}`;

beforeAll(async () => {
  server = await freshNats();
  nc = await connect({ servers: server.url });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe('relay leases', () => {
  it('have one holder at a time; a release hands the lease over at once', async () => {
    const name = freshBucket();
    const leases = await RelayLeases.open(nc, { bucket: name, ttlMs: TTL, logger });
    const stop = new AbortController();
    const first = await leases.acquire('conversation', stop.signal, 'a');
    let second: Awaited<ReturnType<RelayLeases['acquire']>>;
    const waiting = leases.acquire('conversation', stop.signal, 'b').then((l) => (second = l));
    await new Promise((r) => setTimeout(r, 3 * TTL)); // renewals keep it with `a` well past its TTL
    expect(second).toBeUndefined();
    expect(first!.lost.aborted).toBe(false);

    const released = Date.now();
    await first!.release();
    await waiting;
    expect(second!.holder).toBe('b');
    expect(Date.now() - released).toBeLessThanOrEqual(TTL / 3 + 500); // the next attempt, not the expiry
    await second!.release();
    stop.abort();
  });

  it('is lost by a holder whose key someone else wrote, and by one that cannot renew before it expires', async () => {
    const name = freshBucket();
    const leases = await RelayLeases.open(nc, { bucket: name, ttlMs: TTL, logger });
    const stop = new AbortController();
    const held = await leases.acquire('conversation', stop.signal, 'a');
    // Another writer (a contender that saw it expire, an operator) moves the revision.
    const kv = await new Kvm(nc).open(name);
    await kv.put('conversation', JSON.stringify({ holder: 'someone else' }));
    await new Promise<void>((resolve) => held!.lost.addEventListener('abort', () => resolve(), { once: true }));
    expect(String(held!.lost.reason)).toMatch(/another relay holds it now, or it expired/);

    // A holder cut off from NATS loses the lease by its own clock, within the TTL of its last renewal.
    const other = await connect({ servers: server.url });
    const cutOff = await RelayLeases.open(other, { bucket: name, ttlMs: TTL, logger });
    await kv.delete('conversation');
    const lonely = await cutOff.acquire('conversation', stop.signal, 'c');
    const closedAt = Date.now();
    await other.close(); // no renewal can reach the server any more
    await new Promise<void>((resolve) => lonely!.lost.addEventListener('abort', () => resolve(), { once: true }));
    expect(Date.now() - closedAt).toBeLessThanOrEqual(TTL + 100);
    // …and the server forgets it by then too: a contender gets it.
    const next = await leases.acquire('conversation', stop.signal, 'd');
    expect(next!.holder).toBe('d');
    await next!.release();
    stop.abort();
  });

  it('refuses a bucket made with another TTL, naming the setting', async () => {
    const name = freshBucket();
    await RelayLeases.open(nc, { bucket: name, ttlMs: TTL, logger });
    await expect(RelayLeases.open(nc, { bucket: name, ttlMs: 2 * TTL, logger })).rejects.toThrow(/RELAY_LEASE_TTL_MS/);
  });
});
