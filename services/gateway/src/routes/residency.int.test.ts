/**
 * `/v1/admin/residency` through the whole app on a real NATS server, as two
 * regions `eu` and `us` (one gateway each, each with its own KV bucket, on one
 * server: region.<name>.gateway subjects keep them apart): a refused PUT
 * names the field and stores nothing anywhere, a stored one is copied to the
 * other region exactly once and reads back there (and on another replica,
 * whose cache the KV watch clears), only admins may read or write, and a PUT
 * while `us` is down is 503 region_unavailable, then converges when repeated.
 * A start placed in the other region is sent there.
 */
import { Kvm, type KV } from '@nats-io/kv';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const REGIONS = ['eu', 'us'];
const BUCKETS = { eu: `gw_eu_${randomUUID().slice(0, 8)}`, us: `gw_us_${randomUUID().slice(0, 8)}` };
const deployment = (region: 'eu' | 'us') => ({ gatewayBucket: BUCKETS[region], region, regions: { region, regions: REGIONS } });
let edge: EdgeApp;
let us: EdgeApp;
/** What reached `us` forwarded from `eu`. */
let forwardedToUs: { method: string; url: string; country?: string }[] = [];
const buckets: Partial<Record<'eu' | 'us', KV>> = {};

async function startUs(): Promise<EdgeApp> {
  const app = await startEdgeApp(deployment('us'), { natsUrl: edge.natsUrl });
  app.app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.headers['x-cc-forwarded-from'] === 'eu') forwardedToUs.push({ method: request.method, url: request.url, country: request.headers['cf-ipcountry'] as string | undefined });
  });
  await app.app.ready(); // its responder serves region.us.gateway from now on
  return app;
}

beforeAll(async () => {
  edge = await startEdgeApp(deployment('eu'));
  await edge.app.ready();
  us = await startUs();
  const kvm = new Kvm(edge.nats);
  buckets.eu = await kvm.open(BUCKETS.eu);
  buckets.us = await kvm.open(BUCKETS.us);
});

afterAll(async () => {
  await us?.close();
  await edge?.close();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const as = (app: EdgeApp, tid: string, roles = ['admin']) => ({ authorization: `Bearer ${app.sign({ tid, sub: `${roles[0]}-1`, roles })}` });
const put = (tid: string, payload: unknown, roles?: string[]) => edge.app.inject({ method: 'PUT', url: '/v1/admin/residency', headers: as(edge, tid, roles), payload: payload as object });
const get = (tid: string, app = edge, roles?: string[]) => app.app.inject({ method: 'GET', url: '/v1/admin/residency', headers: as(app, tid, roles) });
const stored = async (tid: string, region: 'eu' | 'us' = 'eu') => {
  const entry = await buckets[region]!.get(`${tid}.residency`);
  return entry && entry.length > 0 ? entry.json<unknown>() : undefined;
};

/** Values written under the tenant's key (a copy sent back and forth would make two). */
const revisions = async (tid: string, region: 'eu' | 'us') => {
  let n = 0;
  for await (const _entry of await buckets[region]!.history({ key: `${tid}.residency` })) n++;
  return n;
};

const SETTINGS = { homeRegion: 'us', rules: [{ countries: ['DE', 'FR'], region: 'eu' }, { countries: ['US', 'CA'], region: 'us' }] };

describe('PUT then GET /v1/admin/residency', () => {
  it('stores the settings in the gateway bucket and reads them back as written', async () => {
    const tid = tenant();
    expect((await get(tid)).statusCode).toBe(404);

    const res = await put(tid, SETTINGS);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(SETTINGS);
    expect(await stored(tid)).toEqual(SETTINGS);
    const back = await get(tid);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toEqual(SETTINGS);
    // Copied to us before the answer, once: us stored the copy without sending it back.
    expect(await stored(tid, 'us')).toEqual(SETTINGS);
    expect((await get(tid, us)).json()).toEqual(SETTINGS);
    expect(await revisions(tid, 'eu')).toBe(1);
    expect(await revisions(tid, 'us')).toBe(1);

    // A second PUT replaces the first whole; rules may be left out (none).
    expect((await put(tid, { homeRegion: 'eu' })).json()).toEqual({ homeRegion: 'eu', rules: [] });
    expect((await get(tid)).json()).toEqual({ homeRegion: 'eu', rules: [] });
  });

  it('is seen by another replica that had read the previous settings', async () => {
    const tid = tenant();
    await put(tid, SETTINGS);
    const replica = await startEdgeApp(deployment('eu'), { natsUrl: edge.natsUrl });
    try {
      expect((await get(tid, replica)).json()).toEqual(SETTINGS); // now in its cache
      await put(tid, { homeRegion: 'eu', rules: [] });
      // Its KV watch drops the cached copy within milliseconds.
      const deadline = Date.now() + 5_000;
      let seen: unknown;
      while (Date.now() < deadline) {
        seen = (await get(tid, replica)).json();
        if ((seen as { homeRegion?: string }).homeRegion === 'eu') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen).toEqual({ homeRegion: 'eu', rules: [] });
    } finally {
      await replica.close();
    }
  });
});

describe('a refused PUT names the field and stores nothing', () => {
  const cases: [string, unknown, string][] = [
    ['an unknown home region', { homeRegion: 'mars', rules: [] }, 'homeRegion'],
    ['a rule with an unknown region', { homeRegion: 'eu', rules: [{ countries: ['DE'], region: 'eu' }, { countries: ['US'], region: 'usa' }] }, 'rules[1].region'],
    ['a bad country code', { homeRegion: 'eu', rules: [{ countries: ['DE', 'FR', 'XX'], region: 'eu' }] }, 'rules[0].countries[2]'],
    ['a lower-case country code', { homeRegion: 'eu', rules: [{ countries: ['de'], region: 'eu' }] }, 'rules[0].countries[0]'],
    ['a country in two rules', { homeRegion: 'eu', rules: [{ countries: ['DE'], region: 'eu' }, { countries: ['US', 'DE'], region: 'us' }] }, 'rules[1].countries[1]'],
    ['a rule without countries', { homeRegion: 'eu', rules: [{ countries: [], region: 'us' }] }, 'rules[0].countries'],
    ['no home region', { rules: [] }, 'homeRegion'],
  ];

  it.each(cases)('%s', async (_what, payload, field) => {
    const tid = tenant();
    const res = await put(tid, payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'validation', field });
    expect(await stored(tid)).toBeUndefined();
    expect(await stored(tid, 'us')).toBeUndefined();
    expect((await get(tid)).statusCode).toBe(404);
  });

  it('leaves settings stored before as they were', async () => {
    const tid = tenant();
    await put(tid, SETTINGS);
    expect((await put(tid, { homeRegion: 'eu', rules: [{ countries: ['UK'], region: 'eu' }] })).json()).toMatchObject({ field: 'rules[0].countries[0]', detail: expect.stringContaining('GB') });
    expect(await stored(tid)).toEqual(SETTINGS);
  });
});

describe('only admins', () => {
  it.each([['agent'], ['supervisor']])('refuses a %s reading or writing (403), and nothing is stored', async (role) => {
    const tid = tenant();
    const write = await put(tid, SETTINGS, [role]);
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('forbidden');
    expect(await stored(tid)).toBeUndefined();
    expect(await stored(tid, 'us')).toBeUndefined();
    expect((await get(tid, edge, [role])).statusCode).toBe(403);
  });

  it('keeps each tenant to its own settings', async () => {
    const a = tenant();
    const b = tenant();
    await put(a, SETTINGS);
    expect((await get(b)).statusCode).toBe(404);
    await put(b, { homeRegion: 'eu' });
    expect((await get(a)).json()).toEqual(SETTINGS);
  });
});

describe('placement of new conversations', () => {
  const start = (tid: string, country: string) =>
    edge.app.inject({ method: 'POST', url: '/v1/conversations', headers: { ...as(edge, tid, ['agent']), 'cf-ipcountry': country }, payload: { channel: 'chat', customerId: 'c-1', language: 'en' } });

  it('sends a start its tenant\'s rules place in the other region there, with the country; others start here', async () => {
    const tid = tenant();
    await put(tid, SETTINGS); // DE, FR → eu; US, CA → us; home us
    forwardedToUs = [];
    // No conversation service behind either gateway: each answers 503, which region answered is what counts.
    await start(tid, 'DE');
    expect(forwardedToUs).toEqual([]);
    await start(tid, 'ca'); // a rule's country, whatever its case
    await start(tid, 'BR'); // no rule: home region (us)
    expect(forwardedToUs).toEqual([
      { method: 'POST', url: '/v1/conversations', country: 'ca' },
      { method: 'POST', url: '/v1/conversations', country: 'BR' },
    ]);
  });

  it('starts here when the tenant has no settings', async () => {
    forwardedToUs = [];
    await start(tenant(), 'US');
    expect(forwardedToUs).toEqual([]);
  });
});

// Last: it stops and restarts us.
describe('a region down', () => {
  it('a PUT is stored here and answered 503 region_unavailable naming it; repeated once it is back, every region converges', async () => {
    const tid = tenant();
    await us.close();
    const res = await put(tid, SETTINGS);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 503, code: 'region_unavailable', region: 'us' });
    expect(res.json().detail).toContain('us');
    expect(await stored(tid)).toEqual(SETTINGS);
    // A start placed there cannot be started anywhere.
    const started = await edge.app.inject({ method: 'POST', url: '/v1/conversations', headers: { ...as(edge, tid, ['agent']), 'cf-ipcountry': 'US' }, payload: { channel: 'chat', customerId: 'c-1', language: 'en' } });
    expect([started.statusCode, started.json().code, started.json().region]).toEqual([503, 'region_unavailable', 'us']);

    us = await startUs();
    // eu asks a region it found down again every second; until then it refuses at once.
    let again = await put(tid, SETTINGS);
    for (const until = Date.now() + 5_000; again.statusCode === 503 && Date.now() < until; again = await put(tid, SETTINGS)) await new Promise((r) => setTimeout(r, 100));
    expect(again.statusCode).toBe(200);
    expect(await stored(tid, 'us')).toEqual(SETTINGS);
    expect((await get(tid, us)).json()).toEqual(SETTINGS);
  });
});
