import { EVENTS_READ_SCOPE } from '../plugins/apiKeyAuth';
import { addEnvelopeSchemas, ENVELOPE_SCHEMAS } from './envelopeSchemas';
import { EVENTS_WITHOUT_PROTO } from './eventsWithoutProto';
import { defaultProtoRoot, loadProtoEvents, type EventContract } from './protoEvents';
import { schemaRef, type JsonSchema, type SchemaComponents } from './protoJsonSchema';
import { INFO_DESCRIPTION, SSE_DESCRIPTION, WEBHOOK_DESCRIPTION } from './asyncapiTexts';

export type AsyncApiDocument = Record<string, unknown> & {
  asyncapi: '3.0.0';
  components: { schemas: SchemaComponents; messages: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};

export interface AsyncApiOptions {
  /** The proto workspace to read events from (default: the `@contactcenter/proto` package). */
  protoRoot?: string;
}

const ref = (path: string) => ({ $ref: path });
const tenantParameter = { description: 'The tenant id. Subscribe to `cc.<tenant>.>` for everything of one tenant, `cc.*.conversation.MessagePosted.>` for one type.' };
const aggregateParameter = {
  description: 'What the event is about: the conversation id for conversation and routing events, the agent id for presence, the invitation id for engagement. `cc.<tenant>.*.*.<conversation>` is every event of one conversation.',
};

/**
 * The AsyncAPI 3.0 document of what integrators can receive: every event on
 * NATS (`cc.<tenant>.<context>.<EventType>`, CloudEvents in JetStream), the
 * typing signals on core NATS, the SSE stream `GET /v1/events` and webhook
 * deliveries. Events are every message of every `events.proto` (so a new
 * one appears on the next start), plus the few published without a proto
 * yet (eventsWithoutProto.ts). Built once: it reads and parses protos.
 *
 * @example
 *   const doc = buildAsyncApiDocument();
 *   doc.channels['conversation.MessagePosted'].address; // 'cc.{tenantId}.conversation.MessagePosted.{aggregateId}'
 */
export function buildAsyncApiDocument(options: AsyncApiOptions = {}): AsyncApiDocument {
  const schemas: SchemaComponents = { ...ENVELOPE_SCHEMAS };
  const fromProto = loadProtoEvents(options.protoRoot ?? defaultProtoRoot(), schemas);
  const declared = new Set(fromProto.map((e) => e.type));
  const events = [...fromProto, ...EVENTS_WITHOUT_PROTO.filter((e) => !declared.has(e.type))];

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, JsonSchema> = {};
  const sseMessages: Record<string, unknown> = {};
  const webhookMessages: Record<string, unknown> = {};
  for (const event of events) {
    const envelope = addEnvelopeSchemas(event, schemas);
    const about = { name: event.name, title: event.name, ...(event.description ? { summary: firstSentence(event.description), description: describe(event) } : { description: describe(event) }), tags: [{ name: event.context }] };
    messages[event.type] = { ...about, contentType: 'application/json', headers: envelope.natsHeaders, payload: event.data };
    messages[`sse.${event.type}`] = { ...about, contentType: 'application/json', payload: envelope.sse };
    messages[`webhook.${event.type}`] = { ...about, contentType: 'application/cloudevents+json', headers: schemaRef('WebhookHeaders'), payload: envelope.cloudEvent };
    const channelId = `${event.context}.${event.name}`;
    channels[channelId] = {
      address: `cc.{tenantId}.${event.context}.${event.name}.{aggregateId}`,
      title: event.type,
      description: `JetStream stream CC_EVENTS. CloudEvent type \`${event.type}\`; the body is the event data as JSON.`,
      servers: [ref('#/servers/nats')],
      parameters: { tenantId: tenantParameter, aggregateId: aggregateParameter },
      messages: { [event.name]: ref(`#/components/messages/${event.type}`) },
    };
    operations[`publish.${channelId}`] = { action: 'send', channel: ref(`#/channels/${channelId}`), messages: [ref(`#/channels/${channelId}/messages/${event.name}`)], tags: [{ name: event.context }] };
    sseMessages[event.type] = ref(`#/components/messages/sse.${event.type}`);
    webhookMessages[event.type] = ref(`#/components/messages/webhook.${event.type}`);
  }

  channels.typing = {
    address: 'ccx.{tenantId}.typing.{conversationId}',
    title: 'Typing indicators',
    description: 'Core NATS, outside `cc.>` so that nothing stores it: subscribe live (`ccx.<tenant>.typing.*`); there is no replay.',
    servers: [ref('#/servers/nats')],
    parameters: { tenantId: tenantParameter, conversationId: { description: 'The conversation someone types in.' } },
    messages: { TypingSignal: ref('#/components/messages/TypingSignal') },
  };
  operations['publish.typing'] = { action: 'send', channel: ref('#/channels/typing'), messages: [ref('#/channels/typing/messages/TypingSignal')] };
  messages.TypingSignal = { name: 'TypingSignal', title: 'Typing signal', contentType: 'application/json', payload: schemaRef('TypingSignal') };

  channels.events = { address: '/v1/events', title: 'Server-Sent Events', description: SSE_DESCRIPTION, servers: [ref('#/servers/gateway')], messages: sseMessages };
  operations.streamEvents = {
    action: 'send',
    channel: ref('#/channels/events'),
    summary: 'The tenant\'s CloudEvents as Server-Sent Events (`GET /v1/events`)',
    security: [ref('#/components/securitySchemes/apiKey')],
    bindings: {
      http: {
        method: 'GET',
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$', description: 'Resume after this position (the `Last-Event-ID` header wins when both are sent).' },
            types: { type: 'string', maxLength: 4096, description: 'Comma-separated CloudEvent types to keep, e.g. `contactcenter.conversation.v1.MessagePosted,contactcenter.conversation.v1.ConversationResolved`.' },
          },
        },
        bindingVersion: '0.3.0',
      },
    },
  };

  channels.webhooks = { address: null, title: 'Webhook deliveries', description: WEBHOOK_DESCRIPTION, servers: [ref('#/servers/webhookReceiver')], messages: webhookMessages };
  operations.deliverWebhook = { action: 'send', channel: ref('#/channels/webhooks'), summary: 'POST one CloudEvent to a webhook the tenant registered', bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } } };

  const contexts = [...new Set(events.map((e) => e.context))].sort();
  return {
    asyncapi: '3.0.0',
    id: 'urn:contactcenter:events',
    info: {
      title: 'Contact center events',
      version: '1.0.0',
      description: INFO_DESCRIPTION,
      tags: contexts.map((name) => ({ name, description: `Events of the ${name} context (\`contactcenter.${name}.v1.*\`).` })),
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: '{natsHost}', protocol: 'nats', description: 'The NATS cluster of the tenant\'s home region (JetStream stream `CC_EVENTS` captures `cc.>`). Access is granted by the operator.', variables: { natsHost: { default: 'localhost:4222' } } },
      gateway: { host: '{gatewayHost}', protocol: 'https', description: 'The public gateway.', variables: { gatewayHost: { default: 'localhost:8080' } }, security: [ref('#/components/securitySchemes/apiKey')] },
      webhookReceiver: { host: '{receiverHost}', protocol: 'https', description: 'Your endpoint: the URL of a webhook registered with `POST /v1/webhooks`.', variables: { receiverHost: { default: 'example.com' } } },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        apiKey: { type: 'httpApiKey', name: 'X-API-Key', in: 'header', description: `An integrator API key (\`cck_…\`) with the scope \`${EVENTS_READ_SCOPE}\`; also accepted as \`Authorization: Bearer cck_…\`.` },
      },
    },
  };
}

function describe(event: EventContract): string {
  const source = event.contract === 'proto' ? 'Schema from the proto contract' : 'Schema from the publisher (no proto contract yet)';
  return `${event.description ?? event.name}\n\nCloudEvent type \`${event.type}\`. ${source}.`;
}

const firstSentence = (text: string) => text.replace(/\s+/g, ' ').split(/(?<=\.)\s/)[0]!;
