/**
 * CloudEvents 1.0 over NATS in binary content mode (the NATS protocol binding
 * 1.0.2): each context attribute is a `ce-<name>` header, the data is the
 * message body and `content-type` its media type; `Nats-Msg-Id` carries the
 * event id so that JetStream drops a republished event. The `cloudevents` SDK
 * has no NATS binding, hence this small codec, shared by every publisher of
 * domain events (the conversation relay, presence, routing).
 *
 * @example
 *   const msg = encodeCloudEventMessage(`cc.acme.presence.AgentStatusChanged`, {
 *     id, source: '/contactcenter/eu-1/presence', type: 'contactcenter.presence.v1.AgentStatusChanged',
 *     time: new Date(), tenantid: 'acme', subject: 'agent-7',
 *   }, { status: 'online' });
 *   await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
 *   const event = decodeCloudEvent(jsMsg); // { id, type, data: { status: 'online' }, ... }
 */
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { ValidationError } from '../errors';

export const SPEC_VERSION = '1.0';
export const CONTENT_TYPE = 'application/json';
/** The header JetStream deduplicates on, within the stream's duplicate window. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** Context attributes; extension attributes are strings, as binary mode carries them. */
export interface CloudEventAttributes {
  /** Unique per event; also `Nats-Msg-Id`. */
  id: string;
  /** `/contactcenter/<region>/<service>` */
  source: string;
  /** `contactcenter.<context>.v1.<EventType>` */
  type: string;
  /** The entity the event is about (a conversation id, an agent id). */
  subject?: string;
  time: Date;
  /** Extension: the tenant. */
  tenantid: string;
  /** Further extension attributes (lower-case letters and digits). */
  extensions?: Record<string, string>;
}

/** A decoded CloudEvent. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  tenantid?: string;
  data: unknown;
  [extension: string]: unknown;
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
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const utf8 = new TextDecoder();
const utf8Out = new TextEncoder();
const RESERVED = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'tenantid', 'datacontenttype', 'data']);

/** `value` as one token of a NATS subject. @throws ValidationError naming `field` otherwise. */
export function subjectToken(field: string, value: string | undefined): string {
  if (value === undefined || !SAFE_TOKEN.test(value)) {
    throw new ValidationError(field, `must be 1-128 characters of [A-Za-z0-9_-] to be a NATS subject token, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The CloudEvents `source` of a service in a region. */
export function eventSource(region: string, service: string): string {
  return `/contactcenter/${encodeURIComponent(region)}/${service}`;
}

/**
 * An event as a NATS message on `natsSubject`: `ce-*` headers, JSON body, `Nats-Msg-Id` = id.
 * @throws ValidationError when a header value would break the header block or an extension name is invalid.
 */
export function encodeCloudEventMessage(natsSubject: string, attributes: CloudEventAttributes, data: unknown): EncodedCloudEvent {
  const h = natsHeaders();
  const set = (name: string, value: string) => {
    if (!SAFE_HEADER_VALUE.test(value)) throw new ValidationError(name, 'must not contain CR, LF or NUL');
    // Each name comes once (extension names cannot be reserved ones nor contain '-'): no earlier value to replace.
    h.append(name, value);
  };
  set('ce-specversion', SPEC_VERSION);
  set('ce-id', attributes.id);
  set('ce-source', attributes.source);
  set('ce-type', attributes.type);
  if (attributes.subject) set('ce-subject', attributes.subject);
  set('ce-time', attributes.time.toISOString());
  set('ce-tenantid', attributes.tenantid);
  for (const [name, value] of Object.entries(attributes.extensions ?? {})) {
    if (!EXTENSION_NAME.test(name) || RESERVED.has(name)) throw new ValidationError(`ce-${name}`, 'is not a valid extension attribute name');
    set(`ce-${name}`, value);
  }
  set('content-type', CONTENT_TYPE);
  set(MSG_ID_HEADER, attributes.id);
  const body = JSON.stringify(data ?? null);
  return { subject: natsSubject, headers: h, data: utf8Out.encode(body), msgID: attributes.id };
}

/**
 * A NATS message (core or JetStream) carrying a CloudEvent, back as an object;
 * every `ce-*` header becomes an attribute.
 * @throws ValidationError when a required attribute is missing or the body is not JSON.
 */
export function decodeCloudEvent(msg: { headers?: MsgHdrs; data: Uint8Array }): CloudEvent {
  // One pass over the headers: the library's get() and has() list and filter every key on each call.
  const first = new Map<string, string>();
  if (msg.headers) for (const [key, values] of msg.headers) if (values.length > 0) first.set(key, values[0]!);
  const required = (name: string): string => {
    const value = first.get(`ce-${name}`);
    if (!value) throw new ValidationError(`ce-${name}`, 'is required in a CloudEvent');
    return value;
  };
  const specversion = required('specversion');
  if (specversion !== SPEC_VERSION) throw new ValidationError('ce-specversion', `unsupported version ${JSON.stringify(specversion)}`);
  let data: unknown;
  try {
    data = msg.data.length === 0 ? undefined : JSON.parse(utf8.decode(msg.data));
  } catch (err) {
    throw new ValidationError('data', 'is not JSON', { cause: err });
  }
  const event: CloudEvent = { specversion, id: required('id'), source: required('source'), type: required('type'), data };
  for (const [key, value] of first) {
    const lower = key.toLowerCase();
    if (!lower.startsWith('ce-')) continue;
    const name = lower.slice(3);
    if (name === 'specversion' || name === 'id' || name === 'source' || name === 'type' || name === 'data') continue;
    event[name] = value;
  }
  const contentType = first.get('content-type');
  if (contentType !== undefined) event.datacontenttype = contentType;
  return event;
}
