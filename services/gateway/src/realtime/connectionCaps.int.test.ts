/**
 * Caps on live connections through the whole app (buildApp, listening, real
 * NATS with the events stream): per staff member, per visitor session, per
 * API key and per tenant. Over a cap: 429 problem JSON before the upgrade or
 * the stream, and no JetStream consumer; a closed connection frees its slot.
 */
import { ensureEventStream } from '@contactcenter/infra/events';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { consumersOf, openSocket, openStream, openWhenFree, type OpenSocket, type OpenStream, type Refusal } from '../../../../test/support/liveConnections';

const LIMITS = { socketsPerPrincipal: 2, socketsPerVisitor: 1, streamsPerApiKey: 1, connectionsPerTenant: 3 };

let edge: EdgeApp;
let jsm: JetStreamManager;
let wsUrl: string;
let sseUrl: string;

beforeAll(async () => {
  edge = await startEdgeApp({ connectionLimits: LIMITS });
  jsm = await jetstreamManager(edge.nats);
  await ensureEventStream(jsm);
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  const address = edge.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  wsUrl = `ws://127.0.0.1:${port}/v1/realtime`;
  sseUrl = `http://127.0.0.1:${port}/v1/events`;
});
afterAll(() => edge?.close());

const tenant = () => `cap${randomUUID().slice(0, 8)}`;
const staff = (tid: string, sub = 'agent-1') => edge.sign({ tid, sub, roles: ['agent'] });
const admin = (tid: string) => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'boss', roles: ['admin'] })}` });

async function visitorToken(tid: string): Promise<string> {
  const { widgetKey } = (await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin(tid), payload: {} })).json();
  return (await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).json().token;
}
async function apiKey(tid: string): Promise<string> {
  return (await edge.app.inject({ method: 'POST', url: '/v1/admin/api-keys', headers: admin(tid), payload: { name: 'caps', scopes: ['events:read'] } })).json().key;
}

function opened<T extends OpenSocket | OpenStream>(c: T | Refusal): T {
  if (c.refused) throw new Error(`refused: ${c.status} ${c.body}`);
  return c;
}
function expectTooMany(c: OpenSocket | OpenStream | Refusal): void {
  if (!c.refused) throw new Error('accepted beyond the cap');
  expect(c.status).toBe(429);
  expect(c.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(c.headers['retry-after'])).toBeGreaterThan(0);
  expect(JSON.parse(c.body)).toMatchObject({ status: 429, code: 'too_many_connections' });
}
async function closeSocket(s: OpenSocket): Promise<void> {
  s.ws.close();
  await s.closed;
}

describe('caps on live connections', () => {
  it('refuses a staff member\'s socket beyond REALTIME_MAX_SOCKETS_PER_PRINCIPAL before the upgrade, with no consumer, and frees the slot on close', async () => {
    const tid = tenant();
    const token = staff(tid);
    const a = opened(await openSocket(wsUrl, token));
    const b = opened(await openSocket(wsUrl, token));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    expectTooMany(await openSocket(wsUrl, token));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    // Another member of the same tenant has slots of their own.
    const other = opened(await openSocket(wsUrl, staff(tid, 'agent-2')));
    await closeSocket(other);
    await closeSocket(a);
    const c = opened(await openWhenFree(() => openSocket(wsUrl, token)));
    await Promise.all([closeSocket(b), closeSocket(c)]);
  });

  it('refuses a visitor session\'s socket beyond REALTIME_MAX_SOCKETS_PER_VISITOR, and frees the slot on close', async () => {
    const tid = tenant();
    const token = await visitorToken(tid);
    const a = opened(await openSocket(wsUrl, token));
    expectTooMany(await openSocket(wsUrl, token));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    // A second session of the same widget key is another visitor.
    const other = opened(await openSocket(wsUrl, await visitorToken(tid)));
    await closeSocket(other);
    await closeSocket(a);
    await closeSocket(opened(await openWhenFree(() => openSocket(wsUrl, token))));
  });

  it('refuses an API key\'s stream beyond EVENTS_MAX_STREAMS_PER_API_KEY before it starts, with no consumer, and frees the slot when the client goes', async () => {
    const tid = tenant();
    const key = await apiKey(tid);
    const a = opened(await openStream(sseUrl, key));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    expectTooMany(await openStream(sseUrl, key));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    a.close();
    const b = opened(await openWhenFree(() => openStream(sseUrl, key)));
    b.close();
  });

  it('refuses any connection of a tenant beyond REALTIME_MAX_CONNECTIONS_PER_TENANT, sockets and streams together', async () => {
    const tid = tenant();
    const s1 = opened(await openSocket(wsUrl, staff(tid, 'a')));
    const s2 = opened(await openSocket(wsUrl, staff(tid, 'b')));
    const stream = opened(await openStream(sseUrl, await apiKey(tid)));
    expectTooMany(await openSocket(wsUrl, staff(tid, 'c')));
    expectTooMany(await openStream(sseUrl, await apiKey(tid)));
    expect(await consumersOf(jsm, tid)).toBe(0); // the replica's one hub consumer serves them all
    // Another tenant is not affected.
    await closeSocket(opened(await openSocket(wsUrl, staff(tenant()))));
    stream.close();
    const s3 = opened(await openWhenFree(() => openSocket(wsUrl, staff(tid, 'c'))));
    await Promise.all([s1, s2, s3].map(closeSocket));
  });
});
