/**
 * Revocation ends access on every replica: two gateway apps on one NATS
 * server; a key revoked through replica 1 refuses the next request on
 * replica 2 and closes replica 2's live socket or stream within a second.
 */
import { ensureEventStream } from '@contactcenter/infra/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { openSocket, openStream, type OpenSocket, type OpenStream, type Refusal } from '../../../../test/support/liveConnections';

let one: EdgeApp;
let two: EdgeApp;
let wsUrlTwo: string;
let sseUrlTwo: string;

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

beforeAll(async () => {
  one = await startEdgeApp();
  two = await startEdgeApp({}, { natsUrl: one.natsUrl });
  await ensureEventStream(await jetstreamManager(one.nats));
  await listen(one.app);
  const port = await listen(two.app);
  wsUrlTwo = `ws://127.0.0.1:${port}/v1/realtime`;
  sseUrlTwo = `http://127.0.0.1:${port}/v1/events`;
});
afterAll(async () => {
  await two?.close();
  await one?.close();
});

const tenant = () => `rv${randomUUID().slice(0, 8)}`;
const admin = (tid: string) => ({ authorization: `Bearer ${one.sign({ tid, sub: 'boss', roles: ['admin'] })}` });
function opened<T extends OpenSocket | OpenStream>(c: T | Refusal): T {
  if (c.refused) throw new Error(`refused: ${c.status} ${c.body}`);
  return c;
}

describe('revocation across replicas', () => {
  it('a revoked widget key: the next visitor request on the other replica is 401, its visitor socket there closes with 1008 within 1 s', async () => {
    const tid = tenant();
    const { widgetKey } = (await one.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tid), payload: {} })).json();
    const { token } = (await one.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).json();
    const visitor = { authorization: `Bearer ${token}` };
    const read = () => two.app.inject({ method: 'GET', url: '/v1/visitor/conversations/c-1', headers: visitor });
    // Live: past authentication (the unreachable conversation service answers 503).
    expect((await read()).statusCode).toBe(503);
    const socket = opened(await openSocket(wsUrlTwo, token));

    const revokedAt = Date.now();
    expect((await one.app.inject({ method: 'DELETE', url: `/v1/admin/widget-keys/${widgetKey}`, headers: admin(tid) })).statusCode).toBeLessThan(300);

    // The very next request, without an Origin header (no CORS check), and with a body the route would refuse: 401 first.
    const next = await read();
    expect(next.statusCode).toBe(401);
    expect(next.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(next.json()).toMatchObject({ status: 401, code: 'unauthorized', detail: 'widget key revoked' });
    const post = await two.app.inject({ method: 'POST', url: '/v1/visitor/conversations', headers: visitor, payload: { bogus: true } });
    expect(post.statusCode).toBe(401);

    const closed = await socket.closed;
    expect(closed).toMatchObject({ code: 1008, reason: 'widget key revoked' });
    expect(closed.at - revokedAt).toBeLessThan(1_000);
    expect(socket.frames.at(-1)).toMatchObject({ type: 'error', code: 'revoked' });
    // And no new socket.
    expect(await openSocket(wsUrlTwo, token)).toMatchObject({ refused: true, status: 401 });
  });

  it('a revoked API key: its event stream on the other replica ends within 1 s, and the next request there is 401', async () => {
    const tid = tenant();
    const created = (await one.app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: admin(tid), payload: { name: 'revoked soon', scopes: ['events:read'] } })).json();
    const stream = opened(await openStream(sseUrlTwo, created.key));

    const revokedAt = Date.now();
    expect((await one.app.inject({ method: 'DELETE', url: `/v1/admin/api-keys/${created.apiKeyId}`, headers: admin(tid) })).statusCode).toBeLessThan(300);
    const next = await two.app.inject({ method: 'HEAD', url: '/v1/events', headers: { 'x-api-key': created.key } });
    expect(next.statusCode).toBe(401);

    // The default heartbeat re-check is 15 s: ending within 1 s is the revocations watch.
    expect((await stream.ended) - revokedAt).toBeLessThan(1_000);
    expect(await openStream(sseUrlTwo, created.key)).toMatchObject({ refused: true, status: 401 });
  });
});
