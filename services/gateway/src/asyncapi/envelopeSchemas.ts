import { CONTENT_TYPE, MSG_ID_HEADER, SPEC_VERSION } from '@contactcenter/infra/events';
import { CLOUDEVENTS_JSON } from '../webhooks/httpDelivery';
import { SIGNATURE_VERSION } from '../webhooks/signature';
import type { EventContract } from './protoEvents';
import { schemaRef, type JsonSchema, type SchemaComponents } from './protoJsonSchema';

/*
 * How an event travels, around its data: CloudEvents 1.0 attributes as the
 * codec in infra/src/events/cloudEvent.ts writes them (binary mode on NATS,
 * structured mode to webhooks), and the SSE frame of routes/events.ts.
 */

const SOURCE: JsonSchema = { type: 'string', pattern: '^/contactcenter/[^/]+/[a-z]+$', description: '`/contactcenter/<region>/<service>`: the region and the service that published the event.', examples: ['/contactcenter/eu-1/conversation'] };
const TIME: JsonSchema = { type: 'string', format: 'date-time', description: 'When the event was recorded (UTC, ISO 8601).' };
const DIGITS: JsonSchema = { type: 'string', pattern: '^[0-9]+$' };

/** Extension attributes some publishers add, as strings (binary mode carries every attribute as a header). */
const EXTENSIONS: Record<string, JsonSchema> = {
  sequence: { ...DIGITS, description: 'Conversation events: the event\'s revision in its conversation (0-based). Per conversation, events come in this order without gaps.' },
  position: { type: 'string', description: 'Conversation events: the event store\'s global position (opaque).' },
  revision: { ...DIGITS, description: 'Presence events: the revision of the agent\'s stored state that the change produced.' },
};

const CE_ATTRIBUTES: Record<string, JsonSchema> = {
  specversion: { const: SPEC_VERSION },
  id: { type: 'string', minLength: 1, description: 'Unique per event; the same on a redelivery: deduplicate on it.' },
  source: SOURCE,
  type: { type: 'string', pattern: '^contactcenter\\.[a-z][a-z0-9_]*\\.v[0-9]+\\.[A-Za-z0-9]+$', description: '`contactcenter.<context>.v<N>.<EventType>`' },
  subject: { type: 'string', description: 'What the event is about: a conversation id (conversation and routing events), an agent id (presence), an invitation id (engagement).' },
  time: TIME,
  tenantid: { type: 'string', description: 'Extension: the tenant.' },
};

const headersOf = (attrs: Record<string, JsonSchema>) => Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`ce-${k}`, v]));

/** Schemas every event shares; added once to components/schemas. */
export const ENVELOPE_SCHEMAS: SchemaComponents = {
  CloudEventNatsHeaders: {
    type: 'object',
    description: 'CloudEvents NATS protocol binding, binary content mode: each attribute is a `ce-` header, the message body is the data. JetStream deduplicates on `Nats-Msg-Id` (= the event id).',
    properties: {
      ...headersOf(CE_ATTRIBUTES),
      ...headersOf(EXTENSIONS),
      'content-type': { const: CONTENT_TYPE },
      [MSG_ID_HEADER]: { type: 'string', description: 'The event id.' },
    },
    required: ['ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-tenantid', 'content-type', MSG_ID_HEADER],
  },
  CloudEvent: {
    type: 'object',
    description: 'A CloudEvent in structured JSON mode (what a webhook receives). Further extension attributes may appear.',
    properties: { ...CE_ATTRIBUTES, ...EXTENSIONS, datacontenttype: { const: CONTENT_TYPE }, data: {} },
    required: ['specversion', 'id', 'source', 'type', 'time', 'tenantid', 'datacontenttype', 'data'],
  },
  SseEvent: {
    type: 'object',
    description: 'The `data:` line of one Server-Sent Event of `GET /v1/events`; its `id:` line and `position` are the stream position to resume after.',
    properties: {
      id: CE_ATTRIBUTES.id!,
      type: CE_ATTRIBUTES.type!,
      source: SOURCE,
      subject: CE_ATTRIBUTES.subject!,
      time: TIME,
      data: {},
      position: { type: 'integer', minimum: 1, description: 'Position in the tenant\'s event stream: send it back as `Last-Event-ID` (or `?after=`) to resume.' },
    },
    required: ['id', 'type', 'source', 'data', 'position'],
    additionalProperties: false,
  },
  WebhookHeaders: {
    type: 'object',
    description: 'Headers of a webhook delivery: Standard Webhooks (https://www.standardwebhooks.com), verifiable with its libraries.',
    properties: {
      'content-type': { const: CLOUDEVENTS_JSON },
      'webhook-id': { type: 'string', description: 'The delivery id: the same on every retry and replay of this event to this webhook. Deduplicate on it.' },
      'webhook-timestamp': { ...DIGITS, description: 'Unix seconds when this attempt was signed. Reject it when more than a few minutes away from your clock.' },
      'webhook-signature': {
        type: 'string',
        pattern: `^${SIGNATURE_VERSION},[A-Za-z0-9+/]{43}=( ${SIGNATURE_VERSION},[A-Za-z0-9+/]{43}=)*$`,
        description: `\`${SIGNATURE_VERSION},<base64 HMAC-SHA256>\` of \`<webhook-id>.<webhook-timestamp>.<raw body>\`, keyed with the base64-decoded part of the \`whsec_<base64>\` secret. Several space-separated signatures during a secret rotation (\`POST /v1/webhooks/{id}/rotate-secret\`): any match is valid.`,
      },
      'user-agent': { type: 'string' },
    },
    required: ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'],
  },
  TypingSignal: {
    type: 'object',
    description: 'A typing indicator, as JSON. Ephemeral: core NATS only, never stored or replayed.',
    properties: {
      conversationId: { type: 'string' },
      typing: { type: 'boolean', description: 'true: started typing; false: stopped.' },
      from: { type: 'object', properties: { kind: { enum: ['agent', 'visitor'] }, id: { type: 'string' } }, required: ['kind', 'id'] },
      origin: { type: 'string', description: 'The sending WebSocket, so that its own gateway does not echo it back.' },
    },
    required: ['conversationId', 'typing', 'from', 'origin'],
  },
};

/** The envelope of one event type, with `type` fixed and `data` its schema. */
const fixed = (base: string, typeKey: string, event: EventContract, withData: boolean): JsonSchema => ({
  type: 'object',
  allOf: [schemaRef(base), { properties: { [typeKey]: { const: event.type }, ...(withData ? { data: event.data } : {}) } }],
});

/** Per-event schemas: `<type>.natsHeaders`, `<type>.cloudEvent`, `<type>.sse`. */
export function addEnvelopeSchemas(event: EventContract, components: SchemaComponents): { natsHeaders: JsonSchema; cloudEvent: JsonSchema; sse: JsonSchema } {
  const keys = { natsHeaders: `${event.type}.natsHeaders`, cloudEvent: `${event.type}.cloudEvent`, sse: `${event.type}.sse` };
  components[keys.natsHeaders] = fixed('CloudEventNatsHeaders', 'ce-type', event, false);
  components[keys.cloudEvent] = fixed('CloudEvent', 'type', event, true);
  components[keys.sse] = fixed('SseEvent', 'type', event, true);
  return { natsHeaders: schemaRef(keys.natsHeaders), cloudEvent: schemaRef(keys.cloudEvent), sse: schemaRef(keys.sse) };
}
