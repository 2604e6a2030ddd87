/**
 * Forwarding between regions through the whole gateway app: two gateways,
 * eu and us (REGIONS=eu,us), each in front of its own conversation service
 * and event store, on one private nats-server (their subjects differ by
 * region, so one server carries both). A request about a us conversation
 * sent to eu is answered by us and written only in us's store; us's error
 * answers come back byte for byte; a forwarded request is served where it
 * lands, never sent on; with us gone, eu answers 503 region_unavailable
 * within the timeout and writes nothing.
 */
import { createGrpcClient, createLogger, ServiceMetrics, type NatsConnection } from '@contactcenter/infra';
import { connectNats } from '@contactcenter/infra';
import { randomUUID } from 'node:crypto';
import { conversationStreamId } from '../../../conversation/src/conversation';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { startRegionConversationService } from '../../../../test/support/regionConversationService';
import { RegionLink, RegionUnavailableError } from './regionLink';
import { encodeForwardedResponse } from './forwardedHttp';

jest.setTimeout(90_000);

const REGIONS = ['eu', 'us'];
const FORWARD_TIMEOUT_MS = 1_500;

const startConversationService = (region: string) => startRegionConversationService(region, REGIONS);

type Region = { edge: EdgeApp; conversations: Awaited<ReturnType<typeof startConversationService>>; metrics: ServiceMetrics };
const region: Record<'eu' | 'us', Region> = {} as Record<'eu' | 'us', Region>;
let euUrl: string;
let testNats: NatsConnection;
let usClosed = false;

async function startRegion(name: 'eu' | 'us', natsUrl?: string): Promise<Region> {
  const conversations = await startConversationService(name);
  const metrics = new ServiceMetrics(`gateway-${name}`);
  const edge = await startEdgeApp(
    {
      region: name,
      regions: { region: name, regions: REGIONS, forwardTimeoutMs: FORWARD_TIMEOUT_MS },
      metricsRegistry: metrics.registry,
      // Each region's own gateway state, as on separate NATS clusters.
      gatewayBucket: `gw_${name}_${randomUUID().slice(0, 6)}`,
      idempotency: { bucket: `idem_${name}_${randomUUID().slice(0, 6)}` },
      // Both conversation services run in this process on PGlite, whose work blocks the event loop
      // for whole samples on a busy machine: the gateway would refuse as overloaded, which is not what is tested here.
      admission: { maxEventLoopDelayMs: 0 },
    },
    { natsUrl, peerAddress: conversations.address },
  );
  await edge.app.ready(); // its responder serves region.<name>.gateway from here on
  return { edge, conversations, metrics };
}

beforeAll(async () => {
  region.eu = await startRegion('eu');
  region.us = await startRegion('us', region.eu.edge.natsUrl);
  euUrl = await region.eu.edge.app.listen({ host: '127.0.0.1', port: 0 });
  testNats = await connectNats(region.eu.edge.natsUrl, 'forwarding-test', createLogger('forwarding-test', 'silent'));
});

afterAll(async () => {
  await testNats?.close();
  if (!usClosed) await region.us?.edge.close();
  await region.us?.conversations.stop();
  await region.eu?.edge.close(); // stops the NATS server too
  await region.eu?.conversations.stop();
});

const tenant = `t-${randomUUID().slice(0, 8)}`;
const auth = (name: 'eu' | 'us') => ({ authorization: `Bearer ${region[name].edge.sign({ tid: tenant, sub: 'agent-1', roles: ['agent'] })}` });
const startIn = async (name: 'eu' | 'us') => {
  const res = await region[name].edge.app.inject({ method: 'POST', url: '/v1/conversations', headers: auth(name), payload: { channel: 'chat', customerId: 'c-1', language: 'en' } });
  expect(res.statusCode).toBe(201);
  return String(res.json().conversationId);
};
const revisionIn = (name: 'eu' | 'us', conversationId: string) => region[name].conversations.events.streamRevision(conversationStreamId(tenant, conversationId));
const forwardsOf = async (name: 'eu' | 'us') => {
  const metric = await region[name].metrics.registry.getSingleMetric('gateway_region_forwards_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.region}/${v.labels.outcome}`, v.value]));
};

describe('a request about another region\'s conversation', () => {
  it('is answered by the home region: eu reads a conversation only us holds', async () => {
    const id = await startIn('us');
    expect(id).toMatch(/^us_/);
    const res = await region.eu.edge.app.inject({ method: 'GET', url: `/v1/conversations/${id}`, headers: auth('eu') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ conversationId: id, status: 'open' });
    expect(await revisionIn('eu', id)).toBeUndefined();
  });

  it('posted over HTTP to eu, with its body as sent, lands in us\'s store only', async () => {
    const id = await startIn('us');
    const res = await fetch(`${euUrl}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { ...auth('eu'), 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
      body: JSON.stringify({ text: 'Olá from eu 👋' }),
    });
    const answer = await res.json();
    expect([res.status, answer]).toEqual([201, expect.objectContaining({ conversationId: id, revision: 1 })]);
    expect(await revisionIn('us', id)).toBe(1);
    expect(await revisionIn('eu', id)).toBeUndefined();
    const read = await region.us.edge.app.inject({ method: 'GET', url: `/v1/conversations/${id}`, headers: auth('us') });
    expect(read.json().messages.map((m: { text: string }) => m.text)).toEqual(['Olá from eu 👋']);
  });

  it('comes back unchanged when the home region refuses it: status, type and bytes', async () => {
    // Reopening an open conversation: us says 409; eu, which does not hold it, could only have said 404.
    const id = await startIn('us');
    const reopen = (name: 'eu' | 'us') =>
      region[name].edge.app.inject({ method: 'POST', url: `/v1/conversations/${id}/reopen`, headers: { ...auth(name), 'x-request-id': 'same-request' }, payload: { reason: 'again' } });
    const atUs = await reopen('us');
    expect(atUs.statusCode).toBe(409);
    expect(atUs.json()).toMatchObject({ code: 'illegal_state' });
    const viaEu = await reopen('eu');
    expect(viaEu.statusCode).toBe(409);
    expect(viaEu.headers['content-type']).toBe(atUs.headers['content-type']);
    expect(viaEu.rawPayload.equals(atUs.rawPayload)).toBe(true);

    // Authentication is the home region's too: no token, us's 401, unchanged.
    const anonymous = await region.eu.edge.app.inject({ method: 'GET', url: '/v1/conversations/us_abc' });
    const anonymousAtUs = await region.us.edge.app.inject({ method: 'GET', url: '/v1/conversations/us_abc' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.rawPayload.equals(anonymousAtUs.rawPayload)).toBe(true);
  });

  it('is forwarded even when a client sends x-cc-forwarded-from itself', async () => {
    const id = await startIn('us');
    const res = await fetch(`${euUrl}/v1/conversations/${id}`, { headers: { ...auth('eu'), 'x-cc-forwarded-from': 'us' } });
    expect(res.status).toBe(200);
  });

  it('is refused with 413 above the body limit, before anything is forwarded', async () => {
    const before = await forwardsOf('eu');
    const res = await fetch(`${euUrl}/v1/conversations/us_abc/messages`, {
      method: 'POST',
      headers: { ...auth('eu'), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await forwardsOf('eu')).toEqual(before);
  });

  it('is never forwarded again once forwarded: us serves an eu id itself rather than sending it back', async () => {
    const euId = await startIn('eu');
    expect((await region.eu.edge.app.inject({ method: 'GET', url: `/v1/conversations/${euId}`, headers: auth('eu') })).statusCode).toBe(200);
    const usBefore = await forwardsOf('us');
    // As eu's gateway would send it (a misrouted id, or a region that disagrees about REGIONS): us must not bounce it.
    const link = new RegionLink(testNats, { region: 'eu', timeoutMs: 5_000 });
    const answer = await link.forward('us', { method: 'GET', url: `/v1/conversations/${euId}`, headers: auth('us'), body: Buffer.alloc(0) });
    expect(answer.status).toBe(404); // us's own answer: it has no such conversation; eu would have said 200
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 'not_found' });
    expect(await forwardsOf('us')).toEqual(usBefore);
  });

  it('counts forwards by region and outcome', async () => {
    expect((await forwardsOf('eu'))['us/answered']).toBeGreaterThanOrEqual(5);
  });

  it("starting a conversation with an id naming another region is 400 naming conversationId", async () => {
    const res = await region.eu.edge.app.inject({ method: 'POST', url: '/v1/conversations', headers: auth('eu'), payload: { conversationId: 'us_mine', channel: 'chat', customerId: 'c-1', language: 'en' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', field: 'conversationId' });
    expect(await revisionIn('eu', 'us_mine')).toBeUndefined();
  });
});

describe('with the home region gone', () => {
  let usId: string;
  beforeAll(async () => {
    usId = await startIn('us');
    await region.us.edge.close(); // its responder stops with it; us's conversation service and data stay
    usClosed = true;
  });

  const postViaEu = (text: string) =>
    region.eu.edge.app.inject({ method: 'POST', url: `/v1/conversations/${usId}/messages`, headers: auth('eu'), payload: { text, clientMessageId: text } });

  const expectRegionUnavailable = (res: Awaited<ReturnType<typeof postViaEu>>) => {
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBeDefined();
    const body = res.json();
    expect(body).toMatchObject({ status: 503, code: 'region_unavailable', region: 'us' });
    expect(body.detail).toContain('"us"');
  };

  it('answers 503 region_unavailable naming us at once when no gateway of us listens, writing nothing', async () => {
    const started = Date.now();
    const res = await postViaEu('while-us-is-gone');
    expect(Date.now() - started).toBeLessThan(FORWARD_TIMEOUT_MS);
    expectRegionUnavailable(res);
    expect(await revisionIn('us', usId)).toBe(0);
    expect(await revisionIn('eu', usId)).toBeUndefined();
    expect((await forwardsOf('eu'))['us/no_responders']).toBe(1);
  });

  it('answers 503 region_unavailable after REGION_FORWARD_TIMEOUT_MS when us takes the request but never answers', async () => {
    // A link of its own: the app's link already knows us is down (the test before) and refuses at once.
    const link = new RegionLink(testNats, { region: 'eu', timeoutMs: FORWARD_TIMEOUT_MS, probeIntervalMs: 200 });
    const silent = testNats.subscribe('region.us.gateway', { queue: 'gateway', callback: () => undefined });
    await testNats.flush(); // the server knows of it before eu asks
    try {
      const started = Date.now();
      const err = await link.forward('us', { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) }).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(err).toBeInstanceOf(RegionUnavailableError);
      expect(took).toBeGreaterThanOrEqual(FORWARD_TIMEOUT_MS - 100);
      expect(took).toBeLessThan(FORWARD_TIMEOUT_MS + 1_500);
      // Known down now: the next forward is refused at once instead of waiting out the timeout again.
      const again = Date.now();
      const refused = await link.forward('us', { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) }).catch((e: unknown) => e);
      expect(Date.now() - again).toBeLessThan(200);
      expect((refused as Error).message).toMatch(/region "us" is unavailable \(it has not answered since /);
      expect(link.downRegions().map((d) => d.region)).toEqual(['us']);
    } finally {
      silent.unsubscribe();
    }
    // us answers its probe again: the link forwards again.
    const healthy = testNats.subscribe('region.us.gateway', {
      queue: 'gateway',
      callback: (_e, msg) => {
        msg.respond(encodeForwardedResponse({ status: 200, headers: {}, body: Buffer.from('{"status":"ok"}') }));
      },
    });
    try {
      const until = Date.now() + 5_000;
      while (link.downRegions().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(link.downRegions()).toEqual([]);
      expect((await link.forward('us', { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) })).status).toBe(200);
    } finally {
      healthy.unsubscribe();
      link.close();
    }
    expect(await revisionIn('eu', usId)).toBeUndefined();
  });

  it('RegionLink fails with a RegionUnavailableError naming the region', async () => {
    const link = new RegionLink(testNats, { region: 'eu', timeoutMs: 500 });
    const err = await link.forward('us', { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) }).catch((e: unknown) => e);
    link.close();
    expect(err).toBeInstanceOf(RegionUnavailableError);
    expect((err as RegionUnavailableError).region).toBe('us');
  });

  it('RegionLink on a connection that is gone fails at once the same way', async () => {
    const closed = await connectNats(region.eu.edge.natsUrl, 'forwarding-test-closed', createLogger('forwarding-test', 'silent'));
    await closed.close();
    const link = new RegionLink(closed, { region: 'eu', timeoutMs: 5_000 });
    const started = Date.now();
    const err = await link.forward('us', { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(RegionUnavailableError);
    expect((err as Error).message).toMatch(/region "us" is unavailable \(this region has no connection/);
  });

  it('still serves eu\'s own conversations', async () => {
    const id = await startIn('eu');
    const res = await region.eu.edge.app.inject({ method: 'POST', url: `/v1/conversations/${id}/messages`, headers: auth('eu'), payload: { text: 'hi', clientMessageId: 'own-1' } });
    expect(res.statusCode).toBe(201);
  });
});
