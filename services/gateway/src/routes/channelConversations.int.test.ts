/**
 * Conversations on email and messaging apps through the real app
 * (`buildApp`, fastify's inject) and the conversation service's real gRPC
 * handlers in-process on an embedded event store (PGlite): agents' template
 * replies, what the conversation and its messages show (provider, reply
 * window, template, delivery), and linking and unlinking a customer's
 * identities. Conversations are started over gRPC as the channels service
 * starts them; the other peers point at a port nothing listens on.
 */
import { connectNats, createGrpcClient, createLogger, GrpcServer, unary, type NatsConnection } from '@contactcenter/infra';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AuthorKind, Channel, ConversationServiceClient, ConversationServiceService, DeliveryStatus } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { assembleConversationService } from '../../../conversation/src/service';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

jest.setTimeout(60_000);

const SECRET = 'w'.repeat(48);
const RUN = randomUUID().slice(0, 8);
const CLOSED = '127.0.0.1:1';

let server: TestNats;
let nats: NatsConnection;
let events: EventStore;
let sql: SqlClient;
let service: Awaited<ReturnType<typeof assembleConversationService>>;
let grpc: GrpcServer;
let conversation: ConversationServiceClient;
let peers: ReturnType<typeof connectPeers>;
let app: FastifyInstance;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('channel-conversations-test', 'silent');
  nats = await connectNats(server.url, 'channel-conversations-test', logger);
  events = await createEventStore('pglite://memory');
  sql = await connectSql('pglite://memory');
  service = await assembleConversationService({ events, sql, logger, snapshotEvery: 50 });
  service.projector.start();
  grpc = new GrpcServer(logger);
  grpc.addService(ConversationServiceService, service.grpc);
  const port = await grpc.listen('127.0.0.1', 0);
  grpc.markServing();
  const local = `127.0.0.1:${port}`;
  conversation = createGrpcClient(ConversationServiceClient, local);
  peers = connectPeers({ CONVERSATION_GRPC_ADDR: local, ROUTING_GRPC_ADDR: CLOSED, PRESENCE_GRPC_ADDR: CLOSED, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: CLOSED, CHANNELS_GRPC_ADDR: CLOSED });
  // The embedded store shares this process's event loop and may block it for a whole sample: the gateway must not shed load for that.
  app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, gatewayBucket: `gw_${RUN}`, admission: { maxEventLoopDelayMs: 0 } });
});

afterAll(async () => {
  await app?.close();
  peers?.close();
  conversation?.close();
  await grpc?.shutdown(1_000);
  await service?.projector.stop();
  await events?.close();
  await sql?.close();
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const headers = (tid: string, roles = ['agent'], sub = 'agent-1') => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid, sub, roles })}` });
const post = (tid: string, url: string, payload: object, roles?: string[]) => app.inject({ method: 'POST', url, headers: headers(tid, roles), payload });
const get = (tid: string, url: string) => app.inject({ method: 'GET', url, headers: headers(tid) });

/** A conversation as the channels service starts one: on a messaging app, optionally with the customer's first message. */
async function started(tid: string, provider: 'whatsapp' | 'email', customerWrites: boolean): Promise<string> {
  const opts = { tenantId: tid, actorId: 'channels', deadlineMs: 10_000 };
  const customerId = provider === 'email' ? 'email:ken@example.com' : 'whatsapp:+353100200300';
  const channel = provider === 'email' ? Channel.CHANNEL_EMAIL : Channel.CHANNEL_SOCIAL;
  const { result } = await unary(conversation, conversation.startConversation, { conversationId: '', channel, customerId, language: 'en', region: '', subject: '', invitationId: '', channelProvider: provider }, opts);
  const conversationId = result!.conversationId;
  if (customerWrites) {
    const message = { conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: customerId, text: 'Where is my order?', attachments: [], clientMessageId: '', language: 'en', cannedResponseId: '' };
    await unary(conversation, conversation.postMessage, message, opts);
  }
  return conversationId;
}

/** Reads until the answer has more than one entry (a projection catching up), or gives the last answer after a while. */
async function eventually(read: () => Promise<unknown[]>): Promise<unknown[]> {
  let last: unknown[] = [];
  for (let i = 0; i < 100 && last.length < 2; i++) {
    last = await read();
    if (last.length < 2) await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

const template = { name: 'order_update', language: 'en_US', parameters: ['Ken', 'A-1001'] };

describe('agent replies on WhatsApp', () => {
  it('sends a template without text outside the customer-service window, where free text is 409', async () => {
    const tid = tenant();
    const id = await started(tid, 'whatsapp', false);
    const free = await post(tid, `/v1/conversations/${id}/messages`, { text: 'Hello?' });
    expect([free.statusCode, free.json().code]).toEqual([409, 'illegal_state']);

    const sent = await post(tid, `/v1/conversations/${id}/messages`, { template });
    expect(sent.statusCode).toBe(201);
    const view = await get(tid, `/v1/conversations/${id}`);
    expect(view.statusCode).toBe(200);
    const body = view.json();
    expect(body).toMatchObject({ channel: 'social', channelProvider: 'whatsapp', replyWindowClosesAt: expect.any(String) });
    expect(new Date(body.replyWindowClosesAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect(body.messages).toEqual([expect.objectContaining({ messageId: sent.json().messageId, authorKind: 'agent', template })]);
  });

  it('shows an open window while the customer wrote lately, and each message\'s delivery as the channel reported it', async () => {
    const tid = tenant();
    const id = await started(tid, 'whatsapp', true);
    const sent = await post(tid, `/v1/conversations/${id}/messages`, { text: 'On its way!' });
    expect(sent.statusCode).toBe(201);
    const messageId = sent.json().messageId as string;
    const updatedAt = new Date('2026-01-02T03:04:05.000Z');
    await unary(
      conversation,
      conversation.recordMessageDelivery,
      { conversationId: id, messageId, status: DeliveryStatus.DELIVERY_STATUS_FAILED, providerMessageId: 'wamid.1', detail: 'recipient unreachable', willRetry: true, occurredAt: updatedAt },
      { tenantId: tid, actorId: 'channels', deadlineMs: 10_000 },
    );
    const body = (await get(tid, `/v1/conversations/${id}`)).json();
    expect(new Date(body.replyWindowClosesAt).getTime()).toBeGreaterThan(Date.now());
    const reply = body.messages.find((m: { messageId: string }) => m.messageId === messageId);
    expect(reply).toMatchObject({ text: 'On its way!', delivery: { status: 'failed', detail: 'recipient unreachable', updatedAt: updatedAt.toISOString(), willRetry: true } });
    expect(reply.template).toBeUndefined();
    // The customer's message came in on the channel: nothing was delivered to anyone.
    expect(body.messages.find((m: { authorKind: string }) => m.authorKind === 'customer').delivery).toBeUndefined();
  });

  it('answers 400 naming the field for a reply with neither text, canned response nor template, and for a malformed template', async () => {
    const tid = tenant();
    const id = await started(tid, 'whatsapp', true);
    const cases: [object, string][] = [
      [{}, 'text'],
      [{ template: { language: 'en' } }, 'template.name'],
      [{ template: { ...template, extra: 1 } }, 'template.extra'],
      [{ template: { ...template, parameters: [''] } }, 'template.parameters.0'],
      // Checked by the conversation service.
      [{ template: { ...template, name: 'Order Update' } }, 'template.name'],
    ];
    for (const [payload, field] of cases) {
      const res = await post(tid, `/v1/conversations/${id}/messages`, payload);
      expect([JSON.stringify(payload), res.statusCode, res.json().field]).toEqual([JSON.stringify(payload), 400, field]);
    }
  });
});

describe('linking a customer\'s identities', () => {
  it('links the e-mail sender to a verified visitor and unlinks them with a reason', async () => {
    const tid = tenant();
    const id = await started(tid, 'email', true);
    const linked = await post(tid, `/v1/conversations/${id}/identities`, { customerId: 'visitor-42', reason: 'same order number' });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toEqual({ conversationId: id, revision: expect.any(Number) });
    // The timeline is a read model: it joins the identities once the projection has the link.
    expect(await eventually(async () => (await get(tid, '/v1/customers/visitor-42/timeline')).json().customerIds)).toEqual(expect.arrayContaining(['visitor-42', 'email:ken@example.com']));

    const unlinked = await post(tid, `/v1/conversations/${id}/identities/unlink`, { customerId: 'visitor-42', reason: 'a different Ken' });
    expect(unlinked.statusCode).toBe(200);
    expect(unlinked.json().revision).toBeGreaterThan(linked.json().revision);
    // Nothing left to undo.
    const again = await post(tid, `/v1/conversations/${id}/identities/unlink`, { customerId: 'visitor-42', reason: 'a different Ken' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'illegal_state']);
  });

  it('answers a retried unlink with the same Idempotency-Key as the first time, not with "nothing to undo"', async () => {
    const tid = tenant();
    const id = await started(tid, 'email', true);
    expect((await post(tid, `/v1/conversations/${id}/identities`, { customerId: 'visitor-7' })).statusCode).toBe(200);
    const unlink = () =>
      app.inject({ method: 'POST', url: `/v1/conversations/${id}/identities/unlink`, headers: { ...headers(tid), 'idempotency-key': `unlink-${RUN}` }, payload: { customerId: 'visitor-7', reason: 'not them' } });
    const first = await unlink();
    const retry = await unlink();
    expect([first.statusCode, retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([200, 200, first.body, 'true']);
  });

  it('answers 400 naming the field: no reason (or a blank one) to unlink, no customer, a bad method, the customer themselves', async () => {
    const tid = tenant();
    const id = await started(tid, 'email', true);
    const cases: [string, object, string][] = [
      ['identities/unlink', { customerId: 'visitor-42' }, 'reason'],
      ['identities/unlink', { customerId: 'visitor-42', reason: '   ' }, 'reason'],
      ['identities', { reason: 'same person' }, 'customerId'],
      ['identities', { customerId: 'visitor-42', method: 'By Hand' }, 'method'],
      ['identities', { customerId: 'email:ken@example.com' }, 'customerId'],
    ];
    for (const [path, payload, field] of cases) {
      const res = await post(tid, `/v1/conversations/${id}/${path}`, payload);
      expect([path, JSON.stringify(payload), res.statusCode, res.json().code, res.json().field]).toEqual([path, JSON.stringify(payload), 400, 'validation', field]);
    }
  });

  it('keeps links to staff of the conversation\'s tenant: another tenant gets 404, a visitor 403', async () => {
    const tid = tenant();
    const id = await started(tid, 'email', true);
    const other = await post(tenant(), `/v1/conversations/${id}/identities`, { customerId: 'visitor-42' });
    expect([other.statusCode, other.json().code]).toEqual([404, 'not_found']);
    const visitor = await post(tid, `/v1/conversations/${id}/identities/unlink`, { customerId: 'visitor-42', reason: 'mine' }, ['visitor']);
    expect(visitor.statusCode).toBe(403);
  });
});
