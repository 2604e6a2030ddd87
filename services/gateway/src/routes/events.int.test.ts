/**
 * `GET /v1/events` against a real NATS server (JetStream): CloudEvents are
 * published into the events stream as the relay does, and read back as
 * Server-Sent Events through real HTTP connections to a listening app.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { DEFAULT_STREAM, encodeCloudEventMessage, ensureEventStream } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { apiKeyAuthPlugin, type ApiKeyScope } from '../plugins/apiKeyAuth';
import { authPlugin } from '../plugins/auth';
import { problemPlugin } from '../plugins/problem';
import { ApiKeys } from '../store/apiKeys';
import { Revocations } from '../store/revocations';
import { openStateBucket } from '@contactcenter/infra/kv';
import { eventsRoutes } from './events';
import { EventHub } from '../realtime/eventHub';

const SECRET = 's'.repeat(48);
const HEARTBEAT_MS = 200;

let server: TestNats;
let nats: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let apiKeys: ApiKeys;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('events-test', 'silent');
  nats = await connectNats(server.url, 'events-test', logger);
  jsm = await jetstreamManager(nats);
  await ensureEventStream(jsm);
  js = jetstream(nats);
  const bucket = `gw_${randomUUID().slice(0, 8)}`;
  apiKeys = await ApiKeys.open(nats, bucket);
  const revocations = await Revocations.start(nats, await openStateBucket(nats, bucket, 'gateway'), logger);
  app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  problemPlugin(app);
  await authPlugin(app, { secret: SECRET });
  apiKeyAuthPlugin(app, { authenticator: apiKeys });
  const hub = await EventHub.start(nats, { logger });
  app.addHook('onClose', async () => (revocations.stop(), await hub.stop()));
  await app.register(eventsRoutes, { prefix: '/v1', hub, heartbeatMs: HEARTBEAT_MS, revocations });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/events`;
});

afterAll(async () => {
  await app?.close();
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const keyOf = async (tid: string, scopes: ApiKeyScope[] = ['events:read']) => (await apiKeys.create(tid, { name: 'test', scopes })).key;

/** Publishes a CloudEvent as the relay would; returns its stream position. */
async function publish(tid: string, context: string, type: string, data: Record<string, unknown> = {}): Promise<number> {
  const msg = encodeCloudEventMessage(
    `cc.${tid}.${context}.${type}.c-1`,
    { id: randomUUID(), source: `/contactcenter/test/${context}`, type: `contactcenter.${context}.v1.${type}`, subject: 'c-1', time: new Date(), tenantid: tid },
    data,
  );
  return (await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID })).seq;
}

const lastPosition = async () => (await jsm.streams.info(DEFAULT_STREAM)).state.last_seq;

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** An SSE client on node's http: parses the stream into events (with data) and comments. */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Every `id:` seen, also of data-less blocks: what an EventSource would send as Last-Event-ID. */
  lastEventId: string | undefined;
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(
    private readonly req: http.ClientRequest,
    readonly res: http.IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let cut: number;
      while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
        this.block(this.buffer.slice(0, cut));
        this.buffer = this.buffer.slice(cut + 2);
      }
      this.wake();
    });
    res.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  static open(query: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${base}${query}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(req, res)));
      req.on('error', reject);
    });
  }

  get payloads(): { id: string; type: string; source: string; subject?: string; data: Record<string, unknown>; position: number }[] {
    return this.events.map((e) => JSON.parse(e.data!));
  }

  async waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; events ${JSON.stringify(this.events)} comments ${JSON.stringify(this.comments)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.req.destroy();
  }

  private block(text: string): void {
    const e: SseEvent = {};
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      const m = /^(id|event|data): ?(.*)$/.exec(line);
      if (m) e[m[1] as keyof SseEvent] = m[2];
    }
    if (e.id !== undefined) this.lastEventId = e.id;
    if (e.data !== undefined) this.events.push(e);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const get = (query: string, headers: Record<string, string> = {}) => fetch(`${base}${query}`, { headers });
const quietly = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /v1/events authentication', () => {
  it.each([
    ['no key', {}],
    ['an unknown key', { 'x-api-key': `cck_${'0'.repeat(24)}_${'A'.repeat(43)}` }],
    ['a malformed key', { authorization: 'Bearer cck_nope' }],
    ['a staff JWT', { authorization: `Bearer ${signStaffToken(SECRET, { tid: 'acme', sub: 'admin-1', roles: ['admin'] })}` }],
  ])('answers 401 problem JSON for %s', async (_label, headers) => {
    const res = await get('', headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await res.json()) as unknown).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('answers 401 for a right id with a wrong secret', async () => {
    const key = await keyOf(tenant());
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await get('', { 'x-api-key': forged })).status).toBe(401);
  });

  it('answers 401 for a revoked key, 403 for a key without events:read', async () => {
    const tid = tenant();
    const { key, record } = await apiKeys.create(tid, { name: 'old', scopes: ['events:read'] });
    await apiKeys.revoke(tid, record.apiKeyId);
    expect((await get('', { 'x-api-key': key })).status).toBe(401);
    const res = await get('', { 'x-api-key': await keyOf(tid, ['webhooks:manage']) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('forbidden');
  });

  it('authenticates before validating the query', async () => {
    expect((await get('?after=nope')).status).toBe(401);
  });

  it('accepts the key as X-API-Key or as a bearer token, and answers text/event-stream', async () => {
    const key = await keyOf(tenant());
    const ways: Record<string, string>[] = [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }];
    for (const headers of ways) {
      const c = await SseClient.open('', headers);
      expect(c.res.statusCode).toBe(200);
      expect(c.res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(c.res.headers['cache-control']).toContain('no-cache');
      c.close();
    }
  });
});

describe('GET /v1/events validation', () => {
  it.each([
    ['?after=abc'],
    ['?after=-1'],
    ['?after=01'],
    ['?after=99999999999'],
    ['?types='],
    ['?types=a%20b'],
  ])('answers 400 for %s', async (query) => {
    const res = await get(query, { 'x-api-key': await keyOf(tenant()) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('validation');
  });

  it('answers 400 naming Last-Event-ID when it is no position', async () => {
    const res = await get('', { 'x-api-key': await keyOf(tenant()), 'last-event-id': 'abc' });
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toMatchObject({ code: 'validation', field: 'Last-Event-ID' });
  });
});

describe('GET /v1/events streaming', () => {
  it('resumes across reconnects with Last-Event-ID and ?after: no gap, no duplicate', async () => {
    const tid = tenant();
    const key = await keyOf(tid);
    const start = await lastPosition();
    const stored: number[] = [];
    for (let i = 0; i < 5; i++) stored.push(await publish(tid, 'conversation', 'MessagePosted', { n: i }));

    const first = await SseClient.open(`?after=${start}`, { 'x-api-key': key });
    await first.waitFor(() => first.events.length >= 2);
    first.close();
    const seen = first.payloads.map((p) => p.position);
    const lastSeen = first.events.at(-1)!.id!;

    // Events published while the client was away, then live ones after it is back.
    const whileAway = await publish(tid, 'routing', 'OfferCreated');
    // An EventSource reconnects with its original URL plus Last-Event-ID: the header wins over ?after.
    const second = await SseClient.open(`?after=${start}`, { 'x-api-key': key, 'last-event-id': lastSeen });
    const live = [await publish(tid, 'presence', 'AgentStatusChanged'), await publish(tid, 'translation', 'MessageTranslated')];
    const expected = [...stored, whileAway, ...live];
    await second.waitFor(() => seen.length + second.events.length >= expected.length);
    await quietly(200);
    second.close();
    const all = [...seen, ...second.payloads.map((p) => p.position)];
    expect(all).toEqual(expected);
    expect(second.events.map((e) => Number(e.id))).toEqual(second.payloads.map((p) => p.position));

    // ?after alone gives the same rest.
    const third = await SseClient.open(`?after=${lastSeen}`, { 'x-api-key': key });
    await third.waitFor(() => third.events.length >= expected.length - seen.length);
    await quietly(200);
    third.close();
    expect(third.payloads.map((p) => p.position)).toEqual(expected.slice(seen.length));
  });

  it('sends each event as id, event type and the CloudEvent JSON, internal notes included', async () => {
    const tid = tenant();
    const key = await keyOf(tid);
    const after = await lastPosition();
    const position = await publish(tid, 'conversation', 'InternalNoteAdded', { body: 'VIP, handle with care' });
    const c = await SseClient.open(`?after=${after}`, { 'x-api-key': key });
    await c.waitFor(() => c.events.length >= 1);
    c.close();
    expect(c.events[0]).toMatchObject({ id: String(position), event: 'contactcenter.conversation.v1.InternalNoteAdded' });
    expect(c.payloads[0]).toMatchObject({
      type: 'contactcenter.conversation.v1.InternalNoteAdded',
      source: '/contactcenter/test/conversation',
      subject: 'c-1',
      data: { body: 'VIP, handle with care' },
      position,
    });
    expect(typeof c.payloads[0]!.id).toBe('string');
    expect(Object.keys(c.payloads[0]!).sort()).toEqual(['data', 'id', 'position', 'source', 'subject', 'time', 'type']);
  });

  it('starts at the end without a position and tells where, so a reconnect misses nothing', async () => {
    const tid = tenant();
    const key = await keyOf(tid);
    await publish(tid, 'conversation', 'MessagePosted', { old: true });
    const end = await lastPosition();
    const c = await SseClient.open('', { 'x-api-key': key });
    await c.waitFor(() => c.lastEventId !== undefined);
    expect(Number(c.lastEventId)).toBeGreaterThanOrEqual(end);
    const live = await publish(tid, 'conversation', 'MessagePosted', { old: false });
    await c.waitFor(() => c.events.length >= 1);
    await quietly(100);
    c.close();
    expect(c.payloads.map((p) => p.position)).toEqual([live]);
  });

  it("never shows another tenant's events", async () => {
    const [a, b] = [tenant(), tenant()];
    const [keyA, keyB] = [await keyOf(a), await keyOf(b)];
    const after = await lastPosition();
    const ofA: number[] = [];
    const ofB: number[] = [];
    for (let i = 0; i < 3; i++) {
      ofA.push(await publish(a, 'conversation', 'MessagePosted', { i }));
      ofB.push(await publish(b, 'conversation', 'MessagePosted', { i }));
    }
    // A tenant whose id extends another's must not match it either.
    await publish(`${a}x`, 'conversation', 'MessagePosted');
    const ca = await SseClient.open(`?after=${after}`, { 'x-api-key': keyA });
    const cb = await SseClient.open(`?after=${after}`, { 'x-api-key': keyB });
    ofA.push(await publish(a, 'routing', 'OfferCreated'));
    await ca.waitFor(() => ca.events.length >= 4);
    await cb.waitFor(() => cb.events.length >= 3);
    await quietly(200);
    ca.close();
    cb.close();
    expect(ca.payloads.map((p) => p.position)).toEqual(ofA);
    expect(cb.payloads.map((p) => p.position)).toEqual(ofB);
  });

  it('keeps only the requested types', async () => {
    const tid = tenant();
    const key = await keyOf(tid);
    const after = await lastPosition();
    await publish(tid, 'conversation', 'MessagePosted');
    const offer = await publish(tid, 'routing', 'OfferCreated');
    await publish(tid, 'presence', 'AgentStatusChanged');
    const resolved = await publish(tid, 'conversation', 'ConversationResolved');
    const c = await SseClient.open(`?after=${after}&types=contactcenter.routing.v1.OfferCreated,%20contactcenter.conversation.v1.ConversationResolved`, { 'x-api-key': key });
    await c.waitFor(() => c.events.length >= 2);
    await quietly(200);
    c.close();
    expect(c.payloads.map((p) => p.position)).toEqual([offer, resolved]);
  });

  it('sends keepalive comments and ends the stream when the key is revoked', async () => {
    const tid = tenant();
    const { key, record } = await apiKeys.create(tid, { name: 'soon revoked', scopes: ['events:read'] });
    const c = await SseClient.open('', { 'x-api-key': key });
    await c.waitFor(() => c.comments.includes('keepalive'), HEARTBEAT_MS * 10);
    await apiKeys.revoke(tid, record.apiKeyId);
    await c.waitFor(() => c.ended, HEARTBEAT_MS * 10);
  });

  it("opens no JetStream consumer of its own: the replica's one hub consumer serves every stream", async () => {
    const consumers = async () => (await jsm.streams.info(DEFAULT_STREAM)).state.consumer_count;
    await quietly(300); // earlier tests' streams finish closing
    const before = await consumers();
    const tid = tenant();
    const key = await keyOf(tid);
    const c = await SseClient.open('', { 'x-api-key': key });
    await c.waitFor(() => c.lastEventId !== undefined);
    expect(await consumers()).toBe(before);
    const seq = await publish(tid, 'conversation', 'MessagePosted', { text: 'one consumer' });
    await c.waitFor(() => c.payloads.some((p) => p.position === seq));
    c.close();
  });
});
