import { eachItemAsItsActor, requireTenantId, type AsyncService, type CallContext, type Logger } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, UnavailableError, ValidationError } from '@contactcenter/infra/errors';
import { ConversationStatus } from '@contactcenter/proto/conversation/v1';
import { Strategy, type FaqEntry as FaqEntryProto, type Queue, type RoutingServiceServer, type ServiceLevel as ServiceLevelProto, type StartInQueueRequest, type StartInQueueResponse } from '@contactcenter/proto/routing/v1';
import { validateFaqEntry, type FaqEntry } from './domain/faq';
import { isActive } from './domain/offer';
import { requireToken, validateQueue, validateTeam, type QueuePolicy, type StrategyName } from './domain/policy';
import { firstReplyDueAt, type ServiceLevel } from './domain/serviceLevel';
import { channelName } from './engine/conversationFeed';
import type { OfferBook } from './engine/offerBook';
import type { Peers } from './engine/peers';
import type { Router } from './engine/router';
import type { RoutingStore } from './store/routingStore';

export const STRATEGY_NAMES: Record<number, StrategyName> = {
  [Strategy.STRATEGY_LONGEST_IDLE]: 'longest_idle',
  [Strategy.STRATEGY_LEAST_BUSY]: 'least_busy',
  [Strategy.STRATEGY_ROUND_ROBIN]: 'round_robin',
  [Strategy.STRATEGY_MANUAL_PICK]: 'manual_pick',
};
const STRATEGY_ENUM = new Map(Object.entries(STRATEGY_NAMES).map(([k, v]) => [v, Number(k) as Strategy]));

export function queueFromProto(q: Queue | undefined): Omit<QueuePolicy, 'revision'> {
  if (!q) throw new ValidationError('queue', 'is required');
  return {
    queueId: q.queueId,
    name: q.name,
    channel: q.channel as QueuePolicy['channel'],
    requiredSkills: q.requiredSkills.map((s) => ({ name: s.name, minLevel: s.minLevel })),
    language: q.language,
    priority: q.priority || 2,
    strategy: STRATEGY_NAMES[q.strategy] ?? ('' as StrategyName),
    offerTimeoutSeconds: q.offerTimeoutSeconds,
    agingSeconds: q.agingSeconds,
    overflow: { afterSeconds: q.overflow?.afterSeconds ?? 0, widen: q.overflow?.widen ?? false, toQueueId: q.overflow?.toQueueId ?? '' },
    averageHandleSeconds: q.averageHandleSeconds,
    teamId: q.teamId,
    ...(q.serviceLevel && { serviceLevel: serviceLevelFromProto(q.serviceLevel) }),
  };
}

const serviceLevelFromProto = (sl: ServiceLevelProto): ServiceLevel => {
  const hours = sl.businessHours;
  if (!hours) return { firstReplyTargetSeconds: sl.firstReplyTargetSeconds };
  const intervals = hours.intervals.map((i) => ({ day: i.day, start: i.start, end: i.end, endsNextDay: i.endsNextDay }));
  return { firstReplyTargetSeconds: sl.firstReplyTargetSeconds, businessHours: { timeZone: hours.timeZone, intervals, holidays: hours.holidays } };
};

export function queueToProto(q: QueuePolicy): Queue {
  return { ...q, strategy: STRATEGY_ENUM.get(q.strategy) ?? Strategy.STRATEGY_UNSPECIFIED, requiredSkills: q.requiredSkills, overflow: q.overflow };
}

const faqFromProto = (e: FaqEntryProto | undefined): FaqEntry => {
  if (!e) throw new ValidationError('entry', 'is required');
  return { entryId: e.entryId, language: e.language, question: e.question, answer: e.answer, keywords: e.keywords };
};

/** How long a position query waits for routing to see a conversation that was just queued. */
const READ_YOUR_WRITES_MS = 3_000;

// As the conversation service takes them: up to 128 characters (queue, team and FAQ ids stop at 64).
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const requireConversationId = (id: string) => {
  if (!CONVERSATION_ID.test(id)) throw new ValidationError('conversation_id', `must be 1-128 letters, digits, "-" or "_", got ${JSON.stringify(id.slice(0, 140))}`);
  return id;
};

/** RoutingService over gRPC, but for SimulateRouting (simulation/simulationGrpc.ts), which needs no live routing state. */
export function routingGrpc(deps: { store: RoutingStore; router: Router; offers: OfferBook; peers: Peers; logger?: Logger }): Omit<AsyncService<RoutingServiceServer>, 'simulateRouting'> {
  const { store, router, offers, peers, logger } = deps;
  const tenant = (ctx: CallContext) => requireTenantId(ctx.tenantId);
  /** The queue a conversation joins: the definitions routing holds (kept current by their KV watch), else (not loaded yet, just changed) read from KV. */
  const queueToJoin = async (queueId: string, ctx: CallContext): Promise<QueuePolicy> => {
    const queue = router.knownQueue(tenant(ctx), requireToken('queue_id', queueId)) ?? (await store.getQueue(ctx.tenantId, queueId));
    if (!queue) throw new NotFoundError('queue', queueId);
    return queue;
  };
  /** Starts a conversation in the queue it names: routing fills in the placement, the conversation service appends it started and queued. */
  const startInQueue = async (req: StartInQueueRequest, ctx: CallContext): Promise<StartInQueueResponse> => {
    if (!req.start) throw new ValidationError('start', 'is required');
    if (req.start.queue) throw new ValidationError('start.queue', 'must be unset: routing fills it in from queue_id');
    const queue = await queueToJoin(req.queueId, ctx);
    const placement = { conversationId: '', queueId: queue.queueId, teamId: queue.teamId, firstReplyDueAt: firstReplyDueAt(queue.serviceLevel, new Date()) };
    const started = await peers.startInQueue(ctx.tenantId, { ...req.start, queue: placement }, ctx.actorId || 'routing');
    return { conversationId: started.conversationId, revision: started.revision };
  };
  return {
    upsertQueue: async (req, ctx) => {
      const queue = validateQueue(queueFromProto(req.queue));
      if (queue.overflow.toQueueId && !(await store.getQueue(tenant(ctx), queue.overflow.toQueueId))) throw new NotFoundError('queue', queue.overflow.toQueueId);
      return { queue: queueToProto(await store.putQueue(tenant(ctx), queue)) };
    },
    getQueue: async (req, ctx) => {
      const queue = await store.getQueue(tenant(ctx), requireToken('queue_id', req.queueId));
      if (!queue) throw new NotFoundError('queue', req.queueId);
      const line = [...(router.waiting.get(ctx.tenantId)?.values() ?? [])].filter((w) => w.queueId === queue.queueId);
      const oldest = line.reduce((min, w) => Math.min(min, w.queuedAt), Infinity);
      return { queue: queueToProto(queue), waiting: line.length, oldestWaitingSince: line.length ? new Date(oldest) : undefined };
    },
    listQueues: async (_req, ctx) => ({ queues: (await store.listQueues(tenant(ctx))).map(queueToProto) }),
    upsertTeam: async (req, ctx) => {
      if (!req.team) throw new ValidationError('team', 'is required');
      const team = validateTeam(req.team);
      if (team.queueId && !(await store.getQueue(tenant(ctx), team.queueId))) throw new NotFoundError('queue', team.queueId);
      return { team: await store.putTeam(tenant(ctx), team) };
    },
    listTeams: async (_req, ctx) => ({ teams: await store.listTeams(tenant(ctx)) }),
    upsertFaqEntry: async (req, ctx) => ({ entry: await store.putFaq(tenant(ctx), validateFaqEntry(faqFromProto(req.entry))) }),
    listFaqEntries: async (req, ctx) => {
      const all = await store.listFaq(tenant(ctx));
      return { entries: req.language ? all.filter((e) => e.language === req.language.toLowerCase()) : all };
    },
    enqueueConversation: async (req, ctx) => {
      requireConversationId(req.conversationId);
      const queue = await queueToJoin(req.queueId, ctx);
      // The queue's promise starts now; an overflow later keeps it (offerBook passes none).
      const dueAt = firstReplyDueAt(queue.serviceLevel, new Date());
      return { revision: await peers.queue(ctx.tenantId, req.conversationId, queue.queueId, queue.teamId, ctx.actorId || 'routing', dueAt) };
    },
    startInQueue: (req, ctx) => startInQueue(req, ctx),
    // Each item as StartInQueue, as the visitor it names; their starts reach the conversation service together.
    startInQueues: async (req, ctx) => ({ outcomes: await eachItemAsItsActor(req.items, ctx, startInQueue, 'started', logger) }),
    getQueuePosition: async (req, ctx) => {
      requireConversationId(req.conversationId);
      let position = await router.position(tenant(ctx), req.conversationId);
      if (!position) {
        const conversation = await peers.getConversation(ctx.tenantId, req.conversationId);
        if (!conversation) throw new NotFoundError('conversation', req.conversationId);
        if (conversation.status !== ConversationStatus.CONVERSATION_STATUS_QUEUED) {
          throw new IllegalStateError(
            conversation.assignedAgentId ? `conversation "${req.conversationId}" is not waiting: agent "${conversation.assignedAgentId}" has it` : `conversation "${req.conversationId}" is not waiting in a queue`,
          );
        }
        // Queued a moment ago: routing's view follows the event stream; give it a moment to see it.
        for (let waited = 0; !position && waited < READ_YOUR_WRITES_MS; waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
          position = await router.position(ctx.tenantId, req.conversationId);
        }
        if (!position) throw new UnavailableError('routing has not seen this conversation join its queue yet; retry shortly');
      }
      return {
        conversationId: req.conversationId,
        queueId: position.queueId,
        position: position.position,
        queueLength: position.queueLength,
        estimatedWaitSeconds: position.estimatedWaitSeconds,
        effectivePriority: position.effectivePriority,
        waitingSince: new Date(position.waitingSince),
        waitingReason: position.reason,
        excluded: position.excluded,
        offeredTo: position.offeredTo,
      };
    },
    listOffers: async (req, ctx) => {
      const agentId = requireToken('agent_id', req.agentId);
      await peers.getAgent(tenant(ctx), agentId); // NOT_FOUND for an unknown agent
      const now = Date.now();
      const mine = router.offersOf(ctx.tenantId).filter((o) => o.state === 'offered' && isActive(o, now) && o.agentIds.includes(agentId));
      return {
        offers: mine.map((o) => ({
          conversationId: o.conversationId,
          queueId: o.queueId,
          agentIds: o.agentIds,
          expiresAt: new Date(o.expiresAt),
          strategy: STRATEGY_ENUM.get(o.strategy) ?? Strategy.STRATEGY_UNSPECIFIED,
          channel: o.channel,
          language: o.language,
        })),
      };
    },
    acceptOffer: async (req, ctx) => {
      requireConversationId(req.conversationId);
      const agentId = requireToken('agent_id', req.agentId);
      await peers.getAgent(tenant(ctx), agentId);
      return { revision: await offers.accept(ctx.tenantId, req.conversationId, agentId) };
    },
    declineOffer: async (req, ctx) => {
      requireConversationId(req.conversationId);
      const agentId = requireToken('agent_id', req.agentId);
      await peers.getAgent(tenant(ctx), agentId);
      await offers.decline(ctx.tenantId, req.conversationId, agentId);
      router.wakeUp();
      return {};
    },
    transferConversation: async (req, ctx) => {
      requireConversationId(req.conversationId);
      const target = req.target;
      if (!target) throw new ValidationError('target', 'one of to_agent_id and to_team_id is required');
      if (req.reason.length > 500) throw new ValidationError('reason', 'at most 500 characters');
      const conversation = await peers.getConversation(tenant(ctx), req.conversationId);
      if (!conversation) throw new NotFoundError('conversation', req.conversationId);
      const actor = ctx.actorId || 'routing';
      if (target.$case === 'toTeamId') {
        const team = await store.getTeam(ctx.tenantId, requireToken('to_team_id', target.value));
        if (!team) throw new NotFoundError('team', target.value);
        return { revision: await peers.transfer(ctx.tenantId, req.conversationId, target, req.reason, actor) };
      }
      const agentId = requireToken('to_agent_id', target.value);
      if (conversation.assignedAgentId === agentId) throw new IllegalStateError(`agent "${agentId}" already holds conversation "${req.conversationId}"`);
      const channel = channelName(conversation.channel);
      // Capacity first: a transfer never puts an agent over their limit.
      await peers.reserve(ctx.tenantId, agentId, req.conversationId, channel);
      try {
        return { revision: await peers.transfer(ctx.tenantId, req.conversationId, target, req.reason, actor) };
      } catch (err) {
        await peers.release(ctx.tenantId, agentId, req.conversationId);
        throw err;
      }
    },
  };
}
