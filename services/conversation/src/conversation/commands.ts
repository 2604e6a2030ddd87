import type {
  AssignmentDecision,
  Attachment,
  AuthorKind,
  Channel,
  DeliveryStatus,
  MessageTemplate,
  Priority,
  SurveyAnswer,
  SurveyQuestion,
  TicketStatus,
} from '@contactcenter/proto/conversation/v1';
import type { Command } from './decider';

/**
 * What `decide` may not produce by itself: the tenant and actor (from the
 * call's metadata), the clock, and a fresh id for whatever the command creates
 * (message id, note id). The caller generates all of them.
 */
export type ConversationCommandMetadata = Readonly<{
  tenantId: string;
  actorId: string;
  now: Date;
  newId: string;
}>;

type ConversationCommandOf<Type extends string, Data> = Command<
  Type,
  Readonly<{ conversationId: string } & Data>,
  ConversationCommandMetadata
>;

// The data shapes are structurally compatible with the generated gRPC request
// messages (e.g. PostMessageRequest), so the edge can pass a request as `data`.

/** `conversationId` is required here: the caller picks one when the client did not. */
export type StartConversation = ConversationCommandOf<
  'StartConversation',
  {
    channel: Channel;
    customerId: string;
    language: string;
    region: string;
    subject: string;
    invitationId?: string;
    /** The app or address the customer wrote through ("email", "whatsapp", ...); absent or '' for chat. */
    channelProvider?: string;
    /**
     * Started straight into this queue (ConversationQueued in the same append), as QueueConversation
     * would queue it. Its own `conversationId` is empty or the started one's; `expectedRevision` is not taken.
     */
    queue?: QueuePlacement | undefined;
  }
>;

export type QueuePlacement = Readonly<{ conversationId?: string; expectedRevision?: number | undefined; queueId: string; teamId?: string; firstReplyDueAt?: Date | undefined }>;

export type PostMessage = ConversationCommandOf<
  'PostMessage',
  {
    authorKind: AuthorKind;
    /** Empty: the actor from the metadata. */
    authorId: string;
    text: string;
    attachments: readonly Attachment[];
    /** Empty: no idempotency key. */
    clientMessageId: string;
    /** Empty: unknown. */
    language: string;
    /** Empty: typed, not from a canned response. */
    cannedResponseId?: string;
    /** Messaging apps: an approved template, the only kind of message allowed once the customer-service window closed. */
    template?: MessageTemplate | undefined;
  }
>;

/**
 * `teamId`: the team serving the queue ('' when any agent may), kept for per-team figures.
 * `firstReplyDueAt`: when the queue's service level wants the first agent reply (absent: the queue promises none).
 */
export type QueueConversation = ConversationCommandOf<'QueueConversation', Omit<QueuePlacement, 'conversationId' | 'expectedRevision'>>;

/**
 * `decision` is set by routing (candidates, strategy, policy); absent when a supervisor assigns by hand.
 * `agentRegion`: the region whose agent takes it (follow-the-sun); empty or absent: the conversation's own region.
 */
export type AssignAgent = ConversationCommandOf<
  'AssignAgent',
  { agentId: string; reason: string; decision?: AssignmentDecision | undefined; agentRegion?: string }
>;

export type TransferTarget = { $case: 'toAgentId'; value: string } | { $case: 'toTeamId'; value: string };

export type TransferConversation = ConversationCommandOf<
  'TransferConversation',
  { target: TransferTarget | undefined; reason: string }
>;

/** `agentId` empty: the actor from the metadata. */
export type AddInternalNote = ConversationCommandOf<'AddInternalNote', { agentId: string; text: string }>;

export type TagConversation = ConversationCommandOf<
  'TagConversation',
  { add: readonly string[]; remove: readonly string[] }
>;

export type SetPriority = ConversationCommandOf<'SetPriority', { priority: Priority }>;

export type ResolveConversation = ConversationCommandOf<'ResolveConversation', unknown>;

export type ReopenConversation = ConversationCommandOf<'ReopenConversation', { reason: string }>;

export type ConvertToTicket = ConversationCommandOf<'ConvertToTicket', { ticketStatus: TicketStatus }>;

export type SetTicketStatus = ConversationCommandOf<'SetTicketStatus', { ticketStatus: TicketStatus }>;

export type LinkCustomerIdentity = ConversationCommandOf<
  'LinkCustomerIdentity',
  { linkedCustomerId: string; method: string; reason?: string }
>;

export type UnlinkCustomerIdentity = ConversationCommandOf<'UnlinkCustomerIdentity', { linkedCustomerId: string; reason: string }>;

/** `occurredAt`: when the provider says it happened; absent: the command's time. */
export type RecordMessageDelivery = ConversationCommandOf<
  'RecordMessageDelivery',
  {
    messageId: string;
    status: DeliveryStatus;
    providerMessageId: string;
    detail: string;
    willRetry: boolean;
    occurredAt?: Date | undefined;
  }
>;

/** Exactly one of `text` (a translation) and `failure` (why there is none) is set. */
export type RecordTranslation = ConversationCommandOf<
  'RecordTranslation',
  { messageId: string; sourceLanguage: string; targetLanguage: string; text: string; provider: string; failure: string; detail: string }
>;

export type ChangeCustomerLanguage = ConversationCommandOf<'ChangeCustomerLanguage', { language: string; detected: boolean }>;

/** A survey sent in a resolved conversation, its questions already in the customer's language. */
export type RequestSurvey = ConversationCommandOf<
  'RequestSurvey',
  {
    surveyId: string;
    surveyVersion: string;
    title: string;
    language: string;
    questions: readonly SurveyQuestion[];
    /** "resolved" (sent on resolution) or "agent" (an agent asked for it). */
    trigger: string;
    editWindowSeconds: number;
  }
>;

/** The customer's answers; the actor must be the conversation's customer. */
export type RecordSurveyResponse = ConversationCommandOf<'RecordSurveyResponse', { surveyId: string; answers: readonly SurveyAnswer[] }>;

export type ConversationCommand =
  | StartConversation
  | PostMessage
  | QueueConversation
  | AssignAgent
  | TransferConversation
  | AddInternalNote
  | TagConversation
  | SetPriority
  | ResolveConversation
  | ReopenConversation
  | ConvertToTicket
  | SetTicketStatus
  | LinkCustomerIdentity
  | UnlinkCustomerIdentity
  | RecordMessageDelivery
  | RecordTranslation
  | ChangeCustomerLanguage
  | RequestSurvey
  | RecordSurveyResponse;

export type ConversationCommandType = ConversationCommand['type'];
