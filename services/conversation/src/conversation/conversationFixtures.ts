import { Channel, Priority, TicketStatus, AuthorKind } from '@contactcenter/proto/conversation/v1';
import type { ConversationCommand, ConversationCommandMetadata, ConversationCommandType } from './commands';
import type { ConversationEventMetadata, ConversationEventOf, ConversationEventType } from './events';

// Test support: a conversation of tenant `acme` and builders for its commands and events.

export const tenantId = 'acme';
export const conversationId = 'conv-1';
export const customerId = 'cust-42';
export const actorId = 'agent-7';
export const now = new Date('2025-03-04T05:06:07.000Z');

export const metadata = (overrides: Partial<ConversationCommandMetadata> = {}): ConversationCommandMetadata => ({
  tenantId,
  actorId,
  now,
  newId: 'new-1',
  ...overrides,
});

export const eventMetadata = (overrides: Partial<ConversationEventMetadata> = {}): ConversationEventMetadata => ({
  tenantId,
  actorId,
  ...overrides,
});

type CommandOf<T extends ConversationCommandType> = Extract<ConversationCommand, { type: T }>;

/** A command on `conv-1`; `conversationId` may be overridden through `data`. */
export const command = <T extends ConversationCommandType>(
  type: T,
  data: Omit<CommandOf<T>['data'], 'conversationId'> & { conversationId?: string },
  meta: Partial<ConversationCommandMetadata> = {},
): CommandOf<T> => ({ type, data: { conversationId, ...data }, metadata: metadata(meta) }) as unknown as CommandOf<T>;

type EventData<T extends ConversationEventType> = ConversationEventOf<T>['data'];

/** An event of `conv-1` at `now` (both may be overridden through `data`). */
export const event = <T extends ConversationEventType>(
  type: T,
  data: Omit<EventData<T>, 'conversationId' | 'occurredAt'> & Partial<Pick<EventData<T>, 'conversationId' | 'occurredAt'>>,
  meta: Partial<ConversationEventMetadata> = {},
): ConversationEventOf<T> =>
  ({ type, data: { conversationId, occurredAt: now, ...data }, metadata: eventMetadata(meta) }) as unknown as ConversationEventOf<T>;

export const startData = {
  channel: Channel.CHANNEL_CHAT,
  customerId,
  language: 'pt-BR',
  region: 'eu-west',
  subject: 'Where is my order?',
  invitationId: '',
};

export const started = (at: Date = now) => event('ConversationStarted', { tenantId, ...startData, occurredAt: at });
export const queued = (queueId = 'support-pt', teamId = '') => event('ConversationQueued', { queueId, teamId });
export const assigned = (agentId = 'agent-7', reason = 'least busy', agentRegion?: string) =>
  event('AgentAssigned', { agentId, reason, decision: undefined, ...(agentRegion ? { agentRegion } : {}) });
export const resolved = (resolvedBy = actorId) => event('ConversationResolved', { resolvedBy });
export const reopened = (reason = '') => event('ConversationReopened', { reopenedBy: actorId, reason });
export const ticket = (ticketStatus = TicketStatus.TICKET_STATUS_OPEN) =>
  event('ConvertedToTicket', { ticketStatus, convertedBy: actorId });
export const tagged = (added: string[], removed: string[] = []) =>
  event('ConversationTagged', { added, removed, taggedBy: actorId });
export const priorityChanged = (priority: Priority, previous = Priority.PRIORITY_NORMAL) =>
  event('PriorityChanged', { priority, previous, changedBy: actorId });
export const linked = (linkedCustomerId: string) =>
  event('CustomerIdentityLinked', { customerId, linkedCustomerId, method: 'email-address', linkedBy: actorId });
export const transferredToTeam = (toTeamId: string, fromAgentId = '') =>
  event('ConversationTransferred', { fromAgentId, toAgentId: '', toTeamId, reason: '', transferredBy: actorId });

/** A customer's message, as decide would write it. */
export const customerMessage = (messageId: string, clientMessageId: string, revision: number, text = 'Olá', assignedAgentId = '') =>
  event('MessagePosted', {
    customerLanguage: startData.language,
    assignedAgentId,
    message: {
      messageId,
      authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
      authorId: customerId,
      translations: [],
      cannedResponseId: '',
      text,
      attachments: [],
      clientMessageId,
      language: '',
      postedAt: now,
      revision,
    },
  });
