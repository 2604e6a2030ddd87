/**
 * Conversation ids in a multi-region deployment, over real gRPC on an
 * embedded event store: every id carries this region's prefix, and a
 * client's id naming another region is refused before anything is written.
 */
import * as grpc from '@grpc/grpc-js';
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { Channel, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { randomUUID } from 'node:crypto';
import { startRegionConversationService, type RegionConversationService } from '../../../test/support/regionConversationService';
import { conversationStreamId } from './conversation';

jest.setTimeout(60_000);

let eu: RegionConversationService;
let client: ConversationServiceClient;

beforeAll(async () => {
  eu = await startRegionConversationService('eu', ['eu', 'us']);
  client = createGrpcClient(ConversationServiceClient, eu.address);
});

afterAll(async () => {
  client?.close();
  await eu?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const as = (tenantId: string): CallOptions => ({ tenantId, actorId: 'agent-1', deadlineMs: 10_000 });
const start = (tenantId: string, conversationId = '') =>
  unary(client, client.startConversation, { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'en', region: '', subject: '', invitationId: '' }, as(tenantId));

it('gives a new conversation an id homed in this region, readable under that id', async () => {
  const t = tenant();
  const { result } = await start(t);
  expect(result!.conversationId).toMatch(/^eu_[0-9a-f-]{36}$/);
  const got = await unary(client, client.getConversation, { conversationId: result!.conversationId, includeNotes: false }, as(t));
  expect(got.conversation?.conversationId).toBe(result!.conversationId);
});

it("prefixes a client's own id with this region, and a retry finds the same conversation", async () => {
  const t = tenant();
  const first = await start(t, 'ik-order-42');
  expect(first.result).toEqual({ conversationId: 'eu_ik-order-42', revision: 0 });
  const again = await start(t, 'ik-order-42');
  expect(again.result).toEqual({ conversationId: 'eu_ik-order-42', revision: 0 });
  expect(await eu.events.streamRevision(conversationStreamId(t, 'ik-order-42'))).toBeUndefined();
});

it('keeps an id that already names this region', async () => {
  const t = tenant();
  expect((await start(t, 'eu_abc')).result?.conversationId).toBe('eu_abc');
});

it('refuses an id homed in another region with INVALID_ARGUMENT naming conversation_id, writing nothing', async () => {
  const t = tenant();
  const err = (await start(t, 'us_abc').then(
    () => undefined,
    (e: Error & { cause?: grpc.ServiceError; field?: string }) => e,
  ))!;
  expect(err).toBeDefined();
  expect(err.cause?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.field).toBe('conversation_id');
  expect(err.message).toMatch(/"us"/);
  expect(await eu.events.streamRevision(conversationStreamId(t, 'us_abc'))).toBeUndefined();
  expect(await eu.events.streamRevision(conversationStreamId(t, 'eu_us_abc'))).toBeUndefined();
});
