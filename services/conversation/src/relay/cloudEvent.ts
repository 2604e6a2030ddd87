/**
 * Conversation events as CloudEvents on NATS (codec: `@contactcenter/infra/events`):
 * subject `cc.<tenant>.conversation.<EventType>`, type
 * `contactcenter.conversation.v1.<EventType>`, `ce-subject` the conversation
 * id, extensions `sequence` (revision in the conversation) and `position`
 * (the event store's global position).
 *
 * @example
 *   const msg = encodeCloudEvent(recordedEvent, { region: 'eu-1' });
 *   await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
 *   const event = decodeCloudEvent(jsMsg); // { type: 'contactcenter.conversation.v1.MessagePosted', data: {...}, ... }
 */
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { decodeCloudEvent, encodeCloudEventMessage, eventSource, eventSubject, NO_AGGREGATE, type CloudEvent, type EncodedCloudEvent } from '@contactcenter/infra/events';

export { decodeCloudEvent, MSG_ID_HEADER, type EncodedCloudEvent } from '@contactcenter/infra/events';

export const TYPE_PREFIX = 'contactcenter.conversation.v1.';

/** Metadata keys of conversation events that the relay reads (written by the conversation service). */
export const TENANT_METADATA = 'tenant_id';
export const CONVERSATION_METADATA = 'conversation_id';
/** The W3C traceparent of the command that appended the event; the relay's publish continues that trace. */
export const TRACE_METADATA = 'traceparent';

/** A decoded conversation CloudEvent. */
export interface ConversationCloudEvent extends CloudEvent {
  /** The conversation id, when the event carried one. */
  subject?: string;
  /** Extension: the event's revision within its conversation stream (0-based, decimal). */
  sequence?: string;
  /** Extension: the event store's global position (opaque). */
  position?: string;
}

/**
 * The subject of a conversation event: `cc.<tenant>.conversation.<EventType>.<conversation>`,
 * so consumers can filter by tenant (`cc.acme.>`), type (`cc.*.conversation.MessagePosted.>`)
 * or conversation (`cc.acme.*.*.c-42`).
 * @throws ValidationError when a part is not a safe subject token.
 */
export function conversationEventSubject(tenantId: string, eventType: string, conversationId: string): string {
  return eventSubject(tenantId, 'conversation', eventType, conversationId);
}

/** The CloudEvents `source` of a region's conversation service. */
export function conversationSource(region: string): string {
  return eventSource(region, 'conversation');
}

/**
 * A recorded conversation event as a NATS message: subject, `ce-*` headers,
 * `Nats-Msg-Id` = event id, JSON body.
 * @throws ValidationError when the event lacks a safe tenant id or type.
 */
export function encodeCloudEvent(event: RecordedEvent, options: { region: string }): EncodedCloudEvent {
  const tenantId = event.metadata[TENANT_METADATA];
  const conversationId = event.metadata[CONVERSATION_METADATA];
  const subject = conversationEventSubject(tenantId ?? '', event.type, conversationId ?? NO_AGGREGATE);
  return encodeCloudEventMessage(
    subject,
    {
      id: event.id,
      source: conversationSource(options.region),
      type: TYPE_PREFIX + event.type,
      ...(conversationId ? { subject: conversationId } : {}),
      time: event.recordedAt,
      tenantid: tenantId!,
      extensions: { sequence: String(event.revision), position: event.position },
    },
    event.data,
  );
}

/** The event type (`MessagePosted`) of a decoded CloudEvent's `type`, or undefined for foreign types. */
export function eventTypeOf(cloudEventType: string): string | undefined {
  return cloudEventType.startsWith(TYPE_PREFIX) ? cloudEventType.slice(TYPE_PREFIX.length) : undefined;
}
