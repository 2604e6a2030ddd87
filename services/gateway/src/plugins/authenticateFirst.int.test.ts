/**
 * Order of checks through the whole app: credentials before validation on
 * every route that declares OpenAPI `security`, roles still checked by the
 * routes (403); `GET /v1/realtime` without an upgrade is 426; `HEAD /v1/events`
 * answers and ends without opening a stream.
 */
import { ensureEventStream } from '@contactcenter/infra/events';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { RouteOptions } from 'fastify';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { consumersOf } from '../../../../test/support/liveConnections';

let edge: EdgeApp;
let jsm: JetStreamManager;
let port: number;
const secured: { method: string; url: string }[] = [];

beforeAll(async () => {
  edge = await startEdgeApp({
    onRoute: (r: RouteOptions) => {
      const security = (r.schema as { security?: unknown[] } | undefined)?.security;
      if (security?.length) for (const method of [r.method].flat()) secured.push({ method, url: r.url });
    },
  });
  jsm = await jetstreamManager(edge.nats);
  await ensureEventStream(jsm);
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  const address = edge.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => edge?.close());

const bearer = (roles: string[], tid = 'order-a') => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'someone', roles })}` });

describe('authentication before validation', () => {
  it('answers an unauthenticated GET /v1/metrics with a bad query 401, naming no query field', async () => {
    for (const headers of [{}, { authorization: 'Bearer not.a.jwt' }, { 'x-api-key': 'cck_garbage' }]) {
      const res = await edge.app.inject({ method: 'GET', url: '/v1/metrics?from=yesterday&nonsense=1', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(res.body).not.toMatch(/from|nonsense|querystring/);
    }
  });

  it('still validates for authenticated callers (400) and still checks roles in the route (403)', async () => {
    expect((await edge.app.inject({ method: 'GET', url: '/v1/metrics?from=yesterday', headers: bearer(['supervisor']) })).statusCode).toBe(400);
    const valid = '/v1/metrics?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    expect((await edge.app.inject({ method: 'GET', url: valid, headers: bearer(['agent']) })).statusCode).toBe(403);
  });

  it('answers 401 before validation on every route that declares security, with junk in params, query and body', async () => {
    expect(secured.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const { method, url } of secured) {
      const res = await edge.app.inject({
        method: method as 'GET',
        url: `${url.replace(/:[A-Za-z0-9_]+/g, 'bad%20id%00')}?nonsense=${'x'.repeat(3000)}`,
        ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: { nonsense: [1, 2, 3] } } : {}),
      });
      if (res.statusCode !== 401) wrong.push(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps public routes public', async () => {
    expect((await edge.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await edge.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    // Validation is the first refusal of a session creation: it needs no credentials.
    expect((await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { nonsense: 1 } })).statusCode).toBe(400);
  });
});

describe('GET /v1/realtime without an upgrade', () => {
  it('answers 426 problem JSON upgrade_required with Upgrade: websocket', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/v1/realtime' });
    expect(res.statusCode).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 426, code: 'upgrade_required' });
  });
});

describe('HEAD /v1/events', () => {
  it('answers the stream\'s headers and ends at once, with no consumer; without a key it is 401', async () => {
    const tid = `head${randomUUID().slice(0, 8)}`;
    const { key } = (await edge.app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: bearer(['admin'], tid), payload: { name: 'head', scopes: ['events:read'] } })).json();
    const head = (headers: Record<string, string>) =>
      new Promise<{ status: number; type: string | undefined; ms: number }>((resolve, reject) => {
        const started = Date.now();
        const req = http.request({ host: '127.0.0.1', port, path: '/v1/events', method: 'HEAD', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], ms: Date.now() - started }));
        });
        req.on('error', reject);
        req.setTimeout(3_000, () => req.destroy(new Error('HEAD /v1/events held the connection open')));
        req.end();
      });
    const res = await head({ 'x-api-key': key });
    expect(res).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/event-stream/) });
    expect(res.ms).toBeLessThan(1_000);
    expect(await consumersOf(jsm, tid)).toBe(0);
    expect((await head({})).status).toBe(401);
  });
});
