/**
 * CORS through the whole app: visitor routes answer a page's Origin only
 * when it is among its widget key's allowed origins; staff routes only the
 * configured staff origins. The gRPC peers are unreachable here, so a 503
 * means "let through to the service", a 403 "stopped at the edge".
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const SHOP = 'https://shop.example.com';
const SHOP2 = 'https://shop2.example.com:8443';
const EVIL = 'https://evil.example';
const DESK = 'https://desk.example.com';
let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp({ corsStaffOrigins: [DESK] });
});
afterAll(() => edge?.close());

const tenant = () => `co${randomUUID().slice(0, 8)}`;
const admin = (tid: string) => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'boss', roles: ['admin'] })}` });
const withOrigin = (origin: string | undefined, headers: Record<string, string> = {}) => (origin ? { ...headers, origin } : headers);

async function newWidgetKey(tid: string, allowedOrigins: string[]): Promise<string> {
  const res = await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tid), payload: { allowedOrigins } });
  expect(res.statusCode).toBe(201);
  expect(res.json().allowedOrigins).toEqual(allowedOrigins);
  return res.json().widgetKey as string;
}
const createSession = (widgetKey: string, origin?: string) => edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', headers: withOrigin(origin), payload: { widgetKey } });
const getConversation = (token: string, origin?: string) =>
  edge.app.inject({ method: 'GET', url: '/v1/visitor/conversations/c-1', headers: withOrigin(origin, { authorization: `Bearer ${token}` }) });
const setOrigins = (tid: string, widgetKey: string, allowedOrigins: string[]) =>
  edge.app.inject({ method: 'PATCH', url: `/v1/admin/widget-keys/${widgetKey}`, headers: admin(tid), payload: { allowedOrigins } });

function expectRefusedAtTheEdge(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(403);
  expect(res.json()).toMatchObject({ code: 'forbidden' });
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

describe('visitor routes', () => {
  it('answers a page of an allowed origin with ACAO, and refuses another origin with 403, no ACAO and no session', async () => {
    const widgetKey = await newWidgetKey(tenant(), [SHOP]);
    const allowed = await createSession(widgetKey, SHOP);
    expect(allowed.statusCode).toBe(201);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    expect(allowed.headers.vary).toMatch(/Origin/);
    expect(allowed.headers['access-control-expose-headers']).toBe('Retry-After');
    for (const origin of [EVIL, 'null', `${SHOP}.evil.example`, 'http://shop.example.com']) {
      const refused = await createSession(widgetKey, origin);
      expectRefusedAtTheEdge(refused);
      expect(refused.body).not.toContain('token');
    }
    // No Origin: not a browser (the tenant's server, an app); CORS does not apply.
    const serverSide = await createSession(widgetKey);
    expect(serverSide.statusCode).toBe(201);
    expect(serverSide.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('checks every later request against the widget key named in the session token', async () => {
    const widgetKey = await newWidgetKey(tenant(), [SHOP]);
    const token = (await createSession(widgetKey, SHOP)).json().token as string;
    const allowed = await getConversation(token, SHOP);
    expect(allowed.statusCode).toBe(503); // let through (the service is down here), and readable by the page
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    expectRefusedAtTheEdge(await getConversation(token, EVIL));
  });

  it('follows an admin changing the allowed origins, and cuts off browser sessions of a revoked key', async () => {
    const tid = tenant();
    const widgetKey = await newWidgetKey(tid, [SHOP]);
    const token = (await createSession(widgetKey, SHOP)).json().token as string;
    expectRefusedAtTheEdge(await getConversation(token, SHOP2));
    const changed = await setOrigins(tid, widgetKey, [SHOP2]);
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ widgetKey, allowedOrigins: [SHOP2] });
    expect(changed.json().identitySecret).toBeUndefined();
    expect((await getConversation(token, SHOP2)).headers['access-control-allow-origin']).toBe(SHOP2);
    expectRefusedAtTheEdge(await getConversation(token, SHOP));
    expect((await edge.app.inject({ method: 'DELETE', url: `/v1/admin/widget-keys/${widgetKey}`, headers: admin(tid) })).statusCode).toBe(204);
    // A revoked key's sessions are refused before CORS looks (plugins/liveWidgetKey.ts), from a browser or not.
    for (const origin of [SHOP2, undefined]) {
      const revoked = await getConversation(token, origin);
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json()).toMatchObject({ code: 'unauthorized', detail: 'widget key revoked' });
      expect(revoked.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('refuses, from a browser, a session token that names no widget key (issued before origins existed)', async () => {
    const legacy = edge.sign({ tid: tenant(), sub: 'v-1', roles: ['visitor'] });
    expectRefusedAtTheEdge(await getConversation(legacy, SHOP));
    expect((await getConversation(legacy)).statusCode).toBe(503); // not from a browser: let through as before
  });

  it('answers a preflight, which carries no credentials, for any well-formed origin, granting nothing by itself', async () => {
    const preflight = (origin: string) =>
      edge.app.inject({ method: 'OPTIONS', url: '/v1/visitor/sessions', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const answered = await preflight(EVIL);
    expect(answered.statusCode).toBe(204);
    expect(answered.headers).toMatchObject({
      'access-control-allow-origin': EVIL,
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'Content-Type, Authorization, X-Request-Id',
      'access-control-max-age': '600',
    });
    // ...the actual request is where the widget key is known, and refused (first test).
    const opaque = await preflight('null');
    expect(opaque.statusCode).toBe(404);
    expect(opaque.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('widget key origins (admin)', () => {
  it.each([['https://shop.example.com/'], ['https://*.example.com'], ['null'], ['ftp://shop.example.com'], ['https://shop.example.com?x=1']])('refuses %s with 400 naming the entry', async (bad) => {
    const res = await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tenant()), payload: { allowedOrigins: [SHOP, bad] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', field: 'allowedOrigins[1]' });
  });

  it('refuses more than 20 origins, and changes to another tenant\'s key (404)', async () => {
    const tid = tenant();
    const many = Array.from({ length: 21 }, (_, i) => `https://s${i}.example`);
    expect((await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tid), payload: { allowedOrigins: many } })).statusCode).toBe(400);
    const widgetKey = await newWidgetKey(tid, []);
    expect((await setOrigins(tenant(), widgetKey, [EVIL])).statusCode).toBe(404);
    const listed = (await edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: admin(tid) })).json();
    expect(listed.widgetKeys).toEqual([expect.objectContaining({ widgetKey, allowedOrigins: [] })]);
  });
});

describe('staff routes', () => {
  it('answer only the configured staff origins, preflights included', async () => {
    const headers = admin(tenant());
    const fromDesk = await edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { ...headers, origin: DESK } });
    expect(fromDesk.headers['access-control-allow-origin']).toBe(DESK);
    const fromElsewhere = await edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { ...headers, origin: SHOP } });
    expect(fromElsewhere.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = (origin: string) =>
      edge.app.inject({ method: 'OPTIONS', url: '/v1/admin/widget-keys/wk_x', headers: { origin, 'access-control-request-method': 'PATCH' } });
    const deskPreflight = await preflight(DESK);
    expect(deskPreflight.statusCode).toBe(204);
    expect(deskPreflight.headers['access-control-allow-origin']).toBe(DESK);
    expect(deskPreflight.headers['access-control-allow-methods']).toContain('PATCH');
    expect(deskPreflight.headers['access-control-allow-headers']).toContain('X-API-Key');
    const otherPreflight = await preflight(SHOP);
    expect(otherPreflight.statusCode).toBe(404);
    expect(otherPreflight.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(otherPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
