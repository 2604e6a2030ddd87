/**
 * Rate limits through the whole app (buildApp) with small limits: per
 * principal and per client address, answered as 429 problem JSON with
 * Retry-After. Addresses are set per request (inject's remoteAddress), so
 * each test has its own.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { signStaffToken } from '../../../../scripts/devToken';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const PER_KEY = 3;
const PER_IP = 8;
let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp({ rateLimits: { perKeyPerMinute: PER_KEY, perIpPerMinute: PER_IP } });
});
afterAll(() => edge?.close());

const tenant = () => `rl${randomUUID().slice(0, 8)}`;
let lastIp = 0;
const freshIp = () => `10.9.${Math.floor(++lastIp / 250)}.${lastIp % 250}`;
const inject = (method: 'GET' | 'POST', url: string, ip: string, headers: Record<string, string> = {}, payload?: object) =>
  edge.app.inject({ method, url, remoteAddress: ip, headers, ...(payload ? { payload } : {}) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectRateLimited(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too many requests' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
}

describe('per-principal rate limit', () => {
  it('answers 429 with Retry-After to a staff member over the limit, from any address, and not to a colleague', async () => {
    const tid = tenant();
    const alice = edge.sign({ tid, sub: 'alice', roles: ['admin'] });
    const bob = edge.sign({ tid, sub: 'bob', roles: ['admin'] });
    const ip = freshIp();
    for (let i = 0; i < PER_KEY; i++) expect((await inject('GET', '/v1/admin/widget-keys', ip, bearer(alice))).statusCode).toBe(200);
    expectRateLimited(await inject('GET', '/v1/admin/widget-keys', ip, bearer(alice)));
    expectRateLimited(await inject('GET', '/v1/admin/widget-keys', freshIp(), bearer(alice))); // the key is the principal, not the address
    expect((await inject('GET', '/v1/admin/widget-keys', ip, bearer(bob))).statusCode).toBe(200);
  });

  it('keys an integrator by API key id, apart from the admin of the same tenant', async () => {
    const tid = tenant();
    const admin = edge.sign({ tid, sub: 'boss', roles: ['admin'] });
    const created = await inject('POST', '/v1/admin/api-keys', freshIp(), bearer(admin), { name: 'crm', scopes: ['webhooks:manage'] });
    expect(created.statusCode).toBe(201);
    const key = { 'x-api-key': created.json().key as string };
    for (let i = 0; i < PER_KEY; i++) expect((await inject('GET', '/v1/webhooks', freshIp(), key)).statusCode).toBe(200);
    expectRateLimited(await inject('GET', '/v1/webhooks', freshIp(), key));
    expect((await inject('GET', '/v1/webhooks', freshIp(), bearer(admin))).statusCode).toBe(200);
  });

  it('gives each visitor session its own budget, not one per widget key', async () => {
    const tid = tenant();
    const admin = edge.sign({ tid, sub: 'boss', roles: ['admin'] });
    const { widgetKey } = (await inject('POST', '/v1/admin/widget-keys', freshIp(), bearer(admin))).json() as { widgetKey: string };
    const session = async () => (await inject('POST', '/v1/visitor/sessions', freshIp(), {}, { widgetKey })).json().token as string;
    const [first, second] = [await session(), await session()];
    // The conversation service is unreachable here (503): what counts is that the request was let through.
    for (let i = 0; i < PER_KEY; i++) expect((await inject('GET', '/v1/visitor/conversations/c-1', freshIp(), bearer(first))).statusCode).not.toBe(429);
    expectRateLimited(await inject('GET', '/v1/visitor/conversations/c-1', freshIp(), bearer(first)));
    expect((await inject('GET', '/v1/visitor/conversations/c-1', freshIp(), bearer(second))).statusCode).not.toBe(429);
  });

  it('does not let a forged token naming someone use up their budget', async () => {
    const tid = tenant();
    const forged = signStaffToken('x'.repeat(48), { tid, sub: 'carol', roles: ['admin'] });
    for (let i = 0; i < PER_KEY + 2; i++) expect((await inject('GET', '/v1/admin/widget-keys', freshIp(), bearer(forged))).statusCode).toBe(401);
    expect((await inject('GET', '/v1/admin/widget-keys', freshIp(), bearer(edge.sign({ tid, sub: 'carol', roles: ['admin'] })))).statusCode).toBe(200);
  });
});

describe('per-address rate limit', () => {
  it('limits unauthenticated requests too, per address, and spares other addresses', async () => {
    const ip = freshIp();
    const createSession = (from: string) => inject('POST', '/v1/visitor/sessions', from, {}, { widgetKey: `wk_${'x'.repeat(24)}` });
    for (let i = 0; i < PER_IP; i++) expect((await createSession(ip)).statusCode).toBe(401);
    expectRateLimited(await createSession(ip));
    // Everything from that address, authenticated or not, known route or not.
    expectRateLimited(await inject('GET', '/v1/admin/widget-keys', ip, bearer(edge.sign({ tid: tenant(), sub: 'a', roles: ['admin'] }))));
    expectRateLimited(await inject('GET', '/v1/no-such-route', ip));
    expect((await createSession(freshIp())).statusCode).toBe(401);
  });

  it('never limits the health and readiness probes', async () => {
    const ip = freshIp();
    for (let i = 0; i < PER_IP + 1; i++) await inject('GET', '/v1/no-such-route', ip);
    expectRateLimited(await inject('GET', '/v1/no-such-route', ip));
    expect((await inject('GET', '/healthz', ip)).statusCode).toBe(200);
    expect((await inject('GET', '/readyz', ip)).statusCode).toBe(200); // peers down here, NATS up: ready (a backend's routes answer 503), and answered
  });
});
