import { createLogger } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream, eventSubject } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import { ConversationFeed, type FeedChange } from './conversationFeed';

// The feed folds real conversation events from a JetStream stream on a private nats-server.
const nats = natsForThisFile('routing-feed-test');
const logger = createLogger('routing-feed-test', 'silent');

type Seen = { kind: FeedChange['kind']; agentId: string; agentRegion: string; previousAgentId?: string; previousAgentRegion?: string };

/** What the router would see: each change with the facts as they were when it happened. */
const seen = (c: FeedChange): Seen => ({
  kind: c.kind,
  agentId: c.kind === 'released' || c.kind === 'closed' ? c.agentId : c.facts.agentId,
  agentRegion: c.kind === 'released' || c.kind === 'closed' ? c.agentRegion : c.facts.agentRegion,
  ...(c.kind === 'assigned' ? { previousAgentId: c.previousAgentId, previousAgentRegion: c.previousAgentRegion } : {}),
});

describe('ConversationFeed: where the agent holding a conversation works (follow-the-sun)', () => {
  async function feedOf() {
    const nc = await nats.connect();
    await ensureEventStream(await jetstreamManager(nc));
    const js = jetstream(nc);
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const conversationId = `eu_${randomUUID()}`;
    const changes: Seen[] = [];
    const feed = new ConversationFeed(nc, (c) => c.facts.tenantId === tenantId && changes.push(seen(c)), logger);
    await feed.start();
    const publish = async (type: string, data: Record<string, unknown>) => {
      const msg = encodeCloudEventMessage(
        eventSubject(tenantId, 'conversation', type, conversationId),
        { id: randomUUID(), source: '/contactcenter/eu/conversation', type: `contactcenter.conversation.v1.${type}`, subject: conversationId, time: new Date(), tenantid: tenantId },
        { conversationId, occurredAt: new Date().toISOString(), ...data },
      );
      await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
    };
    const until = async (n: number) => {
      for (let i = 0; i < 200 && changes.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return changes;
    };
    await publish('ConversationStarted', { channel: 'CHANNEL_CHAT', language: 'en' });
    await publish('ConversationQueued', { queueId: 'web' });
    await publish('AgentAssigned', { agentId: 'us-bob', reason: 'follow-the-sun', agentRegion: 'us' });
    expect((await until(2)).slice(0, 2)).toEqual([
      { kind: 'waiting', agentId: '', agentRegion: '' },
      { kind: 'assigned', agentId: 'us-bob', agentRegion: 'us', previousAgentId: '', previousAgentRegion: '' },
    ]);
    return { feed, tenantId, conversationId, publish, until, changes, stop: () => feed.stop() };
  }

  it('releases the agent who leaves in their region on a transfer, and the new agent where routing found them', async () => {
    const { feed, tenantId, conversationId, publish, until, stop } = await feedOf();
    await publish('ConversationTransferred', { fromAgentId: 'us-bob', toAgentId: 'us-carl', toTeamId: '', reason: '', transferredBy: 'sup' });
    // The event does not say where us-carl works: '' until routing finds them (AgentSlots.hold → placeAgent).
    expect((await until(3))[2]).toEqual({ kind: 'assigned', agentId: 'us-carl', agentRegion: '', previousAgentId: 'us-bob', previousAgentRegion: 'us' });
    feed.placeAgent(tenantId, conversationId, 'someone-else', 'ap'); // not the holder: ignored
    feed.placeAgent(tenantId, conversationId, 'us-carl', 'us');
    expect(feed.get(tenantId, conversationId)?.agentRegion).toBe('us');

    // Transferred on to a home agent: us-carl's slot back in us.
    await publish('ConversationTransferred', { fromAgentId: 'us-carl', toAgentId: 'eu-eva', toTeamId: '', reason: '', transferredBy: 'sup' });
    expect((await until(4))[3]).toEqual({ kind: 'assigned', agentId: 'eu-eva', agentRegion: '', previousAgentId: 'us-carl', previousAgentRegion: 'us' });
    await publish('ConversationResolved', { resolvedBy: 'eu-eva' });
    expect((await until(5))[4]).toEqual({ kind: 'closed', agentId: 'eu-eva', agentRegion: '' });
    stop();
  });

  it('releases a remote agent in their region when the conversation ends or goes to a team', async () => {
    const a = await feedOf();
    await a.publish('ConversationTransferred', { fromAgentId: 'us-bob', toAgentId: 'us-carl', toTeamId: '', reason: '', transferredBy: 'sup' });
    await a.until(3);
    a.feed.placeAgent(a.tenantId, a.conversationId, 'us-carl', 'us');
    await a.publish('ConversationResolved', { resolvedBy: 'us-carl' });
    expect((await a.until(4))[3]).toEqual({ kind: 'closed', agentId: 'us-carl', agentRegion: 'us' });
    a.stop();

    const b = await feedOf();
    await b.publish('ConversationTransferred', { fromAgentId: 'us-bob', toAgentId: '', toTeamId: 'billing', reason: '', transferredBy: 'sup' });
    expect((await b.until(4)).slice(2)).toEqual([
      { kind: 'released', agentId: 'us-bob', agentRegion: 'us' },
      { kind: 'waiting', agentId: '', agentRegion: '' },
    ]);
    b.stop();
  });
});
