/**
 * Routing's behaviours end to end, with conversation, presence and routing as
 * separate processes on a real NATS server and a real event store: offers
 * that time out and move on, manual pick, the translation fallback,
 * transfers, queue position and the after-hours bot, and bad input.
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { AuthorKind, Channel, ConversationServiceClient, TicketStatus, type Conversation } from '@contactcenter/proto/conversation/v1';
import { AgentStatus, PresenceServiceClient, type AgentProfile } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient, Strategy, type Queue } from '@contactcenter/proto/routing/v1';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { conversationStreamId } from '../../services/conversation/src/conversation/streamId';
import { addBusinessSeconds, parseBusinessHours } from '../../services/routing/src/domain/businessHours';
import { RoutingStore } from '../../services/routing/src/store/routingStore';
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

describe('routing flows', () => {
  let stack: TestStack;
  let conversation: ConversationServiceClient;
  let presence: PresenceServiceClient;
  let routing: RoutingServiceClient;
  let nc: NatsConnection;
  let offers: RoutingStore;

  beforeAll(async () => {
    stack = await startTestStack();
    const addr = (n: 'conversation' | 'presence' | 'routing') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    conversation = createGrpcClient(ConversationServiceClient, addr('conversation'));
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    routing = createGrpcClient(RoutingServiceClient, addr('routing'));
    nc = await connectNats(stack.nats.url, 'routing-flows-test', createLogger('routing-flows-test', 'warn'));
    offers = await RoutingStore.open(nc);
  });

  afterAll(async () => {
    await nc?.close();
    for (const c of [conversation, presence, routing]) c?.close();
    await stack?.teardown();
  });

  const newTenant = () => `t-${randomUUID().slice(0, 8)}`;
  const as = (tenantId: string, actorId = 'admin'): CallOptions => ({ tenantId, actorId, deadlineMs: 20_000 });

  async function agent(tenantId: string, agentId: string, overrides: Partial<AgentProfile> = {}, online = true) {
    const profile: AgentProfile = { agentId, displayName: agentId, skills: [{ name: 'billing', level: 6 }], languages: ['en'], capacity: { chat: 2 }, calendar: undefined, translationEnabled: false, teamIds: [], ...overrides };
    await unary(presence, presence.upsertAgent, { profile }, as(tenantId));
    if (online) {
      await unary(presence, presence.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(tenantId));
      await unary(presence, presence.heartbeat, { agentId, connectionId: 'desk' }, as(tenantId));
    }
  }

  async function queue(tenantId: string, q: Partial<Queue> & { queueId: string }) {
    const full: Queue = { name: q.queueId, channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: Strategy.STRATEGY_LEAST_BUSY, offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 120, teamId: '', revision: 0, ...q };
    return (await unary(routing, routing.upsertQueue, { queue: full }, as(tenantId))).queue!;
  }

  async function start(tenantId: string, language = 'en', queueId?: string, channel = Channel.CHANNEL_CHAT): Promise<string> {
    const conversationId = randomUUID();
    await unary(conversation, conversation.startConversation, { conversationId, channel, customerId: `cust-${conversationId.slice(0, 6)}`, language, region: 'eu', subject: '', invitationId: '' }, as(tenantId, 'visitor'));
    if (queueId) await unary(routing, routing.enqueueConversation, { conversationId, queueId }, as(tenantId, 'visitor'));
    return conversationId;
  }

  const get = async (tenantId: string, conversationId: string): Promise<Conversation> =>
    (await unary(conversation, conversation.getConversation, { conversationId, includeNotes: false }, as(tenantId))).conversation!;

  async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined && v !== false) return v as T;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as Error);

  it('moves an unaccepted offer to the next agent; a late or foreign accept changes nothing', async () => {
    const t = newTenant();
    await agent(t, 'ana');
    await agent(t, 'bo');
    await queue(t, { queueId: 'billing', strategy: Strategy.STRATEGY_ROUND_ROBIN, offerTimeoutSeconds: 2, requiredSkills: [{ name: 'billing', minLevel: 5 }] });
    const id = await start(t, 'en', 'billing');

    const first = await eventually(async () => {
      for (const who of ['ana', 'bo']) if ((await unary(routing, routing.listOffers, { agentId: who }, as(t))).offers.length) return who;
      return undefined;
    });
    const other = first === 'ana' ? 'bo' : 'ana';
    expect(await failure(unary(routing, routing.acceptOffer, { conversationId: id, agentId: other }, as(t, other)))).toEqual(expect.objectContaining({ message: expect.stringContaining('went to another agent') }));
    const position = await unary(routing, routing.getQueuePosition, { conversationId: id }, as(t, 'visitor'));
    expect(position).toMatchObject({ position: 1, queueLength: 1, offeredTo: [first] });
    expect(position.waitingReason).toContain(`offered to agent ${first}`);

    // Nobody accepts within 2 s: the offer goes to the other agent, and the first may no longer accept.
    await eventually(async () => (await unary(routing, routing.listOffers, { agentId: other }, as(t))).offers.length > 0);
    const late = await failure(unary(routing, routing.acceptOffer, { conversationId: id, agentId: first }, as(t, first)));
    expect(late).toBeInstanceOf(IllegalStateError);
    expect((await get(t, id)).assignedAgentId).toBe('');

    await unary(routing, routing.acceptOffer, { conversationId: id, agentId: other }, as(t, other));
    const assigned = await get(t, id);
    expect(assigned.assignedAgentId).toBe(other);
    const held = (await unary(presence, presence.getAgent, { agentId: other }, as(t))).agent!;
    expect(held.reservations.map((r) => r.conversationId)).toEqual([id]);
    const firstAgent = (await unary(presence, presence.getAgent, { agentId: first }, as(t))).agent!;
    expect(firstAgent.reservations).toEqual([]);
  });

  it('manual pick: offered to every eligible agent, the first to accept wins', async () => {
    const t = newTenant();
    for (const a of ['p1', 'p2', 'p3']) await agent(t, a);
    await queue(t, { queueId: 'pick', strategy: Strategy.STRATEGY_MANUAL_PICK, offerTimeoutSeconds: 30 });
    const id = await start(t, 'en', 'pick');
    await eventually(async () => (await unary(routing, routing.listOffers, { agentId: 'p3' }, as(t))).offers[0]?.agentIds.length === 3);
    const results = await Promise.allSettled(['p1', 'p2', 'p3'].map((a) => unary(routing, routing.acceptOffer, { conversationId: id, agentId: a }, as(t, a))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IllegalStateError);
    const winner = (await get(t, id)).assignedAgentId;
    expect(['p1', 'p2', 'p3']).toContain(winner);
  });

  it('gives a conversation nobody speaks to an agent with translation, and says so in the decision', async () => {
    const t = newTenant();
    await agent(t, 'en-only', { languages: ['en'] });
    await agent(t, 'translator', { languages: ['en'], translationEnabled: true });
    await queue(t, { queueId: 'general' });
    const native = await start(t, 'en', 'general');
    const german = await start(t, 'de-DE', 'general');
    expect(await eventually(async () => (await get(t, german)).assignedAgentId || undefined)).toBe('translator');
    await eventually(async () => (await get(t, native)).assignedAgentId || undefined);
    const events = await eventually(async () => {
      const { readEvents } = await import('@contactcenter/infra/events');
      const { connect } = await import('@nats-io/transport-node');
      const nc = await connect({ servers: stack.nats.url });
      try {
        const all = await readEvents(nc, { filter: `cc.${t}.conversation.AgentAssigned.>` });
        return all.length === 2 ? all : undefined;
      } finally {
        await nc.close();
      }
    });
    const germanAssigned = events.find((e) => (e.event.data as { conversationId: string }).conversationId === german)!.event.data as {
      reason: string;
      decision: { strategy: string; policyVersion: string; candidates: { agentId: string; chosen: boolean; viaTranslation: boolean }[] };
    };
    expect(germanAssigned.decision.policyVersion).toMatch(/^general@\d+$/);
    expect(germanAssigned.decision.candidates).toEqual([expect.objectContaining({ agentId: 'translator', chosen: true, viaTranslation: true })]);
    expect(germanAssigned.reason).toContain('translated');
  });

  it('routes by the language the customer turns out to write in, once it changes', async () => {
    const t = newTenant();
    await agent(t, 'ines', { languages: ['es'] });
    await queue(t, { queueId: 'front' });
    const id = await start(t, 'en', 'front');
    // Nobody speaks English and nobody translates: it waits.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await get(t, id)).assignedAgentId).toBe('');
    // The translation service detects Spanish and records it on the conversation; routing follows.
    await unary(conversation, conversation.changeCustomerLanguage, { conversationId: id, language: 'es', detected: true }, as(t, 'translation'));
    expect(await eventually(async () => (await get(t, id)).assignedAgentId === 'ines')).toBe(true);
  });

  it('says why a conversation waits, its position and the expected wait', async () => {
    const t = newTenant();
    await agent(t, 'busy', { capacity: { chat: 1 } });
    await queue(t, { queueId: 'line', averageHandleSeconds: 60 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await start(t, 'en', 'line'));
    await eventually(async () => (await get(t, ids[0]!)).assignedAgentId === 'busy');
    const third = await eventually(async () => {
      const p = await unary(routing, routing.getQueuePosition, { conversationId: ids[2]! }, as(t, 'visitor'));
      return p.position === 2 ? p : undefined;
    });
    expect(third).toMatchObject({ queueId: 'line', queueLength: 2, estimatedWaitSeconds: 120 });
    expect(third.waitingReason).toMatch(/busy or at capacity|at capacity/);
    expect(await failure(unary(routing, routing.getQueuePosition, { conversationId: ids[0]! }, as(t)))).toBeInstanceOf(IllegalStateError);

    // The same line as operations see it: routing's Prometheus gauges.
    const scrape = async () => (await fetch(`http://127.0.0.1:${stack.ports.get('routing')!.metricsPort}/metrics`)).text();
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name}\\{tenant="${t}",queue="line"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const text = await scrape();
    expect(gauge(text, 'routing_queue_depth')).toBe(2);
    expect(gauge(text, 'routing_queue_agents_online')).toBe(1);
    expect(gauge(text, 'routing_queue_longest_wait_seconds')).toBeGreaterThan(0);
  });

  it('transfers to a team re-enter routing; to an agent they respect capacity', async () => {
    const t = newTenant();
    await agent(t, 'first');
    await agent(t, 'full', { capacity: { chat: 0, email: 1 } });
    await agent(t, 'teamer', { teamIds: ['vip'] });
    await queue(t, { queueId: 'front', teamId: '' });
    await unary(routing, routing.upsertTeam, { team: { teamId: 'vip', name: 'VIP', queueId: '' } }, as(t));
    const id = await start(t, 'en', 'front');
    const holder = await eventually(async () => (await get(t, id)).assignedAgentId || undefined);
    const refused = await failure(unary(routing, routing.transferConversation, { conversationId: id, target: { $case: 'toAgentId', value: 'full' }, reason: '' }, as(t, holder)));
    expect(refused).toBeInstanceOf(IllegalStateError);
    expect((await get(t, id)).assignedAgentId).toBe(holder);

    await unary(routing, routing.transferConversation, { conversationId: id, target: { $case: 'toTeamId', value: 'vip' }, reason: 'VIP customer' }, as(t, holder));
    expect(await eventually(async () => (await get(t, id)).assignedAgentId === 'teamer')).toBe(true);
    await eventually(async () => (await unary(presence, presence.getAgent, { agentId: holder }, as(t))).agent!.reservations.length === 0);
  });

  it('fills chat and email each up to its own capacity, and records when an email\'s first reply is due in business hours', async () => {
    const t = newTenant();
    await agent(t, 'ana', { capacity: { chat: 3, email: 5 } });
    await queue(t, { queueId: 'chat' });
    const businessHours = { timeZone: 'Europe/Berlin', intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00', endsNextDay: false })), holidays: ['2025-12-25'] };
    const emailQueue = await queue(t, { queueId: 'email', channel: 'email', serviceLevel: { firstReplyTargetSeconds: 4 * 3_600, businessHours } });
    expect(emailQueue.serviceLevel).toEqual({ firstReplyTargetSeconds: 4 * 3_600, businessHours });

    const before = new Date();
    const emails = await Promise.all(Array.from({ length: 6 }, () => start(t, 'en', 'email', Channel.CHANNEL_EMAIL)));
    const after = new Date();
    const chats = await Promise.all(Array.from({ length: 4 }, () => start(t, 'en', 'chat')));
    const heldBy = async (ids: string[]) => (await Promise.all(ids.map((id) => get(t, id)))).filter((c) => c.assignedAgentId === 'ana').length;
    await eventually(async () => (await heldBy(emails)) === 5 && (await heldBy(chats)) === 3);
    const ana = (await unary(presence, presence.getAgent, { agentId: 'ana' }, as(t))).agent!;
    expect(ana.load).toEqual({ chat: 3, email: 5 });
    // Each assignment's claim is deleted once routing's feed shows it; the chat nobody could take has none out.
    await eventually(async () => (await Promise.all([...emails, ...chats].map((id) => offers.getOffer(t, id)))).every((o) => o === undefined || o.value.state === 'idle'));

    // Four business hours from the queueing, in Berlin office hours; the chat queue promises nothing.
    const hours = parseBusinessHours(businessHours, 'business_hours');
    for (const id of emails) {
      const due = (await get(t, id)).firstReplyDueAt!;
      expect(due.getTime()).toBeGreaterThanOrEqual(addBusinessSeconds(before, 4 * 3_600, hours).getTime());
      expect(due.getTime()).toBeLessThanOrEqual(addBusinessSeconds(after, 4 * 3_600, hours).getTime());
    }
    expect((await get(t, chats[0]!)).firstReplyDueAt).toBeUndefined();

    const bad = (serviceLevel: Queue['serviceLevel']) => failure(unary(routing, routing.upsertQueue, { queue: { ...emailQueue, serviceLevel } }, as(t)));
    expect(await bad({ firstReplyTargetSeconds: -1, businessHours })).toMatchObject({ field: 'queue.service_level.first_reply_target_seconds' });
    expect(await bad({ firstReplyTargetSeconds: 60, businessHours: { ...businessHours, timeZone: 'Mars/Olympus' } })).toMatchObject({ field: 'queue.service_level.business_hours.time_zone' });
    expect((await unary(routing, routing.getQueue, { queueId: 'email' }, as(t))).queue!.serviceLevel).toEqual(emailQueue.serviceLevel);
  });

  it('after hours, a bot answers from the FAQ in the visitor\'s language, offers a ticket, and hands over', async () => {
    const t = newTenant();
    await agent(t, 'night', { languages: ['es'] }, false);
    await queue(t, { queueId: 'soporte' });
    await unary(routing, routing.upsertFaqEntry, { entry: { entryId: 'horario', language: 'es', question: '¿Cuál es el horario de atención?', answer: 'Atendemos de 9 a 18 h.', keywords: ['horario', 'abierto'] } }, as(t));
    await unary(routing, routing.upsertFaqEntry, { entry: { entryId: 'hours', language: 'en', question: 'What are your opening hours?', answer: 'We are open 9 to 6.', keywords: ['hours'] } }, as(t));
    const id = await start(t, 'es', 'soporte');
    const timeline = async () => (await unary(conversation, conversation.getConversation, { conversationId: id, includeNotes: false }, as(t))).messages;
    await eventually(async () => (await timeline()).some((m) => m.authorKind === AuthorKind.AUTHOR_KIND_BOT && m.text.includes('no hay ningún agente')));
    await unary(conversation, conversation.postMessage, { conversationId: id, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: '', text: 'hola, ¿cuál es el horario?', attachments: [], clientMessageId: 'm1', language: 'es', cannedResponseId: '' }, as(t, 'visitor'));
    await eventually(async () => (await timeline()).some((m) => m.text === 'Atendemos de 9 a 18 h.'));
    expect((await timeline()).some((m) => m.text === 'We are open 9 to 6.')).toBe(false);
    await unary(conversation, conversation.postMessage, { conversationId: id, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: '', text: 'ticket por favor', attachments: [], clientMessageId: 'm2', language: 'es', cannedResponseId: '' }, as(t, 'visitor'));
    await eventually(async () => (await get(t, id)).ticketStatus === TicketStatus.TICKET_STATUS_OPEN);

    // Morning: the agent comes online; routing assigns and the bot hands over.
    await unary(presence, presence.setAgentStatus, { agentId: 'night', status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(t));
    await unary(presence, presence.heartbeat, { agentId: 'night', connectionId: 'desk' }, as(t));
    await eventually(async () => (await get(t, id)).assignedAgentId === 'night');
    await eventually(async () => (await timeline()).some((m) => m.text === 'Un agente se ha unido a la conversación.'));
  });

  it('overflows to another queue, or widens the requirements, after waiting long enough', async () => {
    const t = newTenant();
    await agent(t, 'generalist', { skills: [] });
    await queue(t, { queueId: 'general' });
    await queue(t, { queueId: 'experts', requiredSkills: [{ name: 'tax', minLevel: 8 }], overflow: { afterSeconds: 1, widen: false, toQueueId: 'general' } });
    await queue(t, { queueId: 'wide', requiredSkills: [{ name: 'tax', minLevel: 8 }], overflow: { afterSeconds: 1, widen: true, toQueueId: '' } });
    const moved = await start(t, 'en', 'experts');
    const widened = await start(t, 'en', 'wide');
    // Nobody has the skill: both wait, and say why.
    const why = await unary(routing, routing.getQueuePosition, { conversationId: widened }, as(t, 'visitor'));
    expect(why.waitingReason).toContain('missing a required skill');
    const movedTo = await eventually(async () => {
      const c = await get(t, moved);
      return c.assignedAgentId ? c : undefined;
    });
    expect(movedTo).toMatchObject({ queueId: 'general', assignedAgentId: 'generalist' });
    const wide = await eventually(async () => {
      const c = await get(t, widened);
      return c.assignedAgentId ? c : undefined;
    });
    expect(wide).toMatchObject({ queueId: 'wide', assignedAgentId: 'generalist' });
  });

  it('starts a visitor\'s conversation straight into a queue: one append, then an agent; nothing written for an unknown queue', async () => {
    const t = newTenant();
    await agent(t, 'a1');
    await queue(t, { queueId: 'q1', teamId: '' });
    const conversationId = randomUUID();
    const startRequest = { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'visitor-1', language: 'en', region: 'eu', subject: '', invitationId: '' };
    const started = await unary(routing, routing.startInQueue, { start: startRequest, queueId: 'q1' }, as(t, 'visitor-1'));
    // Started and queued in one append: revision 1.
    expect(started).toEqual({ conversationId, revision: 1 });
    expect(await eventually(async () => (await get(t, conversationId)).assignedAgentId || undefined)).toBe('a1');
    // A retry (the visitor's request timed out, say) starts nothing new and queues nothing again.
    const retried = await unary(routing, routing.startInQueue, { start: startRequest, queueId: 'q1' }, as(t, 'visitor-1'));
    expect(retried.conversationId).toBe(conversationId);
    expect((await get(t, conversationId)).assignedAgentId).toBe('a1');

    const nowhere = randomUUID();
    expect(await failure(unary(routing, routing.startInQueue, { start: { ...startRequest, conversationId: nowhere }, queueId: 'nope' }, as(t)))).toBeInstanceOf(NotFoundError);
    expect(await failure(get(t, nowhere))).toBeInstanceOf(NotFoundError);
    const placed = { ...startRequest, conversationId: nowhere, queue: { conversationId: '', queueId: 'q1', teamId: '' } };
    expect(await failure(unary(routing, routing.startInQueue, { start: placed, queueId: 'q1' }, as(t)))).toMatchObject({ field: 'start.queue' });
    expect(await failure(unary(routing, routing.startInQueue, { start: undefined, queueId: 'q1' }, as(t)))).toMatchObject({ field: 'start' });
    expect(await failure(unary(routing, routing.startInQueue, { start: { ...startRequest, conversationId: nowhere, language: 'english' }, queueId: 'q1' }, as(t)))).toMatchObject({ field: 'language' });
    expect(await failure(get(t, nowhere))).toBeInstanceOf(NotFoundError);
  });

  it('starts the visitors who arrive together in one call, each as themselves and into an agent; a bad item fails alone and writes nothing', async () => {
    const t = newTenant();
    await agent(t, 'b1', { capacity: { chat: 3 } });
    await queue(t, { queueId: 'q1', teamId: '' });
    const startOf = (conversationId: string, customerId: string) => ({ conversationId, channel: Channel.CHANNEL_CHAT, customerId, language: 'en', region: 'eu', subject: '', invitationId: '' });
    const [first, second, unknownQueue, placed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const { outcomes } = await unary(
      routing,
      routing.startInQueues,
      {
        items: [
          { request: { start: startOf(first, 'visitor-1'), queueId: 'q1' }, actorId: 'visitor-1' },
          { request: { start: startOf(second, 'visitor-2'), queueId: 'q1' }, actorId: 'visitor-2' },
          { request: { start: startOf(unknownQueue, 'visitor-3'), queueId: 'nope' }, actorId: 'visitor-3' },
          { request: { start: { ...startOf(placed, 'visitor-4'), queue: { conversationId: '', queueId: 'q1', teamId: '' } }, queueId: 'q1' }, actorId: 'visitor-4' },
          { request: undefined, actorId: 'visitor-5' },
        ],
      },
      as(t, 'gateway'),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual([
      { $case: 'started', value: { conversationId: first, revision: 1 } },
      { $case: 'started', value: { conversationId: second, revision: 1 } },
      { $case: 'error', value: expect.objectContaining({ code: 'not_found' }) },
      { $case: 'error', value: expect.objectContaining({ code: 'validation', field: 'start.queue' }) },
      { $case: 'error', value: expect.objectContaining({ code: 'validation', field: 'items.request' }) },
    ]);
    for (const id of [first, second]) expect(await eventually(async () => (await get(t, id)).assignedAgentId || undefined)).toBe('b1');
    for (const id of [unknownQueue, placed]) expect(await failure(get(t, id))).toBeInstanceOf(NotFoundError);
    // Each start is recorded as the visitor it names, not as the caller of the batch.
    const db = new pg.Client({ connectionString: stack.eventStoreUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ stream_id: string; actor: string }>(
        `SELECT stream_id, metadata->>'actor_id' AS actor FROM es_events WHERE type = 'ConversationStarted' AND stream_id = ANY($1::text[]) ORDER BY stream_id`,
        [[first, second].map((id) => conversationStreamId(t, id))],
      );
      expect(Object.fromEntries(rows.map((r) => [r.stream_id, r.actor]))).toEqual({ [conversationStreamId(t, first)]: 'visitor-1', [conversationStreamId(t, second)]: 'visitor-2' });
    } finally {
      await db.end();
    }
    // An empty batch is refused as a whole.
    expect(await failure(unary(routing, routing.startInQueues, { items: [] }, as(t, 'gateway')))).toMatchObject({ field: 'items' });
  });

  it('refuses bad input with the right status and changes nothing', async () => {
    const t = newTenant();
    await agent(t, 'a1');
    await queue(t, { queueId: 'q1' });
    const id = await start(t, 'en');
    expect(await failure(unary(routing, routing.enqueueConversation, { conversationId: id, queueId: 'nope' }, as(t)))).toBeInstanceOf(NotFoundError);
    expect((await get(t, id)).queueId).toBe('');
    expect(await failure(unary(routing, routing.transferConversation, { conversationId: id, target: { $case: 'toTeamId', value: 'ghosts' }, reason: '' }, as(t)))).toBeInstanceOf(NotFoundError);
    expect(await failure(unary(routing, routing.acceptOffer, { conversationId: id, agentId: 'nobody' }, as(t)))).toBeInstanceOf(NotFoundError);
    expect(await failure(unary(routing, routing.acceptOffer, { conversationId: id, agentId: 'a1' }, as(t)))).toBeInstanceOf(IllegalStateError);
    // Conversation ids are the conversation service's: up to 128 characters, and no more.
    expect(await failure(unary(routing, routing.getQueuePosition, { conversationId: 'c'.repeat(128) }, as(t)))).not.toBeInstanceOf(ValidationError);
    expect((await failure(unary(routing, routing.getQueuePosition, { conversationId: 'c'.repeat(129) }, as(t)))) as ValidationError).toMatchObject({ field: 'conversation_id' });
    const badLevel = await failure(unary(routing, routing.upsertQueue, { queue: { ...(await queue(t, { queueId: 'q2' })), requiredSkills: [{ name: 'billing', minLevel: 11 }] } }, as(t)));
    expect(badLevel).toBeInstanceOf(ValidationError);
    expect((badLevel as ValidationError).field).toBe('queue.required_skills[0].min_level');
    const badStrategy = await failure(unary(routing, routing.upsertQueue, { queue: { ...(await queue(t, { queueId: 'q3' })), strategy: Strategy.STRATEGY_UNSPECIFIED } }, as(t)));
    expect((badStrategy as ValidationError).field).toBe('queue.strategy');
    const unchanged = (await unary(routing, routing.getQueue, { queueId: 'q2' }, as(t))).queue!;
    expect(unchanged.requiredSkills).toEqual([]);
    expect(await failure(unary(routing, routing.getQueue, { queueId: 'q9' }, as(t)))).toBeInstanceOf(NotFoundError);
    // Another tenant sees none of it.
    expect(await failure(unary(routing, routing.getQueue, { queueId: 'q1' }, as(newTenant())))).toBeInstanceOf(NotFoundError);
  });
});
