/**
 * Fuzz: thousands of malformed requests against every route of the whole
 * app (enumerated with an onRoute hook), and malformed WebSocket frames.
 * Every HTTP answer must be 4xx problem JSON with a `code` and no stack
 * trace; every WebSocket answer an error frame or a protocol close. Nothing
 * may be written (no stream, KV bucket or event changes; the gRPC peers are
 * unreachable, so a request that reached a service would show as a 503).
 * Afterwards the gateway still serves valid requests and its heap is back
 * near where it started.
 *
 * Seeded: FUZZ_SEED=<n> reproduces a run; FUZZ_REQUESTS=<n> makes it longer.
 */
import { ensureEventStream } from '@contactcenter/infra/events';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { signStaffToken } from '../../../scripts/devToken';
import { Rng } from '../../../test/support/fuzzInputs';
import { classify, nextRequest, type Credentials, type FuzzRequest, type FuzzRoute } from '../../../test/support/fuzzRequests';
import { fuzzSocket, upgradeWithBadToken } from '../../../test/support/fuzzSockets';
import { startEdgeApp, type EdgeApp } from '../../../test/support/gatewayEdgeApp';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4_000);
const WARMUP = 600;
/** Heap growth allowed after a forced GC: caches that fill once (route schemas, JIT, LRUs), not per request. */
const HEAP_MARGIN_BYTES = 16 * 1024 * 1024;
const STACK_TRACE = /\bat [\w.<>]+ \(|\.[jt]s:\d+:\d+|node_modules|\n\s+at /;

let edge: EdgeApp;
let jsm: JetStreamManager;
let base: string;
const routes: FuzzRoute[] = [];
let credentials: Credentials;
let widgetKey: string;
const otherTenant: FuzzRequest[] = [];

beforeAll(async () => {
  edge = await startEdgeApp({
    rateLimits: { perKeyPerMinute: 1_000_000, perIpPerMinute: 1_000_000 }, // the fuzz is about input, not volume
    visitorSessionLimits: { perWidgetKeyPerMinute: 1_000_000, perAddressPerMinute: 1_000_000 },
    // No DNS: the fixture webhook's host resolves to a public address (never dialled: no delivery engine here), every other name fails.
    outboundPolicy: new OutboundAddressPolicy({ resolve: async (host) => (host === 'hooks.example.com' ? [{ address: '93.184.215.14', family: 4 }] : Promise.reject(Object.assign(new Error(host), { code: 'ENOTFOUND' }))) }),
    realtimeLimits: { framesPerSecond: 10_000, maxRefusedFrames: 10_000, maxFrameBytes: 4096 },
    // Every route as it is added, HEAD twins of GET routes included (their answers are checked without a body).
    onRoute: (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, auth: classify(method, r.url, r.schema), schema: (r.schema ?? {}) as FuzzRoute['schema'] });
    },
  });
  jsm = await jetstreamManager(edge.nats);
  await ensureEventStream(jsm);
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  const address = edge.app.server.address();
  base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/realtime`;
  credentials = await fixtures();
});
afterAll(() => edge?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function ok(request: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await edge.app.inject(request);
  if (res.statusCode >= 300) throw new Error(`fixture ${JSON.stringify(request)} failed: ${res.statusCode} ${res.body}`);
  return res;
}

/** Tenant A's valid credentials and tenant B's resources (for other-tenant requests), all made before the "nothing written" snapshot. */
async function fixtures(): Promise<Credentials> {
  const sign = edge.sign;
  const adminA = bearer(sign({ tid: 'fuzz-a', sub: 'boss', roles: ['admin', 'supervisor', 'agent'] }));
  const adminB = bearer(sign({ tid: 'fuzz-b', sub: 'boss', roles: ['admin'] }));
  widgetKey = (await ok({ method: 'POST', url: '/v1/admin/widget-keys', headers: adminA, payload: { allowedOrigins: ['https://shop.example.com'] } })).json().widgetKey;
  const visitor = bearer((await ok({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).json().token);
  const apiKey = async (headers: Record<string, string>, scopes: string[]) => (await ok({ method: 'POST', url: '/v1/admin/api-keys', headers, payload: { name: 'fuzz', scopes } })).json();
  const all = await apiKey(adminA, ['events:read', 'webhooks:manage']);
  const eventsOnly = await apiKey(adminA, ['events:read']);
  const hooksOnly = await apiKey(adminA, ['webhooks:manage']);
  const revoked = await apiKey(adminA, ['events:read']);
  await ok({ method: 'DELETE', url: `/v1/admin/api-keys/${revoked.apiKeyId}`, headers: adminA });
  const wkB = (await ok({ method: 'POST', url: '/v1/admin/widget-keys', headers: adminB })).json().widgetKey;
  const keyB = await apiKey(adminB, ['webhooks:manage']);
  const hookB = (await ok({ method: 'POST', url: '/v1/webhooks', headers: adminB, payload: { url: 'https://hooks.example.com/b', eventTypes: ['*'] } })).json();
  otherTenant.push(
    { label: 'other tenant: revoke widget key', method: 'DELETE', url: `/v1/admin/widget-keys/${wkB}`, headers: adminA },
    { label: 'other tenant: widget key origins', method: 'PATCH', url: `/v1/admin/widget-keys/${wkB}`, headers: adminA, payload: { allowedOrigins: ['https://evil.example'] } },
    { label: 'other tenant: revoke API key', method: 'DELETE', url: `/v1/admin/api-keys/${keyB.apiKeyId}`, headers: adminA },
    { label: 'other tenant: delete webhook', method: 'DELETE', url: `/v1/webhooks/${hookB.webhookId}`, headers: { 'x-api-key': all.key } },
    { label: 'other tenant: webhook deliveries', method: 'GET', url: `/v1/webhooks/${hookB.webhookId}/deliveries`, headers: adminA },
    { label: 'other tenant: replay webhook', method: 'POST', url: `/v1/webhooks/${hookB.webhookId}/replay-failed`, headers: adminA },
    { label: 'other tenant: rotate webhook secret', method: 'POST', url: `/v1/webhooks/${hookB.webhookId}/rotate-secret`, headers: { 'x-api-key': hooksOnly.key } },
  );
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const staffClaims = { tid: 'fuzz-a', sub: 'boss', roles: ['admin'] };
  return {
    staff: adminA,
    visitor,
    apiKey: { 'x-api-key': all.key },
    bad: [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer not.a.jwt' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: `Bearer ${'a'.repeat(4000)}` },
      bearer(sign(staffClaims, -60)), // expired
      bearer(signStaffToken('f'.repeat(48), staffClaims)), // forged
      bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...staffClaims, exp: 9e9 })}.`),
      bearer(sign({ tid: '', sub: 'x', roles: ['admin'] })),
      bearer(sign({ tid: 'Fuzz/../a', sub: 'x', roles: ['admin'] })),
      bearer(sign({ tid: 'fuzz-a', sub: 'x', roles: 'admin' as unknown as string[] })),
      { 'x-api-key': 'cck_garbage' },
      { 'x-api-key': `cck_${'0'.repeat(24)}_${'A'.repeat(43)}` },
      { 'x-api-key': revoked.key },
      { authorization: `Bearer ${revoked.key}` },
    ],
    wrongFor: (route) => {
      if (route.auth === 'staff') return [visitor, { 'x-api-key': eventsOnly.key }, ...(/\/admin\/|^\/v1\/webhooks/.test(route.url) ? [bearer(sign({ tid: 'fuzz-a', sub: 'agent', roles: ['agent'] }))] : [])];
      if (route.auth === 'visitor') return [adminA, { 'x-api-key': all.key }];
      if (route.auth === 'apiKey') return [adminA, visitor, { 'x-api-key': hooksOnly.key }];
      if (route.auth === 'socket') return [{ 'x-api-key': all.key }];
      return [];
    },
  };
}

/** What is wrong with an answer to a malformed request, or undefined. */
function defectOf(req: FuzzRequest, res: LightMyRequestResponse): string | undefined {
  if (res.statusCode < 400 || res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) return `content-type ${res.headers['content-type']}: ${res.body.slice(0, 200)}`;
  if (req.method === 'HEAD') return undefined;
  let body: { status?: unknown; code?: unknown };
  try {
    body = JSON.parse(res.body);
  } catch {
    return `not JSON: ${res.body.slice(0, 200)}`;
  }
  if (typeof body.code !== 'string' || !/^[a-z_]+$/.test(body.code)) return `no stable code: ${res.body.slice(0, 200)}`;
  if (body.status !== res.statusCode) return `status ${String(body.status)} in the body, ${res.statusCode} on the wire`;
  if (STACK_TRACE.test(res.body)) return `a stack trace: ${res.body.slice(0, 300)}`;
  return undefined;
}

async function fuzzHttp(rng: Rng, count: number): Promise<string[]> {
  const defects: string[] = [];
  for (let sent = 0; sent < count; sent += 16) {
    const batch = Array.from({ length: Math.min(16, count - sent) }, (_, i) => ((sent + i) % 200 === 0 && otherTenant.length ? rng.pick(otherTenant) : nextRequest(routes, rng, credentials)));
    const answers = await Promise.all(batch.map((req) => edge.app.inject(req).then((res) => defectOf(req, res), (err: Error) => `inject failed: ${err.message}`)));
    answers.forEach((defect, i) => defect && defects.push(`#${sent + i} ${batch[i]!.label} ${batch[i]!.method} ${batch[i]!.url.slice(0, 120)}: ${defect}`));
  }
  return defects;
}

/** Every stream's last sequence: KV buckets, events, queues. Any write moves one. */
async function streamHeads(): Promise<Record<string, number>> {
  const heads: Record<string, number> = {};
  for await (const s of jsm.streams.list()) heads[s.config.name] = s.state.last_seq;
  return heads;
}

function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

it('answers thousands of malformed requests and frames with 4xx problem JSON or error frames, writes nothing, and recovers', async () => {
  const rng = new Rng(SEED);
  const byAuth = (a: string) => routes.filter((r) => r.auth === a).length;
  expect(byAuth('staff') + byAuth('visitor') + byAuth('apiKey')).toBeGreaterThan(30); // the hook saw the routes
  expect(routes.filter((r) => r.auth === 'unknown').map((r) => `${r.method} ${r.url}`)).toEqual([]); // every route declares how it authenticates

  const heads = await streamHeads();
  const warmup = [...(await fuzzHttp(rng, WARMUP)), ...(await fuzzSocket(rng, base, credentials, 100))];
  const heapBefore = heapAfterGc();
  const defects = [
    ...warmup,
    ...(await fuzzHttp(rng, REQUESTS)),
    ...(await fuzzSocket(rng, base, credentials, 1_500)),
    ...(await upgradeWithBadToken(rng, base, credentials, 40)),
  ];
  expect({ seed: SEED, defects: defects.slice(0, 20), total: defects.length }).toEqual({ seed: SEED, defects: [], total: 0 });
  expect(await streamHeads()).toEqual(heads);

  // Still serving: a visitor session, an admin read, a socket.
  expect((await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).statusCode).toBe(201);
  expect((await edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: credentials.staff })).statusCode).toBe(200);
  expect(await fuzzSocket(rng, base, credentials, 0)).toEqual([]);
  const growth = heapAfterGc() - heapBefore;
  expect(growth).toBeLessThan(HEAP_MARGIN_BYTES);
});
