import type * as v1 from '@contactcenter/proto/conversation/v1';
import type { Event } from './decider';

/** Who caused an event, for audit and routing on the bus; `data` says what happened. */
export type ConversationEventMetadata = Readonly<{ tenantId: string; actorId: string }>;

type ConversationEventOfData<Type extends string, Data> = Event<Type, Data, ConversationEventMetadata>;

/**
 * Every event of the conversation aggregate. `type` is the proto message
 * name and `data` the generated interface: events are defined once, in
 * proto/contactcenter/conversation/v1/events.proto.
 */
export type ConversationEvent =
  | ConversationEventOfData<'ConversationStarted', v1.ConversationStarted>
  | ConversationEventOfData<'MessagePosted', v1.MessagePosted>
  | ConversationEventOfData<'ConversationQueued', v1.ConversationQueued>
  | ConversationEventOfData<'AgentAssigned', v1.AgentAssigned>
  | ConversationEventOfData<'ConversationTransferred', v1.ConversationTransferred>
  | ConversationEventOfData<'InternalNoteAdded', v1.InternalNoteAdded>
  | ConversationEventOfData<'ConversationTagged', v1.ConversationTagged>
  | ConversationEventOfData<'PriorityChanged', v1.PriorityChanged>
  | ConversationEventOfData<'ConversationResolved', v1.ConversationResolved>
  | ConversationEventOfData<'ConversationReopened', v1.ConversationReopened>
  | ConversationEventOfData<'ConvertedToTicket', v1.ConvertedToTicket>
  | ConversationEventOfData<'TicketStatusChanged', v1.TicketStatusChanged>
  | ConversationEventOfData<'CustomerIdentityLinked', v1.CustomerIdentityLinked>
  | ConversationEventOfData<'CustomerIdentityUnlinked', v1.CustomerIdentityUnlinked>
  | ConversationEventOfData<'MessageDeliveryUpdated', v1.MessageDeliveryUpdated>
  | ConversationEventOfData<'MessageTranslated', v1.MessageTranslated>
  | ConversationEventOfData<'MessageTranslationFailed', v1.MessageTranslationFailed>
  | ConversationEventOfData<'CustomerLanguageChanged', v1.CustomerLanguageChanged>
  | ConversationEventOfData<'SurveyRequested', v1.SurveyRequested>
  | ConversationEventOfData<'SurveyAnswered', v1.SurveyAnswered>;

export type ConversationEventType = ConversationEvent['type'];

/** The event of one type, e.g. `ConversationEventOf<'MessagePosted'>`. */
export type ConversationEventOf<Type extends ConversationEventType> = Extract<ConversationEvent, { type: Type }>;

// A record, not an array, so that the compiler insists on every type.
const eventTypes: Record<ConversationEventType, true> = {
  ConversationStarted: true,
  MessagePosted: true,
  ConversationQueued: true,
  AgentAssigned: true,
  ConversationTransferred: true,
  InternalNoteAdded: true,
  ConversationTagged: true,
  PriorityChanged: true,
  ConversationResolved: true,
  ConversationReopened: true,
  ConvertedToTicket: true,
  TicketStatusChanged: true,
  CustomerIdentityLinked: true,
  CustomerIdentityUnlinked: true,
  MessageDeliveryUpdated: true,
  MessageTranslated: true,
  MessageTranslationFailed: true,
  CustomerLanguageChanged: true,
  SurveyRequested: true,
  SurveyAnswered: true,
};

export const conversationEventTypes = Object.keys(eventTypes) as readonly ConversationEventType[];

export const isConversationEventType = (type: string): type is ConversationEventType =>
  Object.hasOwn(eventTypes, type);
