/**
 * The gateway's edge behaviour through fastify's inject: authentication,
 * input limits and problem JSON. No request here may reach a service.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { signStaffToken } from '../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../test/support/nats';
import { buildApp } from './app';
import { connectPeers } from './peers';

const SECRET = 'a'.repeat(48);
let server: TestNats;
let nats: NatsConnection;
let app: FastifyInstance;
let peers: ReturnType<typeof connectPeers>;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('gateway-test', 'silent');
  nats = await connectNats(server.url, 'gateway-test', logger);
  // Peers on a port nothing listens on: a request that got through auth would fail with 503, not 401/400.
  const closed = '127.0.0.1:1';
  peers = connectPeers({
    CONVERSATION_GRPC_ADDR: closed,
    ROUTING_GRPC_ADDR: closed,
    PRESENCE_GRPC_ADDR: closed,
    TRANSLATION_GRPC_ADDR: closed,
    SURVEY_GRPC_ADDR: closed,
    CHANNELS_GRPC_ADDR: closed,
  });
  app = await buildApp({ logger, peers, nats, jwtSecret: SECRET });
});

afterAll(async () => {
  await app.close();
  peers.close();
  await nats.close();
  await server.stop();
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const sign = (header: unknown, payload: unknown, secret = SECRET) => {
  const h = b64(header);
  const p = b64(payload);
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
};

const valid = signStaffToken(SECRET, { tid: 'acme', sub: 'agent-1', roles: ['agent'] });
const startBody = { channel: 'chat', customerId: 'c-1', language: 'en' };

describe('gateway authentication', () => {
  it.each([
    ['no token', undefined],
    ['a malformed header', 'Basic abc'],
    ['a forged signature', signStaffToken('b'.repeat(48), { tid: 'acme', sub: 'agent-1', roles: ['agent'] })],
    ['an expired token', sign({ alg: 'HS256', typ: 'JWT' }, { tid: 'acme', sub: 'a', roles: ['agent'], iat: now() - 7200, exp: now() - 3600 })],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tid: 'acme', sub: 'a', roles: ['agent'], exp: now() + 60 })}.`],
    ['a token without tenant', sign({ alg: 'HS256', typ: 'JWT' }, { sub: 'a', roles: ['agent'], exp: now() + 60 })],
    ['a token with a malformed tenant', sign({ alg: 'HS256', typ: 'JWT' }, { tid: 'ACME/../x', sub: 'a', roles: ['agent'], exp: now() + 60 })],
  ])('answers 401 problem JSON for %s', async (_label, token) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: token ? { authorization: token.startsWith('Basic') ? token : `Bearer ${token}` } : {},
      payload: startBody,
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('answers 403 for a token without a staff role', async () => {
    const token = signStaffToken(SECRET, { tid: 'acme', sub: 'v-1', roles: ['visitor'] });
    const res = await app.inject({ method: 'GET', url: '/v1/conversations/abc', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
  });

  it('lets a valid token through to the service (unreachable here: 503, not an auth error)', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/conversations/abc', headers: { authorization: `Bearer ${valid}` } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'unavailable' });
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('gateway input limits', () => {
  const post = (payload: string | object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/conversations', headers: { authorization: `Bearer ${valid}`, 'content-type': 'application/json', ...headers }, payload });

  it.each([
    ['malformed JSON', '{"channel": "chat",'],
    ['an unknown field', { ...startBody, admin: true }],
    ['a wrong type', { ...startBody, customerId: 42 }],
    ['an unknown channel', { ...startBody, channel: 'fax' }],
    ['a missing field', { channel: 'chat', language: 'en' }],
  ])('answers 400 problem JSON for %s', async (_label, payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400 });
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await post({ ...startBody, subject: 'x'.repeat(70 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413 });
  });

  it('answers 404 problem JSON for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('stays ready while its gRPC peers are down, reporting each (their routes answer 503)', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', checks: { conversation: 'UNREACHABLE', routing: 'UNREACHABLE', nats: 'CONNECTED' } });
  });
});

describe('widget keys and visitor sessions', () => {
  const admin = (tenant: string) => signStaffToken(SECRET, { tid: tenant, sub: 'boss', roles: ['admin'] });
  const tenant = `w${Date.now().toString(36)}`;
  const newKey = async (t = tenant) => {
    const res = await app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${admin(t)}` } });
    expect(res.statusCode).toBe(201);
    return res.json() as { widgetKey: string; identitySecret: string };
  };
  const session = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: payload as object });
  const hmac = (secret: string, id: string) => createHmac('sha256', secret).update(id).digest('hex');

  it('lets only admins manage widget keys, of their own tenant only', async () => {
    const agentToken = signStaffToken(SECRET, { tid: tenant, sub: 'a', roles: ['agent'] });
    expect((await app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${agentToken}` } })).statusCode).toBe(403);
    const key = await newKey();
    const listed = (await app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${admin(tenant)}` } })).json();
    expect(listed.widgetKeys).toEqual([expect.objectContaining({ widgetKey: key.widgetKey, revoked: false })]);
    expect(JSON.stringify(listed)).not.toContain(key.identitySecret);
    const otherAdmin = admin(`${tenant}x`);
    expect((await app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${otherAdmin}` } })).json().widgetKeys).toEqual([]);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/widget-keys/${key.widgetKey}`, headers: { authorization: `Bearer ${otherAdmin}` } })).statusCode).toBe(404);
    expect((await session({ widgetKey: key.widgetKey })).statusCode).toBe(201);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/widget-keys/${key.widgetKey}`, headers: { authorization: `Bearer ${admin(tenant)}` } })).statusCode).toBe(204);
    expect((await session({ widgetKey: key.widgetKey })).statusCode).toBe(401);
  });

  it('gives anonymous sessions, and a customer id only with the tenant server\'s HMAC of it', async () => {
    const key = await newKey();
    const anon = await session({ widgetKey: key.widgetKey });
    expect(anon.json()).toMatchObject({ verified: false, customerId: expect.stringMatching(/^anon-/) });
    expect((await session({ widgetKey: 'wk_' + 'x'.repeat(24) })).statusCode).toBe(401);
    expect((await session({ widgetKey: key.widgetKey, customerId: 'cust-1' })).statusCode).toBe(403);
    expect((await session({ widgetKey: key.widgetKey, customerId: 'cust-1', identityHash: hmac(key.identitySecret, 'cust-2') })).statusCode).toBe(403);
    expect((await session({ widgetKey: key.widgetKey, customerId: 'cust-1', identityHash: hmac('wrong', 'cust-1') })).statusCode).toBe(403);
    const verified = await session({ widgetKey: key.widgetKey, customerId: 'cust-1', identityHash: hmac(key.identitySecret, 'cust-1') });
    expect(verified.statusCode).toBe(201);
    expect(verified.json()).toMatchObject({ verified: true, customerId: 'cust-1' });
    // A visitor token opens no staff route, and a staff token no visitor route.
    const visitor = verified.json().token as string;
    expect((await app.inject({ method: 'GET', url: '/v1/agents/me/offers', headers: { authorization: `Bearer ${visitor}` } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/visitor/conversations/c1', headers: { authorization: `Bearer ${valid}` } })).statusCode).toBe(403);
  });
});
