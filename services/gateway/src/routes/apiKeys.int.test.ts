/**
 * Admin management of integrators' API keys through the real app (`buildApp`)
 * and a real NATS KV bucket, with fastify's inject.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { Kvm } from '@nats-io/kv';
import type { FastifyInstance } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

const SECRET = 'a'.repeat(48);
const BUCKET = `gw_${randomUUID().slice(0, 8)}`;
let server: TestNats;
let nats: NatsConnection;
let app: FastifyInstance;
let peers: ReturnType<typeof connectPeers>;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('api-keys-test', 'silent');
  nats = await connectNats(server.url, 'api-keys-test', logger);
  const closed = '127.0.0.1:1';
  peers = connectPeers({ CONVERSATION_GRPC_ADDR: closed, ROUTING_GRPC_ADDR: closed, PRESENCE_GRPC_ADDR: closed, TRANSLATION_GRPC_ADDR: closed, SURVEY_GRPC_ADDR: closed, CHANNELS_GRPC_ADDR: closed });
  app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, gatewayBucket: BUCKET });
});

afterAll(async () => {
  await app?.close();
  peers?.close();
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const as = (tid: string, roles: ('agent' | 'supervisor' | 'admin')[] = ['admin']) => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid, sub: 'admin-1', roles })}` });
type Created = { apiKeyId: string; key: string; name: string; scopes: string[]; createdAt: string; revoked: boolean };

async function create(tid: string, body: unknown = { name: 'CRM sync', scopes: ['events:read'] }) {
  return app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: as(tid), payload: body as object });
}

describe('admin API keys', () => {
  it('creates a key, shown once, and stores only its SHA-256', async () => {
    const tid = tenant();
    const res = await create(tid, { name: 'CRM sync', scopes: ['events:read', 'webhooks:manage'] });
    expect(res.statusCode).toBe(201);
    const body = res.json<Created>();
    expect(body).toMatchObject({ name: 'CRM sync', scopes: ['events:read', 'webhooks:manage'], revoked: false });
    expect(body.key).toMatch(new RegExp(`^cck_${body.apiKeyId}_[A-Za-z0-9_-]{43}$`));
    expect(Number.isNaN(Date.parse(body.createdAt))).toBe(false);

    const kv = await new Kvm(nats).open(BUCKET);
    const stored = (await kv.get(`apikey.${body.apiKeyId}`))!.string();
    expect(stored).not.toContain(body.key);
    expect(stored).not.toContain(body.key.split('_').slice(2).join('_'));
    expect(JSON.parse(stored).keyHash).toBe(createHash('sha256').update(body.key).digest('hex'));

    const list = await app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: as(tid) });
    expect(list.statusCode).toBe(200);
    const { apiKeys } = list.json<{ apiKeys: Record<string, unknown>[] }>();
    expect(apiKeys).toEqual([{ apiKeyId: body.apiKeyId, name: 'CRM sync', scopes: ['events:read', 'webhooks:manage'], createdAt: body.createdAt, revoked: false }]);
    expect(list.body).not.toContain(body.key);
    expect(list.body).not.toContain('keyHash');
  });

  it("lists only the admin's own tenant's keys", async () => {
    const [a, b] = [tenant(), tenant()];
    const ka = (await create(a)).json<Created>();
    await create(b);
    const list = (await app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: as(a) })).json<{ apiKeys: { apiKeyId: string }[] }>();
    expect(list.apiKeys.map((k) => k.apiKeyId)).toEqual([ka.apiKeyId]);
  });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['events:read', 'everything'] }, 'scopes'],
    ['no scope', { name: 'x', scopes: [] }, 'scopes'],
    ['an empty name', { name: '  ', scopes: ['events:read'] }, 'name'],
    ['a name over 100 characters', { name: 'n'.repeat(101), scopes: ['events:read'] }, 'name'],
  ])('answers 400 naming the field for %s', async (_label, body, field) => {
    const res = await create(tenant(), body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', field });
  });

  it.each([
    ['a missing name', { scopes: ['events:read'] }],
    ['scopes not a list', { name: 'x', scopes: 'events:read' }],
    ['an extra property', { name: 'x', scopes: ['events:read'], tenantId: 'other' }],
  ])('answers 400 for %s', async (_label, body) => {
    const res = await create(tenant(), body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation');
  });

  it('accepts a name of exactly 100 characters', async () => {
    expect((await create(tenant(), { name: 'n'.repeat(100), scopes: ['webhooks:manage'] })).statusCode).toBe(201);
  });

  it('is for admins only', async () => {
    const tid = tenant();
    expect((await app.inject({ method: 'POST', url: '/v1/admin/api-keys', payload: { name: 'x', scopes: ['events:read'] } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: as(tid, ['supervisor']), payload: { name: 'x', scopes: ['events:read'] } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: as(tid, ['agent']) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${'0'.repeat(24)}`, headers: as(tid, ['agent']) })).statusCode).toBe(403);
    // An API key is no admin credential.
    const { key } = (await create(tid, { name: 'x', scopes: ['events:read', 'webhooks:manage'] })).json<Created>();
    expect((await app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: { 'x-api-key': key } })).statusCode).toBe(401);
  });

  it("revokes a key: it stops working at once; another tenant's id is 404", async () => {
    const [a, b] = [tenant(), tenant()];
    const created = (await create(a)).json<Created>();
    const events = () => app.inject({ method: 'GET', url: '/v1/events?after=abc', headers: { 'x-api-key': created.key } });
    // Authenticated (the bad query is reached and refused): the key works.
    expect((await events()).statusCode).toBe(400);

    const foreign = await app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${created.apiKeyId}`, headers: as(b) });
    expect(foreign.statusCode).toBe(404);
    expect((await events()).statusCode).toBe(400);

    const del = await app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${created.apiKeyId}`, headers: as(a) });
    expect(del.statusCode).toBe(204);
    expect((await events()).statusCode).toBe(401);
    // Idempotent for the owner; unknown ids are 404.
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${created.apiKeyId}`, headers: as(a) })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${'f'.repeat(24)}`, headers: as(a) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/v1/admin/api-keys/not-an-id', headers: as(a) })).statusCode).toBe(404);

    const listed = (await app.inject({ method: 'GET', url: '/v1/admin/api-keys', headers: as(a) })).json<{ apiKeys: { revoked: boolean; revokedAt?: string }[] }>();
    expect(listed.apiKeys).toHaveLength(1);
    expect(listed.apiKeys[0]).toMatchObject({ revoked: true, revokedAt: expect.any(String) });
  });

  it('documents the apiKey security scheme and the events route', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ components: { securitySchemes: Record<string, unknown> }; paths: Record<string, unknown> }>();
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/admin/api-keys', '/v1/admin/api-keys/{apiKeyId}']));
  });
});
