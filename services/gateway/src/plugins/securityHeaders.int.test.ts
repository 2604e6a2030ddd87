/**
 * Helmet's security headers on every answer of the whole app (successes,
 * errors, 404s, preflights), a deny-all CSP for the API, and the docs page
 * still working under its own CSP.
 */
import type { LightMyRequestResponse } from 'fastify';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp();
});
afterAll(() => edge?.close());

function expectSecurityHeaders(res: LightMyRequestResponse) {
  expect(res.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-permitted-cross-domain-policies': 'none',
  });
  expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+; includeSubDomains/);
}

describe('security headers', () => {
  it.each([
    ['a success', { method: 'GET', url: '/healthz' }, 200],
    ['an authentication error', { method: 'GET', url: '/v1/admin/widget-keys' }, 401],
    ['an unknown route', { method: 'GET', url: '/v1/nothing' }, 404],
    ['malformed JSON', { method: 'POST', url: '/v1/visitor/sessions', headers: { 'content-type': 'application/json' }, payload: '{' }, 400],
  ] as const)('are on %s, with a CSP that allows nothing', async (_label, request, status) => {
    const res = await edge.app.inject(request);
    expect(res.statusCode).toBe(status);
    expectSecurityHeaders(res);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
  });

  it('leave /docs working: its page gets a CSP that allows its own scripts and styles, and its assets load', async () => {
    const page = await edge.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectSecurityHeaders(page);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'/);
    expect(csp).not.toMatch(/upgrade-insecure-requests/); // would break the page on a plain-http dev gateway
    // Every script and stylesheet the page names is served, under the same CSP.
    const assets = [...page.body.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const res = await edge.app.inject({ method: 'GET', url: `/docs/${asset.replace(/^docs\//, '')}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-security-policy']).toBe(csp);
    }
    expect((await edge.app.inject({ method: 'GET', url: '/docs/json' })).json()).toMatchObject({ openapi: '3.1.0' });
  });
});
