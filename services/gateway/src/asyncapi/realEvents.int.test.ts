/**
 * Events the system really emits, checked against the served AsyncAPI
 * document: the conversation service runs as its own process (PGlite event
 * store, relay on) against a real NATS server; a conversation is driven
 * through its gRPC API as the gateway drives it, and every event the relay
 * published is validated as NATS headers + body, as a webhook body and as an
 * SSE frame. No code of the conversation service is imported.
 */
import { connectNats, createGrpcClient, createLogger, unary, type NatsConnection } from '@contactcenter/infra';
import { DEFAULT_STREAM, readEvents } from '@contactcenter/infra/events';
import {
  AddInternalNoteRequest,
  AssignAgentRequest,
  AuthorKind,
  Channel,
  ConversationServiceClient,
  PostMessageRequest,
  Priority,
  QueueConversationRequest,
  ReopenConversationRequest,
  ResolveConversationRequest,
  SetPriorityRequest,
  StartConversationRequest,
  TagConversationRequest,
} from '@contactcenter/proto/conversation/v1';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { ServiceProcess } from '../../../../scripts/stack';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { frameOf } from '../routes/events';
import { buildAsyncApiDocument } from './asyncapiDocument';
import { documentValidator } from './documentValidator';

jest.setTimeout(120_000);

let server: TestNats;
let service: ServiceProcess;
let nats: NatsConnection;
let client: ConversationServiceClient;
const check = documentValidator(buildAsyncApiDocument());

beforeAll(async () => {
  server = await freshNats();
  service = new ServiceProcess('conversation', { NATS_URL: server.url, EVENT_STORE_URL: 'pglite://memory', GRPC_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', REGION: 'eu-test' });
  const { grpcPort } = await service.ready;
  client = createGrpcClient(ConversationServiceClient, `127.0.0.1:${grpcPort}`);
  nats = await connectNats(server.url, 'asyncapi-test', createLogger('asyncapi-test', 'silent'));
});

afterAll(async () => {
  client?.close();
  await nats?.close();
  await service?.stop();
  await server?.stop();
});

/** What the relay published for the tenant, once it holds `count` events (the relay follows the store asynchronously). */
async function publishedEvents(tenantId: string, count: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = await readEvents(nats, { filter: `cc.${tenantId}.>` });
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('every event of a real conversation validates against the document, on NATS, as a webhook body and as SSE', async () => {
  const tenantId = `t-${randomUUID().slice(0, 8)}`;
  const opts = { tenantId, actorId: 'agent-1' };
  const started = await unary(client, client.startConversation, StartConversationRequest.fromPartial({ channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'es', region: 'eu-test', subject: 'Pedido' }), opts);
  const conversationId = started.result!.conversationId;
  const attachments = [{ name: 'a.png', contentType: 'image/png', sizeBytes: 2048, url: 'https://files.example/a.png' }];
  await unary(client, client.postMessage, PostMessageRequest.fromPartial({ conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: 'cust-1', text: 'Hola', attachments, clientMessageId: 'cm-1', language: 'es' }), opts);
  await unary(client, client.queueConversation, QueueConversationRequest.fromPartial({ conversationId, queueId: 'q-sales' }), opts);
  const decision = {
    strategy: 'least_busy', policyVersion: 'q-sales@3', queueId: 'q-sales', eligibleCount: 2, excluded: { offline: 4 }, effectivePriority: 2, waitedMs: 1500,
    candidates: [{ agentId: 'agent-1', load: 1, capacity: 3, idleSince: new Date(), rank: 1, chosen: true }],
  };
  await unary(client, client.assignAgent, AssignAgentRequest.fromPartial({ conversationId, agentId: 'agent-1', reason: 'least busy', decision }), opts);
  await unary(client, client.addInternalNote, AddInternalNoteRequest.fromPartial({ conversationId, agentId: 'agent-1', text: 'VIP' }), opts);
  await unary(client, client.tagConversation, TagConversationRequest.fromPartial({ conversationId, add: ['sale'] }), opts);
  await unary(client, client.setPriority, SetPriorityRequest.fromPartial({ conversationId, priority: Priority.PRIORITY_HIGH }), opts);
  await unary(client, client.resolveConversation, ResolveConversationRequest.fromPartial({ conversationId }), opts);
  await unary(client, client.reopenConversation, ReopenConversationRequest.fromPartial({ conversationId, reason: 'customer came back' }), opts);

  const expected = ['ConversationStarted', 'MessagePosted', 'ConversationQueued', 'AgentAssigned', 'InternalNoteAdded', 'ConversationTagged', 'PriorityChanged', 'ConversationResolved', 'ConversationReopened'];
  const events = await publishedEvents(tenantId, expected.length);
  expect(events.map((e) => e.event.type.split('.').pop())).toEqual(expected);

  // The raw messages again, for their headers and bodies as they are on the wire.
  const jsm = await jetstreamManager(nats);
  for (const { seq, event } of events) {
    const raw = await jsm.streams.getMessage(DEFAULT_STREAM, { seq });
    const headers = Object.fromEntries(raw!.header.keys().map((k) => [k, raw!.header.get(k)]));
    const results = {
      natsHeaders: check(`/components/messages/${event.type}/headers`, headers),
      natsBody: check(`/components/messages/${event.type}/payload`, raw!.json()),
      webhook: check(`/components/messages/webhook.${event.type}/payload`, JSON.parse(JSON.stringify(event))),
      sse: check(`/components/messages/sse.${event.type}/payload`, JSON.parse(/^data: (.*)$/m.exec(frameOf(event, seq))![1]!)),
    };
    expect({ type: event.type, results }).toEqual({ type: event.type, results: { natsHeaders: ok, natsBody: ok, webhook: ok, sse: ok } });
  }
});

const ok = { valid: true, errors: [] };
