import { ConversationStatus, type Conversation } from '@contactcenter/proto/conversation/v1';
import type { ConversationState, StartedConversation } from './state';
import { replyRule } from './replyWindow';

const statusOf: Record<StartedConversation['status'], ConversationStatus> = {
  open: ConversationStatus.CONVERSATION_STATUS_OPEN,
  queued: ConversationStatus.CONVERSATION_STATUS_QUEUED,
  assigned: ConversationStatus.CONVERSATION_STATUS_ASSIGNED,
  resolved: ConversationStatus.CONVERSATION_STATUS_RESOLVED,
};

/**
 * The read model `Conversation` of a folded state; undefined before it was
 * started. `revision` is the state's (the last event folded in); a caller
 * that folded a partial stream should set it from the store.
 * A resolved conversation keeps the agent who held it as `assigned_agent_id`.
 *
 * @example
 *   const view = conversationView(events.reduce(evolve, initialState()));
 */
export function conversationView(state: ConversationState): Conversation | undefined {
  if (state.status === 'initial') return undefined;
  const { details } = state;
  return {
    conversationId: details.conversationId,
    tenantId: details.tenantId,
    channel: details.channel,
    customerId: details.customerId,
    language: details.language,
    region: details.region,
    subject: details.subject,
    status: statusOf[state.status],
    queueId: details.queueId,
    assignedAgentId:
      state.status === 'assigned' ? state.agentId : state.status === 'resolved' ? state.lastAgentId : '',
    teamId: details.teamId,
    priority: details.priority,
    tags: [...details.tags],
    ticketStatus: details.ticketStatus,
    startedAt: details.startedAt,
    updatedAt: details.updatedAt,
    resolvedAt: state.status === 'resolved' ? state.resolvedAt : undefined,
    revision: state.revision,
    messageCount: details.messageCount,
    lastMessageAt: details.lastMessageAt,
    surveys: [...(details.surveys ?? [])],
    ...(details.channelProvider ? { channelProvider: details.channelProvider } : {}),
    replyWindowClosesAt: replyWindowClosesAt(details.channelProvider, details.lastCustomerMessageAt, details.startedAt),
    ...(details.firstReplyDueAt ? { firstReplyDueAt: details.firstReplyDueAt } : {}),
  };
}

/** A conversation the business started on a messaging app is closed from its start until the customer writes. */
function replyWindowClosesAt(provider: string | undefined, lastCustomerMessageAt: Date | undefined, startedAt: Date): Date | undefined {
  const rule = replyRule(provider, lastCustomerMessageAt);
  return rule.kind === 'window' ? (rule.closesAt ?? startedAt) : undefined;
}
