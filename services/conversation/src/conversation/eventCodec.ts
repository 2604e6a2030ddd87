import {
  AgentAssigned,
  ConversationQueued,
  ConversationReopened,
  ConversationResolved,
  ConversationStarted,
  ConversationTagged,
  ConversationTransferred,
  ConvertedToTicket,
  CustomerIdentityLinked,
  CustomerIdentityUnlinked,
  CustomerLanguageChanged,
  MessageDeliveryUpdated,
  MessageTranslated,
  MessageTranslationFailed,
  InternalNoteAdded,
  MessagePosted,
  PriorityChanged,
  SurveyAnswered,
  SurveyRequested,
  TicketStatusChanged,
} from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import {
  isConversationEventType,
  type ConversationEvent,
  type ConversationEventMetadata,
  type ConversationEventOf,
  type ConversationEventType,
} from './events';

type JsonCodec<Data> = { toJSON(data: Data): unknown; fromJSON(json: unknown): Data };

const codecs: { [Type in ConversationEventType]: JsonCodec<ConversationEventOf<Type>['data']> } = {
  ConversationStarted,
  MessagePosted,
  ConversationQueued,
  AgentAssigned,
  ConversationTransferred,
  InternalNoteAdded,
  ConversationTagged,
  PriorityChanged,
  ConversationResolved,
  ConversationReopened,
  ConvertedToTicket,
  TicketStatusChanged,
  CustomerIdentityLinked,
  CustomerIdentityUnlinked,
  MessageDeliveryUpdated,
  MessageTranslated,
  MessageTranslationFailed,
  CustomerLanguageChanged,
  SurveyRequested,
  SurveyAnswered,
};

/**
 * Event data as proto3 JSON (what an event store or the bus keeps). A plain
 * JSON.stringify would turn the Dates into strings that evolve cannot read
 * back; these round-trip through the generated codecs.
 *
 * @example
 *   const json = conversationEventDataToJson(event);
 *   const again = conversationEventFromJson(event.type, json, event.metadata); // deep-equals event
 */
export function conversationEventDataToJson(event: ConversationEvent): unknown {
  return (codecs[event.type] as JsonCodec<ConversationEvent['data']>).toJSON(event.data);
}

export function conversationEventFromJson(
  type: string,
  data: unknown,
  metadata: ConversationEventMetadata,
): ConversationEvent {
  if (!isConversationEventType(type)) throw new ValidationError('type', `unknown conversation event ${JSON.stringify(type)}`);
  const decoded = (codecs[type] as JsonCodec<ConversationEvent['data']>).fromJSON(data);
  return { type, data: decoded, metadata } as ConversationEvent;
}
