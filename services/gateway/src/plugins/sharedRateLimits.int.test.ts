/**
 * Rate limits shared by gateway replicas: two gateway apps (buildApp) on one
 * NATS server count a client's requests together, so the limit holds across
 * both rather than once per replica; and when NATS is gone, a replica goes on
 * counting (and limiting) on its own.
 */
import { connectNats, createLogger } from '@contactcenter/infra';
import { randomUUID } from 'node:crypto';
import { startPrivateNats } from '../../../../test/support/nats';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { SharedRateCounters } from './sharedRateCounters';

const PER_KEY = 10;
const SYNC_MS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 60_000;
/**
 * The counters' windows start at whole minutes since the epoch (every replica
 * agrees on them): a test that ran across one would count in two windows and
 * admit more. Each starts with at least 5 s of its window left.
 */
const awayFromWindowEdge = async () => {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < 5_000) await sleep(left + 50);
};

describe('rate limits over two gateway replicas', () => {
  let a: EdgeApp;
  let b: EdgeApp;
  beforeAll(async () => {
    const rateLimits = { perKeyPerMinute: PER_KEY, perIpPerMinute: 10_000, shared: { bucket: `rl_${randomUUID().slice(0, 8)}`, syncEveryMs: SYNC_MS } };
    a = await startEdgeApp({ rateLimits });
    b = await startEdgeApp({ rateLimits }, { natsUrl: a.natsUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const get = (edge: EdgeApp, token: string) => edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', remoteAddress: '10.7.0.1', headers: { authorization: `Bearer ${token}` } });
  const admin = () => a.sign({ tid: `rl${randomUUID().slice(0, 8)}`, sub: 'alice', roles: ['admin'] });

  it('refuses on both replicas once a principal used the limit across them', async () => {
    await awayFromWindowEdge();
    const token = admin();
    for (let i = 0; i < PER_KEY / 2; i++) expect((await get(a, token)).statusCode).toBe(200);
    await sleep(SYNC_MS * 4);
    for (let i = 0; i < PER_KEY / 2; i++) expect((await get(b, token)).statusCode).toBe(200);
    await sleep(SYNC_MS * 4);
    // Each replica has seen only half the limit itself: counted alone, both would still answer 200.
    const [onA, onB] = [await get(a, token), await get(b, token)];
    expect([onA.statusCode, onB.statusCode]).toEqual([429, 429]);
    expect(onA.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(onB.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('admits about the limit, not twice it, to requests alternating between the replicas', async () => {
    await awayFromWindowEdge();
    const token = admin();
    let admitted = 0;
    for (let i = 0; i < 4 * PER_KEY; i++) {
      if ((await get(i % 2 ? b : a, token)).statusCode === 200) admitted++;
      await sleep(15);
    }
    // Beyond the limit, at most what the two admit within one sync period each.
    expect(admitted).toBeGreaterThanOrEqual(PER_KEY);
    expect(admitted).toBeLessThanOrEqual(PER_KEY + 2 * Math.ceil(SYNC_MS / 15));
    process.stdout.write(`shared rate limit: ${admitted} of ${4 * PER_KEY} alternating requests admitted, limit ${PER_KEY}, sync every ${SYNC_MS} ms\n`);
  });
});

describe('shared rate counters without NATS', () => {
  it('go on counting locally when the NATS server is gone, and share again when it is back', async () => {
    const server = await startPrivateNats();
    const logger = createLogger('rate-test', 'silent');
    const nc = await connectNats(server.url, 'rate-test', logger);
    const other = await connectNats(server.url, 'rate-test-2', logger);
    const bucket = `rl_${randomUUID().slice(0, 8)}`;
    const mine = await SharedRateCounters.open(nc, { bucket, windowMs: 60_000, maxKeys: 100, syncEveryMs: SYNC_MS, logger });
    const theirs = await SharedRateCounters.open(other, { bucket, windowMs: 60_000, maxKeys: 100, syncEveryMs: SYNC_MS, logger });
    try {
      const now = Date.now();
      for (let i = 0; i < 5; i++) theirs.hit('key', 'k1', now, 10);
      await sleep(SYNC_MS * 4);
      // A replica learns of the others' counts at its first sync after its first request of that client.
      expect(mine.hit('key', 'k1', now, 10).current).toBe(1);
      await sleep(SYNC_MS * 4);
      expect(mine.hit('key', 'k1', now, 10).current).toBe(7);
      await sleep(SYNC_MS * 4);

      await server.kill('SIGKILL');
      // Requests are never held up by the outage; each still counts against what is known.
      const started = performance.now();
      let last = 0;
      for (let i = 0; i < 20; i++) last = mine.hit('key', 'k1', now).current;
      expect(performance.now() - started).toBeLessThan(100);
      expect(last).toBe(27);
      // A flood of distinct clients while nothing syncs stays within maxKeys.
      for (let i = 0; i < 1_000; i++) mine.hit('ip', `10.0.${i >> 8}.${i & 255}`, now);
      expect((mine as unknown as { counters: Map<string, unknown> }).counters.size).toBeLessThanOrEqual(100);

      await server.restart();
      // Within the outage pause (5 s) plus a few syncs, the counts meet again in NATS.
      const back = Date.now();
      let seen = 0;
      while (Date.now() - back < 15_000) {
        theirs.hit('key', 'k2', now);
        await sleep(SYNC_MS * 2);
        seen = mine.hit('key', 'k2', now).current;
        if (seen >= 3) break;
      }
      expect(seen).toBeGreaterThanOrEqual(3);
    } finally {
      await mine.stop();
      await theirs.stop();
      await nc.close();
      await other.close();
      await server.stop();
    }
  });
});
