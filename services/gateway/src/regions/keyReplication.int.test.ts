/**
 * Widget keys and API keys in every region, through the whole app on a real
 * NATS server, as two regions `eu` and `us` (REGIONS=eu,us; one gateway
 * each, each with its own KV bucket, on one server: region.<name>.gateway
 * subjects keep them apart, as in residency.int.test.ts). A key made in one
 * region works in the other, a revocation in one is refused in the other and
 * ends the other's open streams, each region holds a tenant to its own limit,
 * and with a region down a create is 503 region_unavailable and leaves the key
 * in no region. The internal copy routes serve nobody but another region's
 * forward: a client's forged `x-cc-forwarded-from` plants nothing.
 */
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { identityHash } from '../store/widgetKeys';

jest.setTimeout(60_000);

const REGIONS = ['eu', 'us'];
type Name = 'eu' | 'us';
const BUCKETS: Record<Name, string> = { eu: `gw_eu_${randomUUID().slice(0, 8)}`, us: `gw_us_${randomUUID().slice(0, 8)}` };
// us allows fewer live API keys than eu: a copy us refuses must be undone in eu.
const API_KEY_LIMITS: Record<Name, number> = { eu: 3, us: 2 };
const deployment = (region: Name) => ({
  gatewayBucket: BUCKETS[region],
  region,
  regions: { region, regions: REGIONS, forwardTimeoutMs: 3_000 },
  tenantLimits: { apiKeys: API_KEY_LIMITS[region] },
});
const apps = {} as Record<Name, EdgeApp>;
const buckets = {} as Record<Name, KV>;
let euUrl: string;
let usUrl: string;

async function startUs(): Promise<void> {
  apps.us = await startEdgeApp(deployment('us'), { natsUrl: apps.eu.natsUrl });
  usUrl = await apps.us.app.listen({ host: '127.0.0.1', port: 0 }); // also makes it ready: its responder serves region.us.gateway
}

beforeAll(async () => {
  apps.eu = await startEdgeApp(deployment('eu'));
  euUrl = await apps.eu.app.listen({ host: '127.0.0.1', port: 0 });
  await startUs();
  const kvm = new Kvm(apps.eu.nats);
  buckets.eu = await kvm.open(BUCKETS.eu);
  buckets.us = await kvm.open(BUCKETS.us);
});

afterAll(async () => {
  await apps.us?.close();
  await apps.eu?.close();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const admin = (region: Name, tid: string) => ({ authorization: `Bearer ${apps[region].sign({ tid, sub: 'admin-1', roles: ['admin'] })}` });
const inject = (region: Name, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  apps[region].app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

type WidgetKeyView = { widgetKey: string; identitySecret: string; allowedOrigins: string[]; revoked: boolean; createdAt: string };
const createWidgetKey = (region: Name, tid: string, allowedOrigins: string[] = []) => inject(region, 'POST', '/v1/admin/widget-keys', admin(region, tid), { allowedOrigins });
const widgetKeysOf = async (region: Name, tid: string) => (await inject(region, 'GET', '/v1/admin/widget-keys', admin(region, tid))).json<{ widgetKeys: WidgetKeyView[] }>().widgetKeys;
const session = (region: Name, widgetKey: string, customer?: { customerId: string; identityHash: string }) =>
  inject(region, 'POST', '/v1/visitor/sessions', {}, { widgetKey, ...customer });

type ApiKeyCreated = { apiKeyId: string; key: string; createdAt: string };
const createApiKey = (region: Name, tid: string) => inject(region, 'POST', '/v1/admin/api-keys', admin(region, tid), { name: 'CRM sync', scopes: ['events:read'] });
const apiKeysOf = async (region: Name, tid: string) => (await inject(region, 'GET', '/v1/admin/api-keys', admin(region, tid))).json<{ apiKeys: { apiKeyId: string; revoked: boolean; revokedAt?: string }[] }>().apiKeys;
/** 400 (the bad query is reached and refused) once the key authenticates, 401 when it does not. */
const usesApiKey = async (region: Name, key: string) => (await inject(region, 'GET', '/v1/events?after=abc', { 'x-api-key': key })).statusCode;

const recordOf = async (region: Name, key: string) => {
  const entry = await buckets[region].get(key);
  return entry && entry.operation === 'PUT' && entry.length > 0 ? entry.json<Record<string, unknown>>() : undefined;
};

describe('widget keys', () => {
  it('a key created in eu opens visitor sessions in us, with the same identity secret, and its sessions work there', async () => {
    const tid = tenant();
    const created = await createWidgetKey('eu', tid, ['https://shop.example.com']);
    expect(created.statusCode).toBe(201);
    const key = created.json<WidgetKeyView>();
    // Before the answer, us holds the same record.
    expect(await recordOf('us', `widget.${key.widgetKey}`)).toEqual(await recordOf('eu', `widget.${key.widgetKey}`));
    expect(await widgetKeysOf('us', tid)).toEqual([{ widgetKey: key.widgetKey, createdAt: key.createdAt, revoked: false, allowedOrigins: ['https://shop.example.com'] }]);

    const verified = await session('us', key.widgetKey, { customerId: 'c-42', identityHash: identityHash(key.identitySecret, 'c-42') });
    expect(verified.statusCode).toBe(201);
    expect(verified.json()).toMatchObject({ customerId: 'c-42', verified: true });

    // A session opened in eu, about a conversation homed in us: eu forwards it, and us finds the session's
    // widget key live (it then asks its conversation service, which these tests do not run: 503, not 401).
    const token = (await session('eu', key.widgetKey)).json<{ token: string }>().token;
    const inUs = await inject('eu', 'GET', `/v1/visitor/conversations/us_${randomUUID()}`, { authorization: `Bearer ${token}` });
    expect([inUs.statusCode, inUs.json().code]).toEqual([503, 'unavailable']);
  });

  it('a change of allowed origins in eu is made in us; a revocation in eu is refused in us', async () => {
    const tid = tenant();
    const key = (await createWidgetKey('eu', tid)).json<WidgetKeyView>();
    const visitor = (await session('us', key.widgetKey)).json<{ token: string }>().token;

    const patched = await inject('eu', 'PATCH', `/v1/admin/widget-keys/${key.widgetKey}`, admin('eu', tid), { allowedOrigins: ['https://Shop.example.com:443'] });
    expect(patched.statusCode).toBe(200);
    expect((await widgetKeysOf('us', tid))[0]!.allowedOrigins).toEqual(['https://shop.example.com']);

    expect((await inject('eu', 'DELETE', `/v1/admin/widget-keys/${key.widgetKey}`, admin('eu', tid))).statusCode).toBe(204);
    expect((await session('us', key.widgetKey)).statusCode).toBe(401);
    const refused = await inject('us', 'GET', `/v1/visitor/conversations/us_${randomUUID()}`, { authorization: `Bearer ${visitor}` });
    expect([refused.statusCode, refused.json().detail]).toEqual([401, 'widget key revoked']);
    expect((await widgetKeysOf('us', tid))[0]!.revoked).toBe(true);
  });
});

describe('API keys', () => {
  it('a key created in us authenticates in eu; revoked in eu, it is refused in us and its open stream in us ends', async () => {
    const tid = tenant();
    const created = await createApiKey('us', tid);
    expect(created.statusCode).toBe(201);
    const { apiKeyId, key } = created.json<ApiKeyCreated>();
    expect(await usesApiKey('eu', key)).toBe(400);
    expect(await usesApiKey('us', key)).toBe(400);

    const stream = await fetch(`${usUrl}/v1/events`, { headers: { 'x-api-key': key } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // the stream's first frame: it is open

    expect((await inject('eu', 'DELETE', `/v1/admin/api-keys/${apiKeyId}`, admin('eu', tid))).statusCode).toBe(204);
    expect(await usesApiKey('us', key)).toBe(401);
    expect(await usesApiKey('eu', key)).toBe(401);
    // Ended by us's revocations watch, long before its 15 s heartbeat would re-check the key.
    const ended = Date.now();
    for (;;) if ((await reader.read()).done) break;
    expect(Date.now() - ended).toBeLessThan(5_000);
    const [eu, us] = [await apiKeysOf('eu', tid), await apiKeysOf('us', tid)];
    expect(us).toEqual(eu);
    expect(us[0]).toMatchObject({ apiKeyId, revoked: true });
  });

  it("holds each region to its own limit of live keys: a copy us refuses is undone in eu (409 naming us)", async () => {
    const tid = tenant();
    for (let i = 0; i < API_KEY_LIMITS.us; i++) expect((await createApiKey('eu', tid)).statusCode).toBe(201);
    const third = await createApiKey('eu', tid);
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ code: 'tenant_limit_reached', region: 'us' });
    expect(await apiKeysOf('eu', tid)).toHaveLength(API_KEY_LIMITS.us);
    expect(await apiKeysOf('us', tid)).toHaveLength(API_KEY_LIMITS.us);
    // Its own limit, in us: refused there before anything is sent.
    expect((await createApiKey('us', tid)).json()).toMatchObject({ code: 'tenant_limit_reached' });

    // A revocation frees a place in both regions.
    const [first] = await apiKeysOf('us', tid);
    expect((await inject('us', 'DELETE', `/v1/admin/api-keys/${first!.apiKeyId}`, admin('us', tid))).statusCode).toBe(204);
    expect((await createApiKey('eu', tid)).statusCode).toBe(201);
    expect((await apiKeysOf('us', tid)).filter((k) => !k.revoked)).toHaveLength(API_KEY_LIMITS.us);
  });
});

describe('the internal copy routes', () => {
  const forgedApiKey = (tid: string) => {
    const apiKeyId = randomBytes(12).toString('hex');
    const key = `cck_${apiKeyId}_${randomBytes(32).toString('base64url')}`;
    const record = { apiKeyId, tenantId: tid, name: 'planted', scopes: ['events:read'], keyHash: createHash('sha256').update(key).digest('hex'), createdAt: new Date().toISOString() };
    return { apiKeyId, key, record };
  };

  it("refuse a client's request, forged x-cc-forwarded-from or not (404, as no route), and store nothing", async () => {
    const tid = tenant();
    const { apiKeyId, key, record } = forgedApiKey(tid);
    for (const forged of [{ 'x-cc-forwarded-from': 'us' }, {}] as Record<string, string>[]) {
      const res = await fetch(`${euUrl}/v1/internal/region-copies/api-keys/${apiKeyId}`, {
        method: 'PUT',
        headers: { ...admin('eu', tid), ...forged, 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('route_not_found');
    }
    expect(await recordOf('eu', `apikey.${apiKeyId}`)).toBeUndefined();
    expect(await apiKeysOf('eu', tid)).toEqual([]);
    expect(await usesApiKey('eu', key)).toBe(401);

    const doc = (await inject('eu', 'GET', '/openapi.json', {})).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths).filter((p) => p.includes('internal'))).toEqual([]);
  });

  it("refuse a genuine forward that carries another tenant's key (403), storing nothing", async () => {
    const [tid, other] = [tenant(), tenant()];
    const { apiKeyId, record } = forgedApiKey(other);
    const res = await apps.us.app.regionLink.forward('eu', {
      method: 'PUT',
      url: `/v1/internal/region-copies/api-keys/${apiKeyId}`,
      headers: { ...admin('us', tid), 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(record)),
    });
    expect(res.status).toBe(403);
    expect(await recordOf('eu', `apikey.${apiKeyId}`)).toBeUndefined();
  });
});

// Last: it stops and restarts us.
describe('with us down', () => {
  /** Every change eu's bucket sees under `filter` while `during` runs. */
  async function changesIn(filter: string, during: () => Promise<void>): Promise<KvWatchEntry[]> {
    const seen: KvWatchEntry[] = [];
    const watch = await buckets.eu.watch({ key: filter, include: 'updates' });
    const reading = (async () => {
      for await (const e of watch) seen.push(e);
    })();
    await during();
    await new Promise((resolve) => setTimeout(resolve, 300));
    watch.stop();
    await reading;
    return seen;
  }

  it('a create in eu is 503 region_unavailable naming us and leaves the key in no region; a revocation stays, and reaches us when repeated', async () => {
    const tid = tenant();
    const before = (await createApiKey('eu', tid)).json<ApiKeyCreated>();
    await apps.us.close();

    let answer: { status: number; body: { code: string; region: string; detail: string } } | undefined;
    const changes = await changesIn('widget.*', async () => {
      const res = await createWidgetKey('eu', tid);
      answer = { status: res.statusCode, body: res.json() };
    });
    expect(answer?.status).toBe(503);
    expect(answer?.body).toMatchObject({ code: 'region_unavailable', region: 'us' });
    expect(answer?.body.detail).toContain('"us"');
    expect(answer?.body.detail).toContain('nothing was changed in any region');
    // The key was made in eu, then taken back: it opens no session there.
    const made = changes.find((e) => e.operation === 'PUT' && e.json<{ tenantId: string }>().tenantId === tid);
    expect(made).toBeDefined();
    const widgetKey = made!.key.slice('widget.'.length);
    expect((await session('eu', widgetKey)).statusCode).toBe(401);
    expect(await recordOf('eu', made!.key)).toBeUndefined();
    expect(await widgetKeysOf('eu', tid)).toEqual([]);

    const apiKey = await createApiKey('eu', tid);
    expect([apiKey.statusCode, apiKey.json().region]).toEqual([503, 'us']);
    expect((await apiKeysOf('eu', tid)).map((k) => k.apiKeyId)).toEqual([before.apiKeyId]);

    // A revocation is not undone: refused in eu at once, and in us once repeated after us is back.
    const revoke = () => inject('eu', 'DELETE', `/v1/admin/api-keys/${before.apiKeyId}`, admin('eu', tid));
    expect([(await revoke()).statusCode, (await revoke()).json().region]).toEqual([503, 'us']);
    expect(await usesApiKey('eu', before.key)).toBe(401);

    await startUs();
    expect(await usesApiKey('us', before.key)).toBe(400);
    // eu asks a region it saw down again every second.
    const deadline = Date.now() + 10_000;
    while (apps.eu.app.regionLink.downRegions().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await revoke()).statusCode).toBe(204);
    expect(await usesApiKey('us', before.key)).toBe(401);
  });
});
