/**
 * One routing replica, alone, with conversation and presence as separate
 * processes on a real NATS server and a real event store: it assigns without
 * writing an offer claim, and it releases a reservation nobody used (what a
 * replica that died between reserving and assigning leaves behind), while a
 * reservation in use is kept. The two-replica test (routingReplicas) covers
 * the claims replicas use when they are not alone.
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { Channel, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { AgentStatus, PresenceServiceClient, type Agent } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient, Strategy } from '@contactcenter/proto/routing/v1';
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { Kvm } from '@nats-io/kv';
import { randomUUID } from 'node:crypto';
import { DEFAULT_ROUTING_BUCKET } from '../../services/routing/src/store/routingStore';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

/** The claim TTL is also the grace an unused reservation gets: short, so the test sees a release within seconds. */
const CLAIM_TTL_MS = 1_500;

describe('routing alone', () => {
  let stack: TestStack;
  let conversation: ConversationServiceClient;
  let presence: PresenceServiceClient;
  let routing: RoutingServiceClient;
  let nc: NatsConnection;
  const tenant = `alone-${randomUUID().slice(0, 8)}`;
  const as = (actorId = 'admin'): CallOptions => ({ tenantId: tenant, actorId, deadlineMs: 20_000 });

  beforeAll(async () => {
    stack = await startTestStack({ extraEnv: { routing: { ROUTING_CLAIM_TTL_MS: String(CLAIM_TTL_MS) } } });
    const addr = (n: 'conversation' | 'presence' | 'routing') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    conversation = createGrpcClient(ConversationServiceClient, addr('conversation'));
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    routing = createGrpcClient(RoutingServiceClient, addr('routing'));
    nc = await connectNats(stack.nats.url, 'routing-alone-test', createLogger('routing-alone-test', 'warn'));
    for (const agentId of ['ana', 'bo']) {
      const profile = { agentId, displayName: agentId, skills: [{ name: 'support', level: 5 }], languages: ['en'], capacity: { chat: 2 }, calendar: undefined, translationEnabled: false, teamIds: [] };
      await unary(presence, presence.upsertAgent, { profile }, as());
      await unary(presence, presence.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as());
      await unary(presence, presence.heartbeat, { agentId, connectionId: 'desk' }, as());
    }
    const queue = {
      queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: Strategy.STRATEGY_LEAST_BUSY,
      offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 60, teamId: '', revision: 0,
    };
    await unary(routing, routing.upsertQueue, { queue }, as());
  });

  afterAll(async () => {
    await nc?.close();
    for (const c of [conversation, presence, routing]) c?.close();
    await stack?.teardown();
  });

  const start = async (): Promise<string> => {
    const conversationId = randomUUID();
    await unary(conversation, conversation.startConversation, { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'cust', language: 'en', region: 'eu', subject: '', invitationId: '' }, as('visitor'));
    return conversationId;
  };
  const enqueue = (conversationId: string) => unary(routing, routing.enqueueConversation, { conversationId, queueId: 'support' }, as('visitor'));
  const agentOf = async (agentId: string): Promise<Agent> => (await unary(presence, presence.getAgent, { agentId }, as())).agent!;
  const holds = async (agentId: string) => (await agentOf(agentId)).reservations.map((r) => r.conversationId).sort();
  const assigneeOf = async (conversationId: string) => (await unary(conversation, conversation.getConversation, { conversationId, includeNotes: false }, as())).conversation!.assignedAgentId;

  async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined && v !== false) return v as T;
      if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('assigns without writing an offer claim', async () => {
    const kv = await new Kvm(nc).open(DEFAULT_ROUTING_BUCKET);
    const written: string[] = [];
    const watch = await kv.watch({ key: `${tenant}.offer.*`, include: 'updates' });
    void (async () => {
      for await (const e of watch) written.push(`${e.operation} ${e.key}`);
    })();
    try {
      const ids = [await start(), await start()];
      await Promise.all(ids.map(enqueue));
      const assignees = await eventually('both assigned', async () => {
        const a = await Promise.all(ids.map(assigneeOf));
        return a.every(Boolean) && a;
      });
      expect(assignees.sort()).toEqual(['ana', 'bo']); // least busy: one each
      // The assignments' events went through the feed (the holds match) with no claim written or deleted.
      expect([...(await holds('ana')), ...(await holds('bo'))].sort()).toEqual([...ids].sort());
      expect(written).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('releases a reservation nobody used, after the grace period, and keeps the ones in use', async () => {
    // Each agent holds the conversation the test above gave them.
    const [anaBefore, boBefore] = [await holds('ana'), await holds('bo')];
    expect([anaBefore.length, boBefore.length]).toEqual([1, 1]);
    const id = await start();
    // What a replica that died after reserving and before assigning leaves: ana's slot held for a waiting conversation.
    await unary(presence, presence.reserveCapacity, { agentId: 'ana', conversationId: id, channel: 'chat' }, as());
    const heldAt = Date.now();
    await enqueue(id);
    // Least busy: ana holds two slots to bo's one, so bo gets it; ana's second slot is now for bo's conversation.
    expect(await eventually('assigned', async () => (await assigneeOf(id)) || undefined)).toBe('bo');
    await eventually('ana\'s unused slot is released', async () => !(await holds('ana')).includes(id), CLAIM_TTL_MS * 6);
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(CLAIM_TTL_MS);
    expect(stack.logs.some((l) => l.service === 'routing' && l.line.includes('released a reservation nobody used') && l.line.includes(id))).toBe(true);
    // The slots in use are the assignments': several sweeps later they still stand.
    await new Promise((r) => setTimeout(r, CLAIM_TTL_MS * 3));
    expect(await holds('ana')).toEqual(anaBefore);
    expect(await holds('bo')).toEqual([...boBefore, id].sort());
    expect(await assigneeOf(id)).toBe('bo');
  });
});
