/**
 * CloudEvents 1.0 over NATS in binary content mode (the NATS protocol binding
 * 1.0.2): each context attribute is a `ce-<name>` header, the data is the
 * message body and `content-type` its media type. The `cloudevents` SDK has
 * no NATS binding, hence this small codec.
 *
 * @example
 *   const msg = encodeCloudEvent(recordedEvent, { region: 'eu-1' });
 *   await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
 *   // on the consumer side:
 *   const event = decodeCloudEvent(jsMsg); // { type: 'contactcenter.conversation.v1.MessagePosted', data: {...}, ... }
 */
import { ValidationError } from '@contactcenter/infra/errors';
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

export const SPEC_VERSION = '1.0';
export const TYPE_PREFIX = 'contactcenter.conversation.v1.';
export const CONTENT_TYPE = 'application/json';
/** The header JetStream deduplicates on, within the stream's duplicate window. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** Metadata keys of conversation events that the relay reads (written by the conversation service). */
export const TENANT_METADATA = 'tenant_id';
export const CONVERSATION_METADATA = 'conversation_id';

/** A decoded conversation CloudEvent. Extension attributes are strings, as binary mode carries them. */
export interface ConversationCloudEvent {
  specversion: string;
  /** The event store's event id (also `Nats-Msg-Id`). */
  id: string;
  /** `/contactcenter/<region>/conversation` */
  source: string;
  /** `contactcenter.conversation.v1.<EventType>` */
  type: string;
  /** The conversation id, when the event carried one. */
  subject?: string;
  time?: string;
  datacontenttype?: string;
  /** Extension: the tenant. */
  tenantid?: string;
  /** Extension: the event's revision within its conversation stream (0-based, decimal). */
  sequence?: string;
  /** Extension: the event store's global position (opaque). */
  position?: string;
  data: unknown;
}

export interface EncodedCloudEvent {
  subject: string;
  headers: MsgHdrs;
  data: Uint8Array;
  msgID: string;
}

/** Subject tokens: letters, digits, `_` and `-` (never `.`, `*`, `>` or whitespace, which change a subject's meaning). */
const SAFE_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** Header values must not break the header block. */
const SAFE_HEADER_VALUE = /^[^\r\n\0]*$/;

function requireToken(field: string, value: string | undefined): string {
  if (value === undefined || !SAFE_TOKEN.test(value)) {
    throw new ValidationError(field, `must be 1-128 characters of [A-Za-z0-9_-] to be a NATS subject token, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The subject of a conversation event: `cc.<tenant>.conversation.<EventType>`,
 * so consumers can filter by tenant (`cc.acme.>`) or type (`cc.*.conversation.MessagePosted`).
 * @throws ValidationError when either part is not a safe subject token.
 */
export function conversationEventSubject(tenantId: string, eventType: string): string {
  return `cc.${requireToken('tenant_id', tenantId)}.conversation.${requireToken('type', eventType)}`;
}

/** The CloudEvents `source` of a region's conversation service. */
export function conversationSource(region: string): string {
  return `/contactcenter/${encodeURIComponent(region)}/conversation`;
}

/**
 * A recorded conversation event as a NATS message: subject, `ce-*` headers,
 * `Nats-Msg-Id` = event id, JSON body.
 * @throws ValidationError when the event lacks a safe tenant id or type.
 */
export function encodeCloudEvent(event: RecordedEvent, options: { region: string }): EncodedCloudEvent {
  const tenantId = event.metadata[TENANT_METADATA];
  const subject = conversationEventSubject(tenantId ?? '', event.type);
  const conversationId = event.metadata[CONVERSATION_METADATA];
  const h = natsHeaders();
  const set = (name: string, value: string) => {
    if (!SAFE_HEADER_VALUE.test(value)) throw new ValidationError(name, 'must not contain CR, LF or NUL');
    h.set(name, value);
  };
  set('ce-specversion', SPEC_VERSION);
  set('ce-id', event.id);
  set('ce-source', conversationSource(options.region));
  set('ce-type', TYPE_PREFIX + event.type);
  if (conversationId) set('ce-subject', conversationId);
  set('ce-time', event.recordedAt.toISOString());
  set('ce-tenantid', tenantId!);
  set('ce-sequence', String(event.revision));
  set('ce-position', event.position);
  set('content-type', CONTENT_TYPE);
  set(MSG_ID_HEADER, event.id);
  const body = JSON.stringify(event.data ?? null);
  return { subject, headers: h, data: new TextEncoder().encode(body), msgID: event.id };
}

/**
 * A NATS message (core or JetStream) carrying a conversation CloudEvent, back as an object.
 * @throws ValidationError when a required attribute is missing or the body is not JSON.
 */
export function decodeCloudEvent(msg: { headers?: MsgHdrs; data: Uint8Array }): ConversationCloudEvent {
  const h = msg.headers;
  const get = (name: string): string | undefined => (h?.has(name) ? h.get(name) : undefined);
  const required = (name: string): string => {
    const value = get(`ce-${name}`);
    if (!value) throw new ValidationError(`ce-${name}`, 'is required in a CloudEvent');
    return value;
  };
  const specversion = required('specversion');
  if (specversion !== SPEC_VERSION) throw new ValidationError('ce-specversion', `unsupported version ${JSON.stringify(specversion)}`);
  const datacontenttype = get('content-type');
  let data: unknown;
  try {
    data = msg.data.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(msg.data));
  } catch (err) {
    throw new ValidationError('data', 'is not JSON', { cause: err });
  }
  const event: ConversationCloudEvent = { specversion, id: required('id'), source: required('source'), type: required('type'), data };
  const optional = { subject: get('ce-subject'), time: get('ce-time'), datacontenttype, tenantid: get('ce-tenantid'), sequence: get('ce-sequence'), position: get('ce-position') };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (event as unknown as Record<string, string>)[key] = value;
  return event;
}

/** The event type (`MessagePosted`) of a decoded CloudEvent's `type`, or undefined for foreign types. */
export function eventTypeOf(cloudEventType: string): string | undefined {
  return cloudEventType.startsWith(TYPE_PREFIX) ? cloudEventType.slice(TYPE_PREFIX.length) : undefined;
}
