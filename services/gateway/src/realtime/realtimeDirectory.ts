import { NotFoundError, unary, type CallOptions } from '@contactcenter/infra';
import { ConversationStatus } from '@contactcenter/proto/conversation/v1';
import type { Peers } from '../peers';

/** What a socket asks of the other services when it opens or subscribes. */
export interface RealtimeDirectory {
  /** The conversations whose customer is `customerId` (not those of linked identities): a visitor socket follows these. */
  conversationsOfCustomer(call: CallOptions, customerId: string): Promise<string[]>;
  /** The conversations assigned to `agentId` now: an agent socket follows these from the start. */
  assignedTo(call: CallOptions, agentId: string): Promise<string[]>;
  conversationExists(call: CallOptions, conversationId: string): Promise<boolean>;
  queueExists(call: CallOptions, queueId: string): Promise<boolean>;
  /** Every team of the tenant (one call, however many ids a subscription names). */
  teamIds(call: CallOptions): Promise<Set<string>>;
}

const PAGE = 200;
/** A socket follows at most this many conversations from the start; more are subscribed to by id. */
const MAX_SEEDED = 1_000;

/** The directory over the conversation and routing services. */
export function realtimeDirectoryOf(peers: Pick<Peers, 'conversation' | 'routing'>): RealtimeDirectory {
  const { conversation, routing } = peers;
  const notFoundIsFalse = (err: unknown) => {
    if (err instanceof NotFoundError) return false;
    throw err;
  };
  return {
    async conversationsOfCustomer(call, customerId) {
      const ids: string[] = [];
      let pageToken = '';
      do {
        const page = await unary(conversation, conversation.getCustomerTimeline, { customerId, pageSize: PAGE, pageToken }, call);
        for (const entry of page.entries) if (entry.conversation?.customerId === customerId) ids.push(entry.conversation.conversationId);
        pageToken = page.nextPageToken;
      } while (pageToken && ids.length < MAX_SEEDED);
      return ids;
    },
    async assignedTo(call, agentId) {
      const ids: string[] = [];
      let pageToken = '';
      do {
        const page = await unary(conversation, conversation.listConversations, { status: ConversationStatus.CONVERSATION_STATUS_ASSIGNED, queueId: '', assignedAgentId: agentId, pageSize: PAGE, pageToken }, call);
        for (const c of page.conversations) ids.push(c.conversationId);
        pageToken = page.nextPageToken;
      } while (pageToken && ids.length < MAX_SEEDED);
      return ids;
    },
    conversationExists: (call, conversationId) =>
      unary(conversation, conversation.getConversation, { conversationId, includeNotes: false }, call).then(() => true, notFoundIsFalse),
    queueExists: (call, queueId) => unary(routing, routing.getQueue, { queueId }, call).then(() => true, notFoundIsFalse),
    teamIds: async (call) => new Set((await unary(routing, routing.listTeams, {}, call)).teams.map((t) => t.teamId)),
  };
}
