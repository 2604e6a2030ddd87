/**
 * ConversationService over real gRPC, on a real event store and read-model
 * database: PGlite (embedded) and PostgreSQL (a fresh database).
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createGrpcClient, createLogger, GrpcServer, unary, type CallOptions } from '@contactcenter/infra';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import {
  AuthorKind,
  Channel,
  ConversationServiceClient,
  ConversationServiceService,
  ConversationStatus,
  DeliveryStatus,
  TicketStatus,
} from '@contactcenter/proto/conversation/v1';
import { freshPostgresDatabase } from '../../../test/support/postgres';
import { conversationStreamId } from './conversation';
import { READ_MODEL_TABLES } from './projections/schema';
import { assembleConversationService } from './service';

jest.setTimeout(120_000);

type Backend = { name: string; open(): Promise<{ events: EventStore; sql: SqlClient; stop(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'PGlite',
    open: async () => {
      const events = await createEventStore('pglite://memory');
      const sql = await connectSql('pglite://memory');
      return { events, sql, stop: async () => (await events.close(), await sql.close()) };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await freshPostgresDatabase();
      const events = await createEventStore(db.url);
      const sql = await connectSql(db.url, { poolSize: 4 });
      return { events, sql, stop: async () => (await events.close(), await sql.close(), await db.stop()) };
    },
  },
];

describe.each(backends)('ConversationService on $name', (backend) => {
  let stores: Awaited<ReturnType<Backend['open']>>;
  let service: Awaited<ReturnType<typeof assembleConversationService>>;
  let server: GrpcServer;
  let client: ConversationServiceClient;

  beforeAll(async () => {
    stores = await backend.open();
    const logger = createLogger('conversation-test', 'silent');
    service = await assembleConversationService({ events: stores.events, sql: stores.sql, logger, snapshotEvery: 50, recentConversations: 100 });
    service.projector.start();
    server = new GrpcServer(logger);
    server.addService(ConversationServiceService, service.grpc);
    const port = await server.listen('127.0.0.1', 0);
    server.markServing();
    client = createGrpcClient(ConversationServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    await service?.projector.stop();
    await stores?.stop();
  });

  const as = (tenantId: string, actorId = 'agent-1'): CallOptions => ({ tenantId, actorId, deadlineMs: 10_000 });
  const start = (tenant: string, extra: Partial<{ conversationId: string; channel: Channel; customerId: string; language: string }> = {}) =>
    unary(client, client.startConversation, { conversationId: '', channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'en', region: 'eu', subject: 'Late delivery', invitationId: '', ...extra }, as(tenant));
  const post = (tenant: string, conversationId: string, text: string, extra: Partial<{ authorKind: AuthorKind; clientMessageId: string; expectedRevision: number }> = {}) =>
    unary(client, client.postMessage, { conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: 'cust-1', text, attachments: [], clientMessageId: '', language: '', cannedResponseId: '', ...extra }, as(tenant));
  const revisionOf = (tenant: string, id: string) => stores.events.streamRevision(conversationStreamId(tenant, id));
  const codeOf = async (p: Promise<unknown>) => {
    const err = (await p.then(() => undefined, (e: Error & { cause?: grpc.ServiceError }) => e)) as (Error & { cause?: grpc.ServiceError; field?: string }) | undefined;
    if (!err) throw new Error('expected the call to fail');
    return { code: err.cause?.code, message: err.message, field: err.field };
  };

  it('starts a conversation, records messages and reads them back', async () => {
    const { result } = await start('acme');
    expect(result!.revision).toBe(0);
    const id = result!.conversationId;
    const first = await post('acme', id, 'Hola 👋 ¿dónde está mi pedido?', { clientMessageId: 'c-1' });
    expect(first).toMatchObject({ duplicate: false, result: { revision: 1 } });
    const got = await unary(client, client.getConversation, { conversationId: id, includeNotes: false }, as('acme'));
    expect(got.conversation).toMatchObject({ conversationId: id, tenantId: 'acme', channel: Channel.CHANNEL_CHAT, status: ConversationStatus.CONVERSATION_STATUS_OPEN, revision: 1, messageCount: 1 });
    expect(got.messages.map((m) => [m.text, m.messageId, m.revision])).toEqual([['Hola 👋 ¿dónde está mi pedido?', first.messageId, 1]]);
  });

  it('writes a retried message once and answers with the original message id', async () => {
    const id = (await start('acme')).result!.conversationId;
    const a = await post('acme', id, 'Hello', { clientMessageId: 'retry-1', expectedRevision: 0 });
    const b = await post('acme', id, 'Hello', { clientMessageId: 'retry-1', expectedRevision: 0 });
    expect(b).toEqual({ result: { conversationId: id, revision: 1 }, messageId: a.messageId, duplicate: true });
    expect(await revisionOf('acme', id)).toBe(1);
  });

  it('answers NOT_FOUND for an unknown conversation, and for another tenant\'s', async () => {
    const id = (await start('acme')).result!.conversationId;
    expect((await codeOf(unary(client, client.getConversation, { conversationId: 'nope', includeNotes: false }, as('acme')))).code).toBe(grpc.status.NOT_FOUND);
    expect((await codeOf(post('acme', 'nope', 'hi'))).code).toBe(grpc.status.NOT_FOUND);
    expect((await codeOf(unary(client, client.getConversation, { conversationId: id, includeNotes: false }, as('globex')))).code).toBe(grpc.status.NOT_FOUND);
    expect((await codeOf(post('globex', id, 'hi'))).code).toBe(grpc.status.NOT_FOUND);
    expect(await revisionOf('acme', id)).toBe(0);
    expect(await revisionOf('acme', 'nope')).toBeUndefined();
  });

  it('answers ABORTED for a stale expected revision and writes nothing', async () => {
    const id = (await start('acme')).result!.conversationId;
    await post('acme', id, 'one');
    const res = await codeOf(post('acme', id, 'two', { expectedRevision: 0 }));
    expect(res.code).toBe(grpc.status.ABORTED);
    expect(await revisionOf('acme', id)).toBe(1);
  });

  it('takes every one of many concurrent messages that pinned no revision, none answered ABORTED', async () => {
    const id = (await start('acme')).result!.conversationId;
    // Forty writers on one conversation at once: most lose the append race at least once, several lose it many times.
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => post('acme', id, `burst ${i}`, { clientMessageId: `burst-${i}` })));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { cause?: grpc.ServiceError }).cause?.code);
    expect(refused).toEqual([]);
    expect(await revisionOf('acme', id)).toBe(40);
  });

  it.each([
    ['text over 16 KiB', { text: 'x'.repeat(16_385) }, 'text'],
    ['empty text', { text: '' }, 'text'],
    ['a control character', { text: 'bad \u0007 bell' }, 'text'],
  ])('rejects %s with INVALID_ARGUMENT naming the field and writes nothing', async (_label, change, field) => {
    const id = (await start('acme')).result!.conversationId;
    const res = await codeOf(post('acme', id, change.text));
    expect(res).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field });
    expect(await revisionOf('acme', id)).toBe(0);
  });

  it.each([
    ['unknown channel', { channel: 99 as Channel }, 'channel'],
    ['unspecified channel', { channel: Channel.CHANNEL_UNSPECIFIED }, 'channel'],
    ['malformed language tag', { language: 'english' }, 'language'],
    ['underscore language tag', { language: 'en_US' }, 'language'],
    ['missing customer', { customerId: '' }, 'customer_id'],
  ])('rejects a start with %s, naming the field, and creates no stream', async (_label, change, field) => {
    const res = await codeOf(start('acme', { conversationId: `bad-${field}-${Math.random().toString(36).slice(2)}`, ...change }));
    expect(res).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field });
  });

  it('rejects a call with no tenant', async () => {
    const res = await codeOf(start(''));
    expect(res).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'tenant_id' });
  });

  it('enforces the rules with FAILED_PRECONDITION and changes nothing', async () => {
    const id = (await start('acme')).result!.conversationId;
    await unary(client, client.assignAgent, { conversationId: id, agentId: 'agent-a', reason: 'least busy', decision: undefined }, as('acme', 'routing'));
    const second = await codeOf(unary(client, client.assignAgent, { conversationId: id, agentId: 'agent-b', reason: 'x', decision: undefined }, as('acme', 'routing')));
    expect(second.code).toBe(grpc.status.FAILED_PRECONDITION);
    await unary(client, client.resolveConversation, { conversationId: id }, as('acme'));
    const before = await revisionOf('acme', id);
    const reply = await codeOf(post('acme', id, 'anything else?', { authorKind: AuthorKind.AUTHOR_KIND_AGENT }));
    expect(reply.code).toBe(grpc.status.FAILED_PRECONDITION);
    const transfer = await codeOf(unary(client, client.transferConversation, { conversationId: id, target: { $case: 'toTeamId', value: 'billing' }, reason: 'billing question' }, as('acme')));
    expect(transfer.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await revisionOf('acme', id)).toBe(before);
  });

  it('AssignAgents decides each item alone: assigned, refused or invalid, each with its own answer', async () => {
    const [a, b, taken] = [(await start('acme')).result!.conversationId, (await start('acme')).result!.conversationId, (await start('acme')).result!.conversationId];
    await unary(client, client.assignAgent, { conversationId: taken, agentId: 'agent-x', reason: 'r', decision: undefined }, as('acme', 'routing'));
    const takenBefore = await revisionOf('acme', taken);
    const item = (conversationId: string, agentId: string) => ({ conversationId, agentId, reason: 'longest idle', decision: undefined });
    const { outcomes } = await unary(
      client,
      client.assignAgents,
      { items: [item(a, 'agent-a'), item(taken, 'agent-b'), item(b, 'agent-b'), item('no-such-conversation', 'agent-c'), item(b, '')] },
      as('acme', 'routing'),
    );
    expect(outcomes.map((o) => (o.outcome?.$case === 'error' ? o.outcome.value.code : `revision ${o.outcome?.value.revision}`))).toEqual([
      `revision ${await revisionOf('acme', a)}`,
      'illegal_state',
      `revision ${await revisionOf('acme', b)}`,
      'not_found',
      'validation',
    ]);
    expect(outcomes[4]!.outcome?.$case === 'error' && outcomes[4]!.outcome.value.field).toBe('agent_id');
    expect(await revisionOf('acme', taken)).toBe(takenBefore);
    const read = await unary(client, client.getConversation, { conversationId: b, includeNotes: false }, as('acme'));
    expect(read.conversation!.assignedAgentId).toBe('agent-b');
    expect((await codeOf(unary(client, client.assignAgents, { items: [] }, as('acme', 'routing')))).field).toBe('items');
  });

  it('QueueConversations decides each item alone: queued, refused or invalid, each with its own answer', async () => {
    const [a, b, closed] = [(await start('acme')).result!.conversationId, (await start('acme')).result!.conversationId, (await start('acme')).result!.conversationId];
    await unary(client, client.resolveConversation, { conversationId: closed }, as('acme'));
    const closedBefore = await revisionOf('acme', closed);
    const item = (conversationId: string, queueId: string, actorId = '') => ({ request: { conversationId, queueId, teamId: '', firstReplyDueAt: undefined }, actorId });
    const { outcomes } = await unary(
      client,
      client.queueConversations,
      { items: [item(a, 'support', 'visitor-a'), item(closed, 'support'), item('no-such-conversation', 'support'), item(b, ''), item(b, 'billing')] },
      as('acme', 'routing'),
    );
    expect(outcomes.map((o) => (o.outcome?.$case === 'error' ? o.outcome.value.code : `revision ${o.outcome?.value.revision}`))).toEqual([
      `revision ${await revisionOf('acme', a)}`,
      'illegal_state',
      'not_found',
      'validation',
      `revision ${await revisionOf('acme', b)}`,
    ]);
    expect(outcomes[3]!.outcome?.$case === 'error' && outcomes[3]!.outcome.value.field).toBe('queue_id');
    expect(await revisionOf('acme', closed)).toBe(closedBefore);
    const read = await unary(client, client.getConversation, { conversationId: b, includeNotes: false }, as('acme'));
    expect(read.conversation!.queueId).toBe('billing');
    // Each item's actor is the one it names, else the call's.
    const queuedBy = async (id: string) => (await stores.events.readStream(conversationStreamId('acme', id))).filter((e) => e.type === 'ConversationQueued').map((e) => (e.metadata as Record<string, string>).actor_id);
    expect(await queuedBy(a)).toEqual(['visitor-a']);
    expect(await queuedBy(b)).toEqual(['routing']);
    expect((await codeOf(unary(client, client.queueConversations, { items: [] }, as('acme', 'routing')))).field).toBe('items');
    const missing = (await unary(client, client.queueConversations, { items: [{ request: undefined, actorId: '' }] }, as('acme', 'routing'))).outcomes[0]!.outcome;
    expect(missing?.$case === 'error' && missing.value).toMatchObject({ code: 'validation', field: 'items.request' });
  });

  it('StartConversations starts each item as StartConversation would, into its queue in one append', async () => {
    const fresh = randomUUID();
    const closed = (await start('acme')).result!.conversationId;
    await unary(client, client.resolveConversation, { conversationId: closed }, as('acme'));
    const due = new Date(Date.now() + 60_000);
    const item = (conversationId: string, queue: { queueId: string; teamId?: string; firstReplyDueAt?: Date } | undefined, actorId = '', customerId = 'cust-1') => ({
      request: { conversationId, channel: Channel.CHANNEL_CHAT, customerId, language: 'en', region: 'eu', subject: 'Late delivery', invitationId: '', queue: queue && { conversationId: '', teamId: '', ...queue } },
      actorId,
    });
    const { outcomes } = await unary(
      client,
      client.startConversations,
      { items: [item(fresh, { queueId: 'support', teamId: 'team-1', firstReplyDueAt: due }, 'visitor-f', 'visitor-f'), item('', undefined), item(closed, { queueId: 'support' }), item(randomUUID(), { queueId: 'has space' })] },
      as('acme', 'routing'),
    );
    const [intoQueue, plain, retried, refused] = outcomes.map((o) => o.outcome);
    // One append of two events: revision 1.
    expect(intoQueue?.$case === 'result' && intoQueue.value).toEqual({ conversationId: fresh, revision: 1 });
    expect(plain?.$case === 'result' && plain.value.conversationId).toMatch(/\S/); // the service chose the id
    // A retry of a start that was queued, assigned or resolved since: no-op, its revision.
    expect(retried?.$case === 'result' && retried.value.revision).toBe(await revisionOf('acme', closed));
    expect(refused?.$case === 'error' && refused.value).toMatchObject({ code: 'validation', field: 'queue.queue_id' });

    const events = await stores.events.readStream(conversationStreamId('acme', fresh));
    expect(events.map((e) => [e.type, (e.metadata as Record<string, string>).actor_id])).toEqual([
      ['ConversationStarted', 'visitor-f'],
      ['ConversationQueued', 'visitor-f'],
    ]);
    const read = await unary(client, client.getConversation, { conversationId: fresh, includeNotes: false }, as('acme'));
    expect(read.conversation).toMatchObject({ status: ConversationStatus.CONVERSATION_STATUS_QUEUED, queueId: 'support', firstReplyDueAt: due });
    expect(events[1]!.data).toMatchObject({ queueId: 'support', teamId: 'team-1' });
    expect((await codeOf(unary(client, client.startConversations, { items: [] }, as('acme', 'routing')))).field).toBe('items');
    const missing = (await unary(client, client.startConversations, { items: [{ request: undefined, actorId: '' }] }, as('acme', 'routing'))).outcomes[0]!.outcome;
    expect(missing?.$case === 'error' && missing.value).toMatchObject({ code: 'validation', field: 'items.request' });
  });

  it('PostMessages answers each item as PostMessage would: posted, a retry recognised, a refusal', async () => {
    const open = (await start('acme')).result!.conversationId;
    const closed = (await start('acme')).result!.conversationId;
    await unary(client, client.resolveConversation, { conversationId: closed }, as('acme'));
    const first = await post('acme', open, 'hello', { clientMessageId: 'c-1' });
    const closedBefore = await revisionOf('acme', closed);
    const item = (conversationId: string, text: string, clientMessageId: string) => ({
      conversationId, authorKind: AuthorKind.AUTHOR_KIND_BOT, authorId: 'routing-bot', text, attachments: [], clientMessageId, language: 'en', cannedResponseId: '',
    });
    const { outcomes } = await unary(
      client,
      client.postMessages,
      { items: [item(open, 'hello', 'c-1'), item(open, 'an agent will be with you shortly', 'c-2'), item(closed, 'still there?', 'c-3')] },
      as('acme', 'routing-bot'),
    );
    const [retried, posted, refused] = outcomes.map((o) => o.outcome);
    expect(retried?.$case === 'posted' && retried.value).toMatchObject({ duplicate: true, messageId: first.messageId });
    expect(posted?.$case === 'posted' && posted.value.duplicate).toBe(false);
    expect(refused?.$case === 'error' && refused.value.code).toBe('illegal_state');
    expect(await revisionOf('acme', closed)).toBe(closedBefore);
    const read = await unary(client, client.getConversation, { conversationId: open, includeNotes: false }, as('acme'));
    expect(read.messages.map((m) => m.text)).toEqual(['hello', 'an agent will be with you shortly']);
  });

  it('lists conversations by status, queue and agent with cursor pagination', async () => {
    const tenant = `list-${backend.name.toLowerCase()}`;
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const id = (await start(tenant)).result!.conversationId;
      ids.push(id);
      await unary(client, client.queueConversation, { conversationId: id, queueId: i % 2 ? 'sales' : 'support', teamId: '' }, as(tenant));
      if (i % 5 === 0) await unary(client, client.assignAgent, { conversationId: id, agentId: 'agent-p', reason: 'r', decision: undefined }, as(tenant));
    }
    await service.projector.catchUp();
    const seen: string[] = [];
    let token = '';
    do {
      const page = await unary(client, client.listConversations, { status: ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED, queueId: '', assignedAgentId: '', pageSize: 10, pageToken: token }, as(tenant));
      expect(page.conversations.length).toBeLessThanOrEqual(10);
      seen.push(...page.conversations.map((c) => c.conversationId));
      token = page.nextPageToken;
    } while (token);
    expect(seen.sort()).toEqual([...ids].sort());
    const sales = await unary(client, client.listConversations, { status: ConversationStatus.CONVERSATION_STATUS_QUEUED, queueId: 'sales', assignedAgentId: '', pageSize: 100, pageToken: '' }, as(tenant));
    expect(sales.conversations.every((c) => c.queueId === 'sales' && c.status === ConversationStatus.CONVERSATION_STATUS_QUEUED)).toBe(true);
    expect(sales.conversations).toHaveLength(10);
    const agent = await unary(client, client.listConversations, { status: 0, queueId: '', assignedAgentId: 'agent-p', pageSize: 0, pageToken: '' }, as(tenant));
    expect(agent.conversations.map((c) => c.conversationId).sort()).toEqual(ids.filter((_, i) => i % 5 === 0).sort());
    const badToken = await codeOf(unary(client, client.listConversations, { status: 0, queueId: '', assignedAgentId: '', pageSize: 10, pageToken: 'forged' }, as(tenant)));
    expect(badToken).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'page_token' });
  });

  it("joins a customer's conversations across channels and linked identities in one timeline", async () => {
    const tenant = 'timeline';
    const email = (await start(tenant, { channel: Channel.CHANNEL_EMAIL, customerId: 'ken@example.com' })).result!.conversationId;
    await post(tenant, email, 'My parcel is late', { });
    await unary(client, client.convertToTicket, { conversationId: email, ticketStatus: TicketStatus.TICKET_STATUS_PENDING }, as(tenant));
    const chat = (await start(tenant, { customerId: 'visitor-ken' })).result!.conversationId;
    await unary(client, client.linkCustomerIdentity, { conversationId: chat, linkedCustomerId: 'ken@example.com', method: 'widget-hmac' }, as(tenant));
    const other = (await start(tenant, { customerId: 'someone-else' })).result!.conversationId;
    await service.projector.catchUp();
    const timeline = await unary(client, client.getCustomerTimeline, { customerId: 'visitor-ken', pageSize: 0, pageToken: '' }, as(tenant));
    expect(timeline.customerIds.sort()).toEqual(['ken@example.com', 'visitor-ken']);
    const entries = timeline.entries.map((e) => e.conversation!.conversationId);
    expect(entries.sort()).toEqual([chat, email].sort());
    expect(entries).not.toContain(other);
    const emailEntry = timeline.entries.find((e) => e.conversation!.conversationId === email)!;
    expect(emailEntry.conversation!.ticketStatus).toBe(TicketStatus.TICKET_STATUS_PENDING);
    expect(emailEntry.recentMessages.map((m) => m.text)).toEqual(['My parcel is late']);
  });

  it('parts two timelines again when a link is undone, keeping the reason in the history', async () => {
    const tenant = 'unlink';
    const chat = (await start(tenant, { customerId: 'visitor-ana' })).result!.conversationId;
    await unary(client, client.linkCustomerIdentity, { conversationId: chat, linkedCustomerId: 'email:ana@example.com', method: 'agent', reason: 'same order number' }, as(tenant));
    await service.projector.catchUp();
    expect((await unary(client, client.getCustomerTimeline, { customerId: 'visitor-ana', pageSize: 0, pageToken: '' }, as(tenant))).customerIds.sort()).toEqual(['email:ana@example.com', 'visitor-ana']);
    expect(await codeOf(unary(client, client.unlinkCustomerIdentity, { conversationId: chat, linkedCustomerId: 'email:ana@example.com', reason: '' }, as(tenant)))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: 'reason' });
    await unary(client, client.unlinkCustomerIdentity, { conversationId: chat, linkedCustomerId: 'email:ana@example.com', reason: 'a different Ana' }, as(tenant));
    await service.projector.catchUp();
    const after = await unary(client, client.getCustomerTimeline, { customerId: 'visitor-ana', pageSize: 0, pageToken: '' }, as(tenant));
    expect(after.customerIds).toEqual(['visitor-ana']);
    expect(await codeOf(unary(client, client.unlinkCustomerIdentity, { conversationId: chat, linkedCustomerId: 'email:ana@example.com', reason: 'again' }, as(tenant)))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    const history = await unary(client, client.getConversationHistory, { conversationId: chat, fromRevision: 0, pageSize: 0, includeNotes: false }, as(tenant));
    const unlinked = history.entries.find((e) => e.event?.$case === 'customerIdentityUnlinked');
    expect(unlinked?.event).toMatchObject({ value: { reason: 'a different Ana', unlinkedBy: 'agent-1' } });
  });

  it('records how far an email reply got, never moving it back, and shows it on the message', async () => {
    const tenant = 'deliveries';
    const id = (await start(tenant, { channel: Channel.CHANNEL_EMAIL, customerId: 'email:ken@example.com' })).result!.conversationId;
    const reply = await post(tenant, id, 'Your parcel left today', { authorKind: AuthorKind.AUTHOR_KIND_AGENT });
    const record = (status: DeliveryStatus, detail = '', willRetry = false) =>
      unary(client, client.recordMessageDelivery, { conversationId: id, messageId: reply.messageId, status, providerMessageId: 'm-1@shop.example', detail, willRetry, occurredAt: undefined }, as(tenant, 'channels:email'));
    await record(DeliveryStatus.DELIVERY_STATUS_FAILED, '451 4.7.1 greylisted', true);
    await record(DeliveryStatus.DELIVERY_STATUS_SENT);
    const revision = await revisionOf(tenant, id);
    await record(DeliveryStatus.DELIVERY_STATUS_SENT);
    expect(await revisionOf(tenant, id)).toBe(revision);
    await record(DeliveryStatus.DELIVERY_STATUS_BOUNCED, '5.2.2 mailbox full');
    await service.projector.catchUp();
    const { messages } = await unary(client, client.getConversation, { conversationId: id, includeNotes: false }, as(tenant));
    expect(messages.find((m) => m.messageId === reply.messageId)!.delivery).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_BOUNCED, detail: '5.2.2 mailbox full', willRetry: false });
    expect(await codeOf(unary(client, client.recordMessageDelivery, { conversationId: id, messageId: 'no-such-message', status: DeliveryStatus.DELIVERY_STATUS_SENT, providerMessageId: '', detail: '', willRetry: false, occurredAt: undefined }, as(tenant)))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
  });

  it('loads a long conversation from a snapshot and its tail', async () => {
    const id = (await start('acme')).result!.conversationId;
    await new Promise((r) => setTimeout(r, 200)); // snapshots are written after the reply
    // Not at a conversation's first event: only every 50 events (snapshotEvery here).
    expect(await service.snapshots.load(conversationStreamId('acme', id))).toBeUndefined();
    for (let i = 0; i < 120; i++) await post('acme', id, `message ${i}`, { clientMessageId: `m-${i}` });
    await new Promise((r) => setTimeout(r, 200));
    const snapshot = await service.snapshots.load(conversationStreamId('acme', id));
    expect(snapshot?.revision).toBe(99); // its 100th event
    const loaded = await service.repository.load('acme', id);
    expect(loaded.revision).toBe(120);
    expect(loaded.state.status).toBe('open');
    // the state folded from the snapshot still knows every client message id
    const again = await post('acme', id, 'message 3', { clientMessageId: 'm-3' });
    expect(again.duplicate).toBe(true);
    expect(await revisionOf('acme', id)).toBe(120);
  });

  it('rebuilds the read models from the log to exactly what they were', async () => {
    await service.projector.catchUp();
    const dump = async () => {
      const out: Record<string, unknown[]> = {};
      for (const t of READ_MODEL_TABLES) out[t] = (await stores.sql.query(`SELECT * FROM ${t} ORDER BY 1, 2, 3`)).rows;
      return out;
    };
    const before = await dump();
    expect((before.cv_conversations ?? []).length).toBeGreaterThan(30);
    const inLog = (await stores.events.readAll({ maxCount: 100_000 })).length;
    expect(inLog).toBeGreaterThan(150);
    expect(await service.projector.rebuild()).toBe(inLog);
    expect(await dump()).toEqual(before);
  });
});
