/**
 * One tenant cannot slow another: a tenant's listing reads only its own
 * entries, whatever other tenants hold, and each tenant's keys and webhooks
 * stay under its limits, also when creates race and for records made before
 * the per-tenant index existed. Real NATS KV; the stores' KV handle is
 * wrapped to record what it was asked for.
 */
import { openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import { WebhookStore } from '../webhooks/webhookStore';
import { ApiKeys, type ApiKeyRecord } from './apiKeys';
import { TenantLimitError } from './tenantLimits';
import { WidgetKeys, type WidgetKey } from './widgetKeys';

const nats = natsForThisFile('tenant-index-test');

/** A fresh bucket, and a second handle on it from another connection: another gateway replica. */
async function bucket(): Promise<{ kv: KV; replica: KV }> {
  const name = `gw_${randomUUID().slice(0, 8)}`;
  const [a, b] = [await nats.connect(), await nats.connect()];
  return { kv: await openStateBucket(a, name, 'gateway'), replica: await openStateBucket(b, name, 'gateway') };
}

/** The real KV, recording every key read and every key a `keys()` listing visited. */
function recorded(kv: KV): { kv: KV; touched: string[]; filters: (string | string[] | undefined)[] } {
  const touched: string[] = [];
  const filters: (string | string[] | undefined)[] = [];
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === 'get') {
        return (key: string, ...rest: unknown[]) => {
          touched.push(key);
          return (target.get as (...a: unknown[]) => unknown)(key, ...rest);
        };
      }
      if (prop === 'keys') {
        return async (filter?: string | string[]) => {
          filters.push(filter);
          const visited: string[] = [];
          for await (const k of await target.keys(filter)) visited.push(k);
          touched.push(...visited);
          return (async function* () {
            yield* visited;
          })();
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { kv: proxy, touched, filters };
}

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const keySpec = { name: 'CRM sync', scopes: ['events:read' as const] };

describe('listing a tenant touches only its own entries', () => {
  it('API keys: 60 keys in tenant B cost tenant A\'s listing nothing', async () => {
    const { kv } = await bucket();
    const [a, b] = [tenant(), tenant()];
    const spy = recorded(kv);
    const keys = new ApiKeys(spy.kv, 1_000);
    const own = [await keys.create(a, keySpec), await keys.create(a, keySpec)].map((k) => k.record.apiKeyId);

    spy.touched.length = 0;
    expect((await keys.list(a)).map((k) => k.apiKeyId).sort()).toEqual([...own].sort());
    const readsWithoutB = spy.touched.length;

    const others = await Promise.all(Array.from({ length: 60 }, () => keys.create(b, keySpec)));
    spy.touched.length = 0;
    spy.filters.length = 0;
    expect((await keys.list(a)).map((k) => k.apiKeyId).sort()).toEqual([...own].sort());

    expect(spy.filters).toEqual([`tenant.${a}.apikey.*`]);
    expect(spy.touched.length).toBe(readsWithoutB);
    const ofB = new Set(others.map((k) => k.record.apiKeyId));
    expect(spy.touched.filter((k) => k.includes(b) || ofB.has(k.slice(k.lastIndexOf('.') + 1)))).toEqual([]);
  });

  it('widget keys: 40 keys in tenant B cost tenant A\'s listing nothing', async () => {
    const { kv } = await bucket();
    const [a, b] = [tenant(), tenant()];
    const spy = recorded(kv);
    const keys = new WidgetKeys(spy.kv, 1_000);
    const own = (await keys.create(a)).widgetKey;
    const others = await Promise.all(Array.from({ length: 40 }, () => keys.create(b)));

    spy.touched.length = 0;
    spy.filters.length = 0;
    expect((await keys.list(a)).map((k) => k.widgetKey)).toEqual([own]);

    expect(spy.filters).toEqual([`tenant.${a}.widget.*`]);
    expect(spy.touched.sort()).toEqual([`tenant.${a}.widget.${own}`, `widget.${own}`]);
    expect(spy.touched.some((k) => k.includes(b) || others.some((o) => k.endsWith(o.widgetKey)))).toBe(false);
  });
});

describe('per-tenant limits', () => {
  it('refuses the key over the limit, writing nothing; revoked keys do not count', async () => {
    const { kv } = await bucket();
    const [a, b] = [tenant(), tenant()];
    const keys = new ApiKeys(kv, 2);
    const first = await keys.create(a, keySpec);
    await keys.create(a, keySpec);
    const entriesBefore = await countKeys(kv);

    const refused = await keys.create(a, keySpec).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TenantLimitError);
    expect(refused).toMatchObject({ code: 'illegal_state', problemCode: 'tenant_limit_reached', setting: 'TENANT_MAX_API_KEYS', max: 2 });
    expect(await keys.list(a)).toHaveLength(2);
    expect(await countKeys(kv)).toBe(entriesBefore);

    // Another tenant has its own limit.
    await keys.create(b, keySpec);
    // A revoked key is still listed but frees its place.
    await keys.revoke(a, first.record.apiKeyId);
    const third = await keys.create(a, keySpec);
    expect((await keys.list(a)).map((k) => [k.apiKeyId, k.revokedAt !== undefined])).toContainEqual([first.record.apiKeyId, true]);
    expect(await keys.authenticate(third.key)).toMatchObject({ tenantId: a });
  });

  it('lets exactly one of many concurrent creates at cap-1 through, across replicas', async () => {
    const { kv, replica } = await bucket();
    const a = tenant();
    const [one, two] = [new ApiKeys(kv, 3), new ApiKeys(replica, 3)];
    await one.create(a, keySpec);
    await two.create(a, keySpec);

    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).create(a, keySpec)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(TenantLimitError);
    expect(await one.list(a)).toHaveLength(3);
    expect(await two.list(a)).toHaveLength(3);
  });

  it('widget keys and webhooks: the limit holds under concurrent creates', async () => {
    const { kv, replica } = await bucket();
    const a = tenant();
    const widgets = [new WidgetKeys(kv, 2), new WidgetKeys(replica, 2)];
    const hooks = [new WebhookStore(kv, 2), new WebhookStore(replica, 2)];
    const hook = { url: 'https://hooks.example/cc', eventTypes: ['*'] };

    const w = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => widgets[i % 2]!.create(a)));
    const h = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => hooks[i % 2]!.create(a, hook)));
    expect(w.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(h.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    for (const o of [...w, ...h]) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(TenantLimitError);
    expect(await widgets[0]!.list(a)).toHaveLength(2);
    expect(await hooks[1]!.list(a)).toHaveLength(2);

    // Deleting a webhook frees its place; revoking a widget key frees its.
    await hooks[0]!.delete(a, (await hooks[0]!.list(a))[0]!.webhookId);
    await hooks[1]!.create(a, hook);
    await widgets[1]!.revoke(a, (await widgets[1]!.list(a))[0]!.widgetKey);
    await widgets[0]!.create(a);
    expect(await widgets[0]!.list(a)).toHaveLength(3);
  });
});

describe('records made before the per-tenant index', () => {
  it('are listed, authenticate and count against the limit once indexed at start', async () => {
    const { kv } = await bucket();
    const a = tenant();
    const legacyKey = await putLegacyApiKey(kv, a);
    const revokedLegacy = await putLegacyApiKey(kv, a, new Date().toISOString());
    const legacyWidget = await putLegacyWidgetKey(kv, a);
    await kv.create(`${a}.webhook.wh_legacy1`, JSON.stringify({ webhookId: 'wh_legacy1', tenantId: a, url: 'https://hooks.example/old', eventTypes: ['*'], secret: 'whsec_x', createdAt: new Date().toISOString() }));

    const keys = new ApiKeys(kv, 2);
    const widgets = new WidgetKeys(kv, 1);
    const hooks = new WebhookStore(kv, 1);
    // Authentication never needed the index.
    expect(await keys.authenticate(legacyKey.key)).toMatchObject({ tenantId: a });
    expect(await keys.list(a)).toEqual([]);

    expect(await keys.indexLegacyKeys()).toBe(2);
    expect(await widgets.indexLegacyKeys()).toBe(1);
    expect(await hooks.indexLegacyWebhooks()).toBe(1);
    // Idempotent: a second start (or replica) adds nothing.
    expect(await keys.indexLegacyKeys()).toBe(0);

    expect((await keys.list(a)).map((k) => k.apiKeyId).sort()).toEqual([legacyKey.apiKeyId, revokedLegacy.apiKeyId].sort());
    expect((await widgets.list(a)).map((k) => k.widgetKey)).toEqual([legacyWidget]);
    // The revoked legacy key leaves one place of two; the live widget key and webhook fill theirs.
    await keys.create(a, keySpec);
    await expect(keys.create(a, keySpec)).rejects.toBeInstanceOf(TenantLimitError);
    await expect(widgets.create(a)).rejects.toBeInstanceOf(TenantLimitError);
    await expect(hooks.create(a, { url: 'https://hooks.example/new', eventTypes: ['*'] })).rejects.toBeInstanceOf(TenantLimitError);
  });
});

async function countKeys(kv: KV): Promise<number> {
  let n = 0;
  for await (const _ of await kv.keys()) n++;
  return n;
}

/** An API key as the gateway stored it before the per-tenant index: the record only. */
async function putLegacyApiKey(kv: KV, tenantId: string, revokedAt?: string): Promise<{ apiKeyId: string; key: string }> {
  const apiKeyId = randomBytes(12).toString('hex');
  const key = `cck_${apiKeyId}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    apiKeyId,
    tenantId,
    name: 'old',
    scopes: ['events:read'],
    keyHash: createHash('sha256').update(key).digest('hex'),
    createdAt: new Date().toISOString(),
    ...(revokedAt ? { revokedAt } : {}),
  };
  await kv.create(`apikey.${apiKeyId}`, JSON.stringify(record));
  return { apiKeyId, key };
}

async function putLegacyWidgetKey(kv: KV, tenantId: string): Promise<string> {
  const key: WidgetKey = { widgetKey: `wk_${randomBytes(18).toString('base64url')}`, tenantId, identitySecret: 'x'.repeat(64), createdAt: new Date().toISOString(), revoked: false };
  await kv.create(`widget.${key.widgetKey}`, JSON.stringify(key));
  return key.widgetKey;
}
