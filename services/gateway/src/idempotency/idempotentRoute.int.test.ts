/**
 * Idempotency-Key on the gateway's creating routes that need no other
 * service (widget keys, API keys, webhooks by admin or by API key, visitor
 * sessions), through the whole app on a real NATS: many identical requests
 * at once create one thing and get one answer; a retry gets it again, also
 * from a restarted gateway; another body is 422 and writes nothing; keys of
 * two principals never meet; malformed keys are 400; a failed first request
 * is not remembered; a request whose twin is still running gets 409.
 * Routes that need the services are in test/integration/gatewayIdempotency.test.ts.
 */
import { createLogger } from '@contactcenter/infra';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { buildApp, type AppDeps } from '../app';
import { connectPeers } from '../peers';
import { IdempotencyKeyMaterial } from './idempotencyKeyMaterial';
import { IdempotencyStore } from './idempotencyStore';

jest.setTimeout(60_000);

type Json = Record<string, any>;
const SECRET = 'i'.repeat(48);
const BUCKET = `idem_${randomUUID().slice(0, 8)}`;
const deps: Partial<AppDeps> = {
  jwtSecret: SECRET,
  idempotency: { bucket: BUCKET, waitMs: 5_000 },
  webhooksAllowInsecure: true,
  outboundAllowedNetworks: ['127.0.0.0/8'],
  // Fifty sessions from one test address, and more.
  visitorSessionLimits: { perAddressPerMinute: 10_000, perWidgetKeyPerMinute: 10_000 },
};

let edge: EdgeApp;
let app: FastifyInstance;
beforeAll(async () => {
  edge = await startEdgeApp(deps);
  app = edge.app;
});
afterAll(async () => edge?.close());

const tenant = () => `idem-${randomUUID().slice(0, 8)}`;
const admin = (tid: string, sub = 'ada') => ({ authorization: `Bearer ${edge.sign({ tid, sub, roles: ['admin'] })}` });
const post = (url: string, headers: Record<string, string>, body: unknown, key?: string) =>
  app.inject({ method: 'POST', url, headers: { ...headers, ...(key !== undefined ? { 'idempotency-key': key } : {}) }, ...(body !== undefined ? { payload: body as object } : {}) });
const listed = async (url: string, field: string, headers: Record<string, string>) => ((await app.inject({ method: 'GET', url, headers })).json() as Json)[field].length as number;
const replayed = (r: LightMyRequestResponse) => r.headers['idempotent-replayed'] === 'true';

interface CreatingRoute {
  name: string;
  url: string;
  /** Credentials of a principal of `tid`; `sub` names another principal of the same tenant. */
  auth(tid: string, sub?: string): Promise<Record<string, string>>;
  body: unknown;
  otherBody: unknown;
  /** How many things the route created for `tid`, counted from their store. */
  count(tid: string): Promise<number>;
}

/** An API key with `webhooks:manage`, made by the tenant's admin `sub`. */
const apiKeyOf = async (tid: string, sub = 'ada') => {
  const res = await post('/v1/admin/api-keys', admin(tid, sub), { name: `hooks-${sub}`, scopes: ['webhooks:manage'] });
  return { 'x-api-key': (res.json() as Json).key as string };
};

const routes: CreatingRoute[] = [
  {
    name: 'widget keys',
    url: '/v1/admin/widget-keys',
    auth: async (tid, sub) => admin(tid, sub),
    body: { allowedOrigins: ['https://shop.example.com'] },
    otherBody: { allowedOrigins: ['https://other.example.com'] },
    count: (tid) => listed('/v1/admin/widget-keys', 'widgetKeys', admin(tid)),
  },
  {
    name: 'API keys',
    url: '/v1/admin/api-keys',
    auth: async (tid, sub) => admin(tid, sub),
    body: { name: 'crm', scopes: ['events:read'] },
    otherBody: { name: 'crm', scopes: ['webhooks:manage'] },
    count: (tid) => listed('/v1/admin/api-keys', 'apiKeys', admin(tid)),
  },
  {
    name: 'webhooks by an admin',
    url: '/v1/webhooks',
    auth: async (tid, sub) => admin(tid, sub),
    body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] },
    otherBody: { url: 'http://127.0.0.1:9/other', eventTypes: ['*'] },
    count: (tid) => listed('/v1/webhooks', 'webhooks', admin(tid)),
  },
  {
    name: 'webhooks by an API key',
    url: '/v1/webhooks',
    auth: apiKeyOf,
    body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'], description: 'by key' },
    otherBody: { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'], description: 'other' },
    count: (tid) => listed('/v1/webhooks', 'webhooks', admin(tid)),
  },
];

describe.each(routes)('POST $url ($name) with an Idempotency-Key', (route) => {
  it('creates once for 50 identical requests at once, answers all alike, and again on a retry', async () => {
    const tid = tenant();
    const auth = await route.auth(tid);
    const before = await route.count(tid);
    const key = randomUUID();
    const burst = await Promise.all(Array.from({ length: 50 }, () => post(route.url, auth, route.body, key)));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    expect(new Set(burst.map((r) => r.body)).size).toBe(1);
    expect(burst.filter(replayed)).toHaveLength(49);
    expect(await route.count(tid)).toBe(before + 1);
    const retry = await post(route.url, auth, route.body, key);
    expect({ status: retry.statusCode, body: retry.body, replayed: replayed(retry) }).toEqual({ status: 201, body: burst[0]!.body, replayed: true });
    expect(await route.count(tid)).toBe(before + 1);
  });

  it('refuses the same key with another body as 422 idempotency_key_reused, writing nothing', async () => {
    const tid = tenant();
    const auth = await route.auth(tid);
    const key = randomUUID();
    expect((await post(route.url, auth, route.body, key)).statusCode).toBe(201);
    const before = await route.count(tid);
    const reused = await post(route.url, auth, route.otherBody, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    expect(await route.count(tid)).toBe(before);
  });

  it('keeps the keys of two principals apart', async () => {
    const tid = tenant();
    const key = randomUUID();
    const first = await post(route.url, await route.auth(tid, 'ada'), route.body, key);
    const second = await post(route.url, await route.auth(tid, 'bob'), route.body, key);
    const elsewhere = await post(route.url, await route.auth(tenant(), 'ada'), route.body, key);
    expect([first, second, elsewhere].map((r) => [r.statusCode, replayed(r)])).toEqual(Array(3).fill([201, false]));
    expect(new Set([first.body, second.body, elsewhere.body]).size).toBe(3);
  });
});

describe('POST /v1/visitor/sessions with an Idempotency-Key (scope: widget key + client address)', () => {
  it('opens one session for 50 identical requests and answers its token to all; another body is 422', async () => {
    const widgetKey = (await post('/v1/admin/widget-keys', admin(tenant()), undefined)).json().widgetKey as string;
    const key = randomUUID();
    const burst = await Promise.all(Array.from({ length: 50 }, () => post('/v1/visitor/sessions', {}, { widgetKey }, key)));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    expect(new Set(burst.map((r) => r.json().customerId)).size).toBe(1);
    expect(new Set(burst.map((r) => r.body)).size).toBe(1);
    expect(burst.filter(replayed)).toHaveLength(49);
    expect((await post('/v1/visitor/sessions', {}, { widgetKey, name: 'Eve' }, key)).json()).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    // Without a key every request is a new session, as before.
    const plain = await Promise.all([1, 2].map(() => post('/v1/visitor/sessions', {}, { widgetKey })));
    expect(new Set(plain.map((r) => r.json().customerId)).size).toBe(2);
  });
});

describe('Idempotency-Key edge cases', () => {
  it('refuses a malformed key with 400 naming Idempotency-Key, creating nothing', async () => {
    const tid = tenant();
    for (const key of ['', 'k'.repeat(256), 'tab\there', 'has spaces', 'bell\u0007']) {
      const res = await post('/v1/admin/widget-keys', admin(tid), undefined, key);
      expect([res.statusCode, res.json().field]).toEqual([400, 'Idempotency-Key']);
    }
    expect(await listed('/v1/admin/widget-keys', 'widgetKeys', admin(tid))).toBe(0);
    expect((await post('/v1/admin/widget-keys', admin(tid), undefined, 'k'.repeat(255))).statusCode).toBe(201);
  });

  it('authenticates before it looks at the key: an anonymous client with a malformed key gets 401', async () => {
    const res = await post('/v1/admin/widget-keys', {}, undefined, 'has spaces');
    expect([res.statusCode, res.json().code]).toEqual([401, 'unauthorized']);
  });

  it('rotates a webhook secret once however often the rotation is retried', async () => {
    const tid = tenant();
    const hook = (await post('/v1/webhooks', admin(tid), { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] })).json();
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(`/v1/webhooks/${hook.webhookId}/rotate-secret`, admin(tid), undefined, key)));
    expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.json().secret)).size).toBe(1);
    const fresh = (await post(`/v1/webhooks/${hook.webhookId}/rotate-secret`, admin(tid), undefined, randomUUID())).json();
    // One rotation under the key, one more under a new key: two secrets retire, none is lost.
    expect(fresh.secret).not.toBe(answers[0]!.json().secret);
  });

  it('forgets a failed first request: its retry runs again, and may then succeed with a corrected body', async () => {
    const tid = tenant();
    const key = randomUUID();
    const bad = { name: 'crm', scopes: ['no:such'] };
    const first = await post('/v1/admin/api-keys', admin(tid), bad, key);
    expect(first.statusCode).toBe(400);
    const again = await post('/v1/admin/api-keys', admin(tid), bad, key);
    expect([again.statusCode, replayed(again)]).toEqual([400, false]);
    expect((await post('/v1/admin/api-keys', admin(tid), { name: 'crm', scopes: ['events:read'] }, key)).statusCode).toBe(201);
    expect(await listed('/v1/admin/api-keys', 'apiKeys', admin(tid))).toBe(1);
  });

  it('refuses the same key on another route as 422', async () => {
    const tid = tenant();
    const key = randomUUID();
    expect((await post('/v1/admin/widget-keys', admin(tid), undefined, key)).statusCode).toBe(201);
    expect((await post('/v1/admin/api-keys', admin(tid), { name: 'crm', scopes: ['events:read'] }, key)).json().code).toBe('idempotency_key_reused');
    expect(await listed('/v1/admin/api-keys', 'apiKeys', admin(tid))).toBe(0);
  });

  it('answers 409 idempotency_in_progress with Retry-After while the first request runs past the wait', async () => {
    const tid = tenant();
    const key = randomUUID();
    // The first request, as another replica holding the claim: it has not answered yet.
    const store = await IdempotencyStore.open(edge.nats, { bucket: BUCKET });
    const m = new IdempotencyKeyMaterial(`staff:${tid}:ada`, key);
    expect((await store.claim(m.recordKey, m.fingerprint('POST', '/v1/admin/widget-keys', null))).kind).toBe('claimed');
    const impatient = await buildSecondApp({ idempotency: { bucket: BUCKET, waitMs: 300 } });
    try {
      const res = await impatient.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: { ...admin(tid), 'idempotency-key': key } });
      expect([res.statusCode, res.json().code, res.headers['retry-after']]).toEqual([409, 'idempotency_in_progress', '1']);
      expect(await listed('/v1/admin/widget-keys', 'widgetKeys', admin(tid))).toBe(0);
    } finally {
      await impatient.close();
    }
  });

  it('answers the stored result from a restarted gateway on the same NATS', async () => {
    const tid = tenant();
    const key = randomUUID();
    const first = await post('/v1/webhooks', admin(tid), { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] }, key);
    expect(first.statusCode).toBe(201);
    const restarted = await buildSecondApp(deps);
    try {
      const retry = await restarted.inject({ method: 'POST', url: '/v1/webhooks', headers: { ...admin(tid), 'idempotency-key': key }, payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] } });
      expect([retry.statusCode, retry.body, replayed(retry)]).toEqual([201, first.body, true]);
    } finally {
      await restarted.close();
    }
    expect(await listed('/v1/webhooks', 'webhooks', admin(tid))).toBe(1);
  });

  it('documents the header on every route it guards', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    const guarded = Object.entries(doc.paths as Json).filter(([, ops]) => (ops.post?.parameters ?? []).some((p: Json) => p.in === 'header' && p.name === 'idempotency-key'));
    expect(guarded.map(([path]) => path).sort()).toEqual(
      [
        '/v1/admin/api-keys',
        '/v1/admin/widget-keys',
        '/v1/conversations',
        '/v1/conversations/{conversationId}/identities',
        '/v1/conversations/{conversationId}/identities/unlink',
        '/v1/conversations/{conversationId}/messages',
        '/v1/conversations/{conversationId}/notes',
        '/v1/conversations/{conversationId}/surveys',
        '/v1/visitor/conversations',
        '/v1/visitor/conversations/{conversationId}/messages',
        '/v1/visitor/invitations/{invitationId}/accept',
        '/v1/visitor/sessions',
        '/v1/webhooks',
        '/v1/webhooks/{id}/rotate-secret',
      ].sort(),
    );
  });
});

/** Another gateway process on the same NATS (a replica, or this one restarted). */
async function buildSecondApp(overrides: Partial<AppDeps>): Promise<FastifyInstance & { close(): Promise<undefined> }> {
  const nowhere = '127.0.0.1:1';
  const peers = connectPeers({ CONVERSATION_GRPC_ADDR: nowhere, ROUTING_GRPC_ADDR: nowhere, PRESENCE_GRPC_ADDR: nowhere, TRANSLATION_GRPC_ADDR: nowhere, SURVEY_GRPC_ADDR: nowhere, CHANNELS_GRPC_ADDR: nowhere });
  const second = await buildApp({ logger: createLogger('gateway-replica-test', 'silent'), peers, nats: edge.nats, jwtSecret: SECRET, ...overrides });
  second.addHook('onClose', async () => peers.close());
  return second as FastifyInstance & { close(): Promise<undefined> };
}
