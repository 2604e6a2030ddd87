/**
 * Live events across regions on the gateway's sockets: two whole gateway
 * apps, eu and us (REGIONS=eu,us), each on its own region's NATS account of a
 * real super-cluster (scripts/natsSuperCluster.ts: one server per region and
 * the witness, joined by gateways) and in front of its own conversation
 * service. A staff socket at us that subscribes to an eu conversation (eu
 * says it exists, asked with the socket's own token) receives the frame of an
 * event published in eu, as the relay publishes it (JetStream, eu's
 * account), marked `region: 'eu'` and without a position; a us conversation
 * on the same socket still comes with its position, as before. us's replica
 * holds one subscription per followed eu conversation however many sockets
 * follow it, and none once nobody does. An assignment eu makes to an agent
 * of us (follow-the-sun: `agentRegion: 'us'`) reaches that agent's sockets at
 * us, and only theirs, through the replica's one subscription to other
 * regions' assignments.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { encodeCloudEventMessage } from '@contactcenter/infra/events';
import { jetstream } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { startNatsSuperCluster, type NatsSuperCluster } from '../../../../scripts/natsSuperCluster';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { startRegionConversationService } from '../../../../test/support/regionConversationService';
import { RealtimeSocket, type Frame } from '../../../../test/support/realtimeSocket';
import { untilResolves } from '../../../../test/support/untilResolves';

jest.setTimeout(120_000);

const REGIONS = ['eu', 'us'];
type Name = 'eu' | 'us';

const startConversationService = (region: string) => startRegionConversationService(region, REGIONS);

type Region = { edge: EdgeApp; conversations: Awaited<ReturnType<typeof startConversationService>>; wsUrl: string; nats: NatsConnection };
const region = {} as Record<Name, Region>;
let sc: NatsSuperCluster;

async function startRegion(name: Name): Promise<Region> {
  const conversations = await startConversationService(name);
  const natsUrl = sc.regions.get(name)!.url;
  const edge = await startEdgeApp(
    {
      region: name,
      regions: { region: name, regions: REGIONS, forwardTimeoutMs: 3_000 },
      // The real directory (over the conversation service), not the edge app's "newcomers".
      realtimeDirectory: undefined,
      // Both conversation services run in this process on PGlite: not an overload to refuse.
      admission: { maxEventLoopDelayMs: 0 },
    },
    { natsUrl, peerAddress: conversations.address },
  );
  const url = await edge.app.listen({ host: '127.0.0.1', port: 0 });
  // The relay's stand-in: publishes in this region's account, as the region's relay does.
  const nats = await connectNats(natsUrl, `relay-${name}`, createLogger(`relay-${name}`, 'silent'));
  return { edge, conversations, wsUrl: `${url.replace(/^http/, 'ws')}/v1/realtime`, nats };
}

beforeAll(async () => {
  sc = await startNatsSuperCluster({ regions: REGIONS });
  region.eu = await startRegion('eu');
  region.us = await startRegion('us');
});

afterAll(async () => {
  for (const r of [region.us, region.eu]) {
    await r?.nats.close();
    await r?.edge.close();
    await r?.conversations.stop();
  }
  await sc?.stop();
});

const tenant = `t-${randomUUID().slice(0, 8)}`;
const token = (name: Name, sub = 'agent-us') => region[name].edge.sign({ tid: tenant, sub, roles: ['agent'] });

async function startIn(name: Name): Promise<string> {
  const res = await region[name].edge.app.inject({ method: 'POST', url: '/v1/conversations', headers: { authorization: `Bearer ${token(name, 'agent-1')}` }, payload: { channel: 'chat', customerId: 'c-1', language: 'en' } });
  expect(res.statusCode).toBe(201);
  return String(res.json().conversationId);
}

/** Publishes a MessagePosted of `conversationId` in `name`'s account, into its events stream, as the relay does. */
const publishIn = (name: Name, conversationId: string, text: string) =>
  publishEventIn(name, conversationId, 'MessagePosted', { conversationId, message: { messageId: randomUUID(), text, sender: { kind: 'SENDER_KIND_CUSTOMER', id: 'c-1' } } });

/** Publishes a conversation event of `conversationId` in `name`'s account, into its events stream, as the relay does. */
async function publishEventIn(name: Name, conversationId: string, type: string, data: Record<string, unknown>): Promise<{ id: string; seq: number }> {
  const id = randomUUID();
  const msg = encodeCloudEventMessage(
    `cc.${tenant}.conversation.${type}.${conversationId}`,
    { id, source: `/contactcenter/${name}/conversation`, type: `contactcenter.conversation.v1.${type}`, subject: conversationId, time: new Date(), tenantid: tenant },
    data,
  );
  const ack = await jetstream(region[name].nats).publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
  expect(ack.stream).toBe('CC_EVENTS');
  return { id, seq: ack.seq };
}

/** A staff socket recording every frame. */
const Client = { open: (url: string, bearer: string) => RealtimeSocket.open(url, bearer) };

/** Closes the socket and waits until it is closed. */
async function closeAndWait(client: RealtimeSocket): Promise<void> {
  client.close();
  await client.closed;
}

/** Sends a subscribe / unsubscribe frame and returns the answer (`subscribed` or an error). */
async function change(client: RealtimeSocket, type: 'subscribe' | 'unsubscribe', conversations: string[]): Promise<Frame> {
  const seen = client.frames.length;
  client.send({ type, conversations });
  return client.next((f) => client.frames.indexOf(f) >= seen && (f.type === 'subscribed' || f.type === 'error'));
}

/** Retries until it holds (interest crossing the gateways takes a moment right after the start). */
const eventually = <T>(attempt: () => Promise<T>, timeoutMs = 15_000) => untilResolves(attempt, timeoutMs);

const remoteSubscriptions = () => region.us.edge.app.eventHub.remoteConversations;

describe("a socket at us following an eu conversation", () => {
  it("receives its events from eu live, marked region eu and without a position; a us conversation's as before", async () => {
    const [euId, usId] = [await startIn('eu'), await startIn('us')];
    expect([euId, usId]).toEqual([expect.stringMatching(/^eu_/), expect.stringMatching(/^us_/)]);
    const agent = await Client.open(region.us.wsUrl, token('us'));
    // eu answers whether the conversation exists (the socket's own token, forwarded): the first ask may precede eu's responder's interest in us.
    const subscribed = await eventually(async () => {
      const answer = await change(agent, 'subscribe', [euId, usId]);
      if (answer.type !== 'subscribed') throw new Error(JSON.stringify(answer));
      return answer;
    });
    expect(subscribed).toMatchObject({ following: { conversations: [euId, usId] } });
    expect(remoteSubscriptions()).toBe(1);

    // The subscription's interest crosses the gateway to eu a moment later: publish until the first arrives.
    const first = await eventually(async () => {
      const sent = await publishIn('eu', euId, 'hello from eu');
      return agent.next((f) => f.id === sent.id, 1_000);
    });
    expect(first).toMatchObject({ type: 'contactcenter.conversation.v1.MessagePosted', subject: euId, region: 'eu', data: { conversationId: euId } });
    expect(first).not.toHaveProperty('position');

    // Once the path is up, an eu event is on the us socket within a second.
    const started = performance.now();
    const sent = await publishIn('eu', euId, 'second');
    const frame = await agent.next((f) => f.id === sent.id, 1_000);
    const tookMs = performance.now() - started;
    console.info(`an eu event reached the socket at us ${tookMs.toFixed(1)} ms after it was published`);
    expect(tookMs).toBeLessThan(1_000);
    expect(frame).toMatchObject({ region: 'eu', data: { message: { text: 'second' } } });

    // The us conversation on the same socket: its own stream's event, with its position, no region.
    const local = await publishIn('us', usId, 'hello from us');
    expect(await agent.next((f) => f.id === local.id)).toMatchObject({ subject: usId, position: local.seq });
    expect(agent.frames.find((f) => f.id === local.id)).not.toHaveProperty('region');
    await closeAndWait(agent);
    await eventually(async () => expect(remoteSubscriptions()).toBe(0));
  });

  it('is followed by one subscription per replica however many sockets follow it, dropped when the last stops', async () => {
    const euId = await startIn('eu');
    const [a, b] = [await Client.open(region.us.wsUrl, token('us', 'agent-a')), await Client.open(region.us.wsUrl, token('us', 'agent-b'))];
    for (const c of [a, b]) expect(await eventually(() => change(c, 'subscribe', [euId]).then((f) => (f.type === 'subscribed' ? f : Promise.reject(new Error(JSON.stringify(f))))))).toBeTruthy();
    expect(remoteSubscriptions()).toBe(1);
    const sent = await eventually(async () => {
      const s = await publishIn('eu', euId, 'to both');
      await a.next((f) => f.id === s.id, 1_000);
      return s;
    });
    expect(await b.next((f) => f.id === sent.id)).toMatchObject({ region: 'eu' });

    expect(await change(a, 'unsubscribe', [euId])).toMatchObject({ type: 'subscribed', following: { conversations: [] } });
    expect(remoteSubscriptions()).toBe(1); // b still follows it
    const after = await publishIn('eu', euId, 'b only');
    await b.next((f) => f.id === after.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.frames.some((f) => f.id === after.id)).toBe(false);

    await closeAndWait(b);
    await eventually(async () => expect(remoteSubscriptions()).toBe(0));
    await closeAndWait(a);
  });

  it('refuses an eu conversation eu does not know, and follows nothing of it', async () => {
    const agent = await Client.open(region.us.wsUrl, token('us'));
    const missing = `eu_${randomUUID()}`;
    const answer = await eventually(async () => {
      const f = await change(agent, 'subscribe', [missing]);
      if (f.type === 'error' && f.code === 'unavailable') throw new Error('eu not reachable yet');
      return f;
    });
    expect(answer).toMatchObject({ type: 'error', code: 'not_found' });
    expect(remoteSubscriptions()).toBe(0);
    await closeAndWait(agent);
  });
});

describe('an assignment made in eu to an agent of us (follow-the-sun)', () => {
  const assign = (conversationId: string, agentId: string, agentRegion: string) =>
    publishEventIn('eu', conversationId, 'AgentAssigned', { conversationId, agentId, reason: 'follow-the-sun', agentRegion });

  it("reaches that agent's sockets at us only, marked region eu, and not when it names an eu agent", async () => {
    const euId = `eu_${randomUUID()}`;
    // agent-u follows nothing but its own work; agent-o is another us agent.
    const [mine, other] = [await Client.open(region.us.wsUrl, token('us', 'agent-u')), await Client.open(region.us.wsUrl, token('us', 'agent-o'))];
    // The replica's one subscription crosses the gateway to eu a moment after the start: publish until it arrives.
    const sent = await eventually(async () => {
      const s = await assign(euId, 'agent-u', 'us');
      await mine.next((f) => f.id === s.id, 1_000);
      return s;
    });
    const frame = mine.frames.find((f) => f.id === sent.id);
    expect(frame).toMatchObject({ type: 'contactcenter.conversation.v1.AgentAssigned', subject: euId, region: 'eu', data: { agentId: 'agent-u', agentRegion: 'us' } });
    expect(frame).not.toHaveProperty('position');
    // From it the socket follows the conversation: its next events come from eu too.
    expect(remoteSubscriptions()).toBe(1);
    const posted = await eventually(async () => {
      const s = await publishIn('eu', euId, 'for agent-u');
      return mine.next((f) => f.id === s.id, 1_000);
    });
    expect(posted).toMatchObject({ region: 'eu', subject: euId });

    // Assigned to an agent of eu (who happens to share agent-u's id): nothing at us.
    const euAgent = await assign(`eu_${randomUUID()}`, 'agent-u', 'eu');
    // A later one that does reach agent-u proves the earlier one had its chance.
    const later = await assign(`eu_${randomUUID()}`, 'agent-u', 'us');
    await mine.next((f) => f.id === later.id);
    expect(mine.frames.some((f) => f.id === euAgent.id)).toBe(false);
    expect(other.frames.some((f) => f.id === sent.id || f.id === later.id || f.id === posted.id)).toBe(false);

    await Promise.all([closeAndWait(mine), closeAndWait(other)]);
    await eventually(async () => expect(remoteSubscriptions()).toBe(0));
  });
});
