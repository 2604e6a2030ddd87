/**
 * One routing replica, alone, with conversation and presence as separate
 * processes on a real NATS server and a real event store: it assigns without
 * writing an offer claim; it releases a reservation nobody used while the
 * ones in use are kept; and when it is SIGKILLed between reserving every
 * slot and assigning (its assignments hang on a paused conversation service,
 * which is killed too), the replica started after it releases those slots
 * and assigns with them. The two-replica test (routingReplicas) covers the
 * claims replicas use when they are not alone.
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
  const as = (actorId = 'admin', tenantId = tenant): CallOptions => ({ tenantId, actorId, deadlineMs: 20_000 });

  beforeAll(async () => {
    stack = await startTestStack({ extraEnv: { routing: { ROUTING_CLAIM_TTL_MS: String(CLAIM_TTL_MS) } } });
    const addr = (n: 'conversation' | 'presence' | 'routing') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    conversation = createGrpcClient(ConversationServiceClient, addr('conversation'));
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    routing = createGrpcClient(RoutingServiceClient, addr('routing'));
    nc = await connectNats(stack.nats.url, 'routing-alone-test', createLogger('routing-alone-test', 'warn'));
    await staff(tenant, ['ana', 'bo'], 2);
  });

  /** Agents online with `capacity` chat slots each, and the tenant's queue (least busy, no offer timeout). */
  async function staff(tenantId: string, agentIds: string[], capacity: number) {
    for (const agentId of agentIds) {
      const profile = { agentId, displayName: agentId, skills: [{ name: 'support', level: 5 }], languages: ['en'], capacity: { chat: capacity }, calendar: undefined, translationEnabled: false, teamIds: [] };
      await unary(presence, presence.upsertAgent, { profile }, as('admin', tenantId));
      await unary(presence, presence.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as('admin', tenantId));
      await unary(presence, presence.heartbeat, { agentId, connectionId: 'desk' }, as('admin', tenantId));
    }
    const queue = {
      queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: Strategy.STRATEGY_LEAST_BUSY,
      offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 60, teamId: '', revision: 0,
    };
    await unary(routing, routing.upsertQueue, { queue }, as('admin', tenantId));
  }

  afterAll(async () => {
    await nc?.close();
    for (const c of [conversation, presence, routing]) c?.close();
    await stack?.teardown();
  });

  const start = async (tenantId = tenant): Promise<string> => {
    const conversationId = randomUUID();
    await unary(conversation, conversation.startConversation, { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'cust', language: 'en', region: 'eu', subject: '', invitationId: '' }, as('visitor', tenantId));
    return conversationId;
  };
  const enqueue = (conversationId: string, tenantId = tenant) => unary(routing, routing.enqueueConversation, { conversationId, queueId: 'support' }, as('visitor', tenantId));
  const agentOf = async (agentId: string, tenantId = tenant): Promise<Agent> => (await unary(presence, presence.getAgent, { agentId }, as('admin', tenantId))).agent!;
  const holds = async (agentId: string, tenantId = tenant) => (await agentOf(agentId, tenantId)).reservations.map((r) => r.conversationId).sort();
  const assigneeOf = async (conversationId: string, tenantId = tenant) =>
    (await unary(conversation, conversation.getConversation, { conversationId, includeNotes: false }, as('admin', tenantId))).conversation!.assignedAgentId;

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
      await Promise.all(ids.map((id) => enqueue(id)));
      const assignees = await eventually('both assigned', async () => {
        const a = await Promise.all(ids.map((id) => assigneeOf(id)));
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

  it('killed between reserving and assigning, leaves slots that the next replica releases, then assigns with them', async () => {
    const t = `kill-${randomUUID().slice(0, 8)}`;
    const agentIds = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    await staff(t, agentIds, 3);
    const ids = await Promise.all(Array.from({ length: 60 }, () => start(t)));
    const current = (name: 'routing' | 'conversation') => stack.replicas.get(name)![0]!;
    const signal = (name: 'routing' | 'conversation', s: NodeJS.Signals) => process.kill(-current(name).child.pid!, s);
    // Routing paused, the conversations are queued (through the conversation service) and their events reach JetStream.
    signal('routing', 'SIGSTOP');
    try {
      for (const id of ids) await unary(conversation, conversation.queueConversation, { conversationId: id, queueId: 'support', teamId: '' }, as('visitor', t));
      await new Promise((r) => setTimeout(r, 1_000));
      // Then the conversation service pauses and routing goes on: it reserves every slot, and its assignments hang.
      signal('conversation', 'SIGSTOP');
      signal('routing', 'SIGCONT');
      const held = async () => (await Promise.all(agentIds.map((a) => holds(a, t)))).flat().length;
      await eventually('every slot reserved', async () => (await held()) === 30, 20_000);
    } finally {
      // Both die there (the hung assignments with them): 30 slots held for conversations nobody assigned.
      await current('routing').stop('SIGKILL');
      await current('conversation').stop('SIGKILL');
    }
    await stack.restart('conversation');
    const logsBefore = stack.logs.length;
    await stack.restart('routing');
    for (const id of ids) expect(await assigneeOf(id, t)).toBe('');
    // 30 slots for 60 conversations: the unused ones are released, and every slot ends up used.
    const assigned = await eventually('30 assigned', async () => {
      const a = await Promise.all(ids.map(async (id) => [id, await assigneeOf(id, t)] as const));
      const given = a.filter(([, agent]) => agent);
      return given.length === 30 && given;
    }, 30_000);
    const released = stack.logs.slice(logsBefore).filter((l) => l.service === 'routing' && l.line.includes('released a reservation nobody used'));
    expect(released.length).toBeGreaterThanOrEqual(30);
    // Each agent's slots are exactly the conversations assigned to them.
    const expected = new Map(agentIds.map((a) => [a, assigned.filter(([, agent]) => agent === a).map(([id]) => id).sort()]));
    await eventually('every slot is its assignment\'s', async () => {
      for (const a of agentIds) if (JSON.stringify(await holds(a, t)) !== JSON.stringify(expected.get(a))) return false;
      return true;
    }, CLAIM_TTL_MS * 8);
    for (const a of agentIds) expect(await holds(a, t)).toEqual(expected.get(a));
  });
});
