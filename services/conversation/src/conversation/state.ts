import type { Channel, ConversationSurvey, Priority, TicketStatus } from '@contactcenter/proto/conversation/v1';

/** What a started conversation knows whatever its status. */
export type ConversationDetails = Readonly<{
  conversationId: string;
  tenantId: string;
  channel: Channel;
  customerId: string;
  language: string;
  region: string;
  subject: string;
  /** The proactive invitation it came from ('' when none; absent in states from before invitations were recorded). */
  invitationId?: string;
  startedAt: Date;
  /** Time of the latest event. */
  updatedAt: Date;
  /** The queue it waits (or last waited) in; '' when none. */
  queueId: string;
  /** The team it was transferred to; '' when none. */
  teamId: string;
  priority: Priority;
  tags: readonly string[];
  /** TICKET_STATUS_UNSPECIFIED while it has not been converted to a ticket. */
  ticketStatus: TicketStatus;
  /** Other identities of the same customer, in the order they were linked. */
  linkedCustomerIds: readonly string[];
  /** client_message_id → message_id, so that a retried post is written once. */
  messageIdsByClientMessageId: ReadonlyMap<string, string>;
  /** message_id → the language it was posted in ('' when unknown): which messages exist, for translations. */
  messageLanguages: ReadonlyMap<string, string>;
  /** "<message_id> <language>" → provider, for each translation recorded: each is recorded once. */
  translations: ReadonlyMap<string, string>;
  messageCount: number;
  lastMessageAt: Date | undefined;
  /** Surveys sent, in order, with their latest answers (absent in states from before surveys existed). */
  surveys?: readonly ConversationSurvey[];
  /** The app or address the customer wrote through ("email", "whatsapp", ...); absent or '' for chat. */
  channelProvider?: string;
  /** When the customer last wrote: messaging apps' reply windows run from it. */
  lastCustomerMessageAt?: Date | undefined;
  /** "<message_id> <DeliveryStatus>" for each delivery status recorded (see deliveryKey). */
  deliveries?: ReadonlyMap<string, string>;
  /** When the first agent reply is due under the service level of the queue it was last put in with one; absent: none promised. */
  firstReplyDueAt?: Date;
}>;

/**
 * `revision` is the stream revision of the last event folded in (0 = the
 * first event, -1 = none), so that decide can stamp a message with the
 * revision it will be recorded at.
 */
export type InitialConversation = Readonly<{ status: 'initial'; revision: number }>;
/** Started, not waiting in a queue (also after a reopen). */
export type OpenConversation = Readonly<{ status: 'open'; revision: number; details: ConversationDetails }>;
/** Waiting for an agent: in `details.queueId`, or for `details.teamId` after a transfer to a team. */
export type QueuedConversation = Readonly<{ status: 'queued'; revision: number; details: ConversationDetails }>;
export type AssignedConversation = Readonly<{
  status: 'assigned';
  revision: number;
  details: ConversationDetails;
  agentId: string;
}>;
export type ResolvedConversation = Readonly<{
  status: 'resolved';
  revision: number;
  details: ConversationDetails;
  resolvedAt: Date;
  resolvedBy: string;
  /** The agent who held it when it was resolved; '' when none did. */
  lastAgentId: string;
}>;

export type StartedConversation = OpenConversation | QueuedConversation | AssignedConversation | ResolvedConversation;
export type ConversationState = InitialConversation | StartedConversation;

/** Key of `details.deliveries`. */
export const deliveryKey = (messageId: string, status: number): string => `${messageId} ${status}`;

/** Key of `details.translations`. */
export const translationKey = (messageId: string, language: string): string => `${messageId} ${language.toLowerCase()}`;

export const initialState = (): ConversationState => ({ status: 'initial', revision: -1 });

export const isStarted = (state: ConversationState): state is StartedConversation => state.status !== 'initial';

/**
 * The message id written for a client_message_id, if any: what a caller
 * answers (with `duplicate: true`) when decide returned no events for a retry.
 *
 * @example
 *   const events = decide(postMessage, state);
 *   if (events.length === 0) return { duplicate: true, messageId: findMessageIdByClientMessageId(state, id) };
 */
export const findMessageIdByClientMessageId = (
  state: ConversationState,
  clientMessageId: string,
): string | undefined =>
  isStarted(state) && clientMessageId !== ''
    ? state.details.messageIdsByClientMessageId.get(clientMessageId)
    : undefined;
