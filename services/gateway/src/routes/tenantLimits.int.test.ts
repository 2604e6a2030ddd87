/**
 * Per-tenant limits through the real app (TENANT_MAX_*): the create over a
 * limit is 409 problem JSON `tenant_limit_reached` and writes nothing, also
 * when creates race; keys made before the per-tenant index are listed and
 * still work after a start. (Cost isolation itself: store/tenantIndex.int.test.ts.)
 */
import { Kvm, type KV } from '@nats-io/kv';
import type { LightMyRequestResponse } from 'fastify';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const LIMITS = { apiKeys: 2, widgetKeys: 2, webhooks: 2, invitationRules: 2 };
const BUCKET = `gw_${randomUUID().slice(0, 8)}`;
let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp({ gatewayBucket: BUCKET, tenantLimits: LIMITS });
});

afterAll(async () => {
  await edge?.close();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const admin = (tid: string) => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'admin-1', roles: ['admin'] })}` });
const createApiKey = (tid: string) => edge.app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: admin(tid), payload: { name: 'CRM sync', scopes: ['events:read'] } });
const createWidgetKey = (tid: string) => edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tid), payload: {} });
const listed = async (tid: string, what: 'api-keys' | 'widget-keys') => (await edge.app.inject({ method: 'GET', url: `/v1/admin/${what}`, headers: admin(tid) })).json<Record<string, unknown[]>>();

function expectLimitProblem(res: LightMyRequestResponse, setting: string): void {
  expect(res.statusCode).toBe(409);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 409, code: 'tenant_limit_reached', type: 'https://contactcenter.dev/problems/tenant_limit_reached' });
  expect(res.json().detail).toContain(setting);
}

describe('per-tenant limits over HTTP', () => {
  it('API keys: the one over the limit is refused and writes nothing; revoking one frees its place', async () => {
    const tid = tenant();
    const first = (await createApiKey(tid)).json<{ apiKeyId: string }>();
    expect((await createApiKey(tid)).statusCode).toBe(201);
    const before = await listed(tid, 'api-keys');

    expectLimitProblem(await createApiKey(tid), 'TENANT_MAX_API_KEYS');
    expect(await listed(tid, 'api-keys')).toEqual(before);
    // Another tenant is not affected.
    expect((await createApiKey(tenant())).statusCode).toBe(201);

    expect((await edge.app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${first.apiKeyId}`, headers: admin(tid) })).statusCode).toBe(204);
    expect((await createApiKey(tid)).statusCode).toBe(201);
    expect((await listed(tid, 'api-keys')).apiKeys).toHaveLength(3);
  });

  it('API keys and widget keys: of concurrent creates at cap-1, exactly one passes', async () => {
    const tid = tenant();
    expect((await createApiKey(tid)).statusCode).toBe(201);
    expect((await createWidgetKey(tid)).statusCode).toBe(201);

    const keys = await Promise.all(Array.from({ length: 5 }, () => createApiKey(tid)));
    const widgets = await Promise.all(Array.from({ length: 5 }, () => createWidgetKey(tid)));
    for (const batch of [keys, widgets]) {
      expect(batch.filter((r) => r.statusCode === 201)).toHaveLength(1);
      for (const r of batch.filter((r) => r.statusCode !== 201)) expect(r.json().code).toBe('tenant_limit_reached');
    }
    expect((await listed(tid, 'api-keys')).apiKeys).toHaveLength(2);
    expect((await listed(tid, 'widget-keys')).widgetKeys).toHaveLength(2);
    expectLimitProblem(await createWidgetKey(tid), 'TENANT_MAX_WIDGET_KEYS');
  });

  it('invitation rules: a rule set over the limit is refused and the rules stay as they were', async () => {
    const tid = tenant();
    const rule = (ruleId: string) => ({ ruleId, urlPattern: 'https://shop.example/*', messages: { en: 'Need help?' } });
    const put = (rules: unknown[]) => edge.app.inject({ method: 'PUT', url: '/v1/admin/invitation-rules', headers: admin(tid), payload: { rules } });
    expect((await put([rule('a'), rule('b')])).statusCode).toBe(200);

    expectLimitProblem(await put([rule('a'), rule('b'), rule('c')]), 'TENANT_MAX_INVITATION_RULES');
    const now = (await edge.app.inject({ method: 'GET', url: '/v1/admin/invitation-rules', headers: admin(tid) })).json<{ rules: { ruleId: string }[] }>();
    expect(now.rules.map((r) => r.ruleId)).toEqual(['a', 'b']);
  });
});

describe('keys made before the per-tenant index', () => {
  it('are listed after a start, and still authenticate and open visitor sessions', async () => {
    const tid = tenant();
    const kv: KV = await new Kvm(edge.nats).open(BUCKET);
    const apiKeyId = randomBytes(12).toString('hex');
    const apiKey = `cck_${apiKeyId}_${randomBytes(32).toString('base64url')}`;
    const keyHash = createHash('sha256').update(apiKey).digest('hex');
    await kv.create(`apikey.${apiKeyId}`, JSON.stringify({ apiKeyId, tenantId: tid, name: 'old', scopes: ['webhooks:manage'], keyHash, createdAt: new Date().toISOString() }));
    const widgetKey = `wk_${randomBytes(18).toString('base64url')}`;
    await kv.create(`widget.${widgetKey}`, JSON.stringify({ widgetKey, tenantId: tid, identitySecret: 'f'.repeat(64), createdAt: new Date().toISOString(), revoked: false }));

    // Another replica starting on the same bucket (or this one restarting) indexes them.
    const restarted = await startEdgeApp({ nats: edge.nats, gatewayBucket: BUCKET, tenantLimits: LIMITS });
    try {
      const as = { authorization: `Bearer ${restarted.sign({ tid, sub: 'admin-1', roles: ['admin'] })}` };
      const keys = (await restarted.app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: as })).json<{ apiKeys: { apiKeyId: string }[] }>();
      expect(keys.apiKeys.map((k) => k.apiKeyId)).toEqual([apiKeyId]);
      const widgets = (await restarted.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: as })).json<{ widgetKeys: { widgetKey: string }[] }>();
      expect(widgets.widgetKeys.map((k) => k.widgetKey)).toEqual([widgetKey]);

      expect(await restarted.app.apiKeyAuthenticator.authenticate(apiKey)).toMatchObject({ apiKeyId, tenantId: tid });
      expect((await restarted.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).statusCode).toBe(201);
      // They count against the limit: one more key each fits, not two.
      const newKey = () => restarted.app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: as, payload: { name: 'new', scopes: ['events:read'] } });
      expect((await newKey()).statusCode).toBe(201);
      expectLimitProblem(await newKey(), 'TENANT_MAX_API_KEYS');
      // And are managed like any other: revoking the old one frees its place.
      expect((await restarted.app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${apiKeyId}`, headers: as })).statusCode).toBe(204);
      expect(await restarted.app.apiKeyAuthenticator.authenticate(apiKey)).toBeUndefined();
      expect((await newKey()).statusCode).toBe(201);
    } finally {
      // Closes its app, its own unused server and connection; `edge.nats` stays open.
      await restarted.close();
    }
  });
});
