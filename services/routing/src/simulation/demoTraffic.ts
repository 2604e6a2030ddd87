import { unary, type CallOptions } from '@contactcenter/infra';
import { AgentStatus, type PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { AuthorKind, Channel, ConversationStatus, type ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { Strategy, type RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import { randomUUID } from 'node:crypto';

export interface TrafficClients {
  conversation: ConversationServiceClient;
  presence: PresenceServiceClient;
  routing: RoutingServiceClient;
}

export interface TrafficPlan {
  tenantId: string;
  agentIds: string[];
  /** Per visitor: handle time in ms once an agent has it. */
  handleMs: number[];
  /** Between two visitors' arrivals. */
  gapMs: number;
  /** The last visitor leaves after waiting this long (undefined: stays). */
  lastLeavesAfterMs?: number;
}

export interface RecordedTraffic {
  /** No traffic between these two (the agents are online): [quietStart, start). */
  quietStart: number;
  start: number;
  end: number;
  conversationIds: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drives a short rush of real chat traffic through running services, so that
 * a replay has a window to read back: agents with one chat each come online,
 * visitors arrive `gapMs` apart into queue `support` (least busy), each agent
 * replies 200 ms after getting a conversation and resolves it after its
 * handle time; the last visitor may leave while waiting. Then the agents sign
 * off, so that nothing more happens.
 */
export async function driveTraffic(c: TrafficClients, plan: TrafficPlan): Promise<RecordedTraffic> {
  const as = (actorId: string): CallOptions => ({ tenantId: plan.tenantId, actorId, deadlineMs: 20_000 });
  const online = () => Promise.all(plan.agentIds.map((agentId) => unary(c.presence, c.presence.heartbeat, { agentId, connectionId: 'desk' }, as(agentId)).catch(() => undefined)));
  for (const agentId of plan.agentIds) {
    const profile = { agentId, displayName: agentId, skills: [{ name: 'billing', level: 5 }], languages: ['en'], capacity: { chat: 1 }, calendar: undefined, translationEnabled: false, teamIds: [] };
    await unary(c.presence, c.presence.upsertAgent, { profile }, as('admin'));
    await unary(c.presence, c.presence.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(agentId));
  }
  await online();
  const queue = { queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [{ name: 'billing', minLevel: 3 }], language: '', priority: 0, strategy: Strategy.STRATEGY_LEAST_BUSY, offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 120, teamId: '', revision: 0 };
  await unary(c.routing, c.routing.upsertQueue, { queue }, as('admin'));
  const heartbeats = setInterval(() => void online(), 5_000);
  const quietStart = Date.now();
  await sleep(500);
  const start = Date.now();
  const ids = plan.handleMs.map(() => randomUUID());
  const startedIds: string[] = [...ids];
  try {
    const visits = ids.map(async (givenId, i) => {
      await sleep(i * plan.gapMs);
      const visitor = `v-${i}`;
      // Started into the queue, as the gateway starts a visitor's.
      const start = { conversationId: givenId, channel: Channel.CHANNEL_CHAT, customerId: visitor, language: 'en', region: 'eu', subject: '', invitationId: '' };
      const started = await unary(c.routing, c.routing.startInQueue, { start, queueId: 'support' }, as(visitor));
      // The service's id: with several regions it carries the region's prefix.
      const conversationId = started.conversationId || givenId;
      startedIds[i] = conversationId;
      if (i === ids.length - 1 && plan.lastLeavesAfterMs !== undefined) {
        await sleep(plan.lastLeavesAfterMs);
        return unary(c.conversation, c.conversation.resolveConversation, { conversationId }, as(visitor));
      }
      const agentId = await assignedAgent(c, conversationId, as(visitor));
      await sleep(200);
      await unary(c.conversation, c.conversation.postMessage, { conversationId, authorKind: AuthorKind.AUTHOR_KIND_AGENT, authorId: agentId, text: 'Hello, how can I help?', attachments: [], clientMessageId: `hi-${conversationId}`, language: 'en', cannedResponseId: '' }, as(agentId));
      await sleep(plan.handleMs[i]! - 200);
      return unary(c.conversation, c.conversation.resolveConversation, { conversationId }, as(agentId));
    });
    await Promise.all(visits);
  } finally {
    clearInterval(heartbeats);
  }
  for (const agentId of plan.agentIds) await unary(c.presence, c.presence.disconnect, { agentId, connectionId: 'desk' }, as(agentId));
  // The last events reach the stream through the relay a moment after they are written.
  await sleep(1_500);
  return { quietStart, start, end: Date.now(), conversationIds: startedIds };
}

async function assignedAgent(c: TrafficClients, conversationId: string, opts: CallOptions): Promise<string> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    const conv = (await unary(c.conversation, c.conversation.getConversation, { conversationId, includeNotes: false }, opts)).conversation;
    if (conv?.status === ConversationStatus.CONVERSATION_STATUS_ASSIGNED && conv.assignedAgentId) return conv.assignedAgentId;
  }
  throw new Error(`conversation ${conversationId} was not assigned within a minute`);
}
