import { hostPort, int, runService, string } from '@contactcenter/infra';
import { NotFoundError } from '@contactcenter/infra/errors';
import { RoutingServiceService } from '@contactcenter/proto/routing/v1';
import { Histogram, Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { AgentDirectory } from './engine/agentDirectory';
import { ConversationFeed } from './engine/conversationFeed';
import { OfferBook } from './engine/offerBook';
import { Peers } from './engine/peers';
import { registerQueueGauges } from './engine/queueGauges';
import { Router } from './engine/router';
import { RegionDesk } from './engine/regionDesk';
import { ReplicaRoster } from './engine/replicaRoster';
import { UnusedReservations } from './engine/unusedReservations';
import { NatsRemoteRegions, serveRegionRouting } from './engine/remoteRegions';
import { RoutingEvents } from './engine/routingEvents';
import { SunFollower } from './engine/sunFollower';
import { routingGrpc } from './grpc';
import { simulationGrpc } from './simulation/simulationGrpc';
import { DEFAULT_ROUTING_BUCKET, RoutingStore } from './store/routingStore';

/**
 * The routing service process: queues, assignment decisions, offers and the
 * after-hours bot. Any number of replicas may run; they share queues and
 * offers in NATS KV and each follows the conversation events.
 */
runService(
  'routing',
  {
    CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
    PRESENCE_GRPC_ADDR: hostPort({ default: '127.0.0.1:50053' }),
    /** NATS KV bucket of queues, teams, FAQ entries and offers, shared by every routing replica. */
    ROUTING_BUCKET: string({ default: DEFAULT_ROUTING_BUCKET }),
    /** A pass over the waiting conversations runs at least this often (sooner on any change). */
    ROUTING_TICK_MS: int({ default: 250, min: 10 }),
    /** How long a replica's claim on a conversation holds; after it another replica cleans up. */
    ROUTING_CLAIM_TTL_MS: int({ default: 10_000, min: 1_000 }),
    /** Full re-read of agents from presence (shifts start and end without an event). */
    ROUTING_AGENT_RESYNC_MS: int({ default: 15_000, min: 1_000 }),
    /**
     * Conversations this replica reserves and assigns at once. Each waits mostly on presence's and the
     * conversation service's batch calls, so this bounds assignments/s at about this many ÷ one
     * assignment's round trips (32 in flight at ~0.3 s under load capped routing near 100/s in
     * bench:routing; with batch calls, 128 left the machine idle at ~600/s where 512 saturated it).
     */
    ROUTING_MAX_IN_FLIGHT: int({ default: 512, min: 1 }),
  },
  async (rt) => {
    const { config, logger, metrics } = rt;
    const replica = `${config.REGION}-${randomUUID().slice(0, 8)}`;
    const decisions = new Histogram({
      name: 'routing_decision_seconds',
      help: 'Time to choose candidates for one waiting conversation',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [metrics.registry],
    });
    const assignments = new Counter({ name: 'routing_assignments_total', help: 'Assignments made, by strategy', labelNames: ['strategy'], registers: [metrics.registry] });
    const unusedReleased = new Counter({ name: 'routing_unused_reservations_released_total', help: 'Reservations released because nobody used them (left by a replica that stopped mid-way)', registers: [metrics.registry] });
    const followed = new Counter({ name: 'routing_follow_the_sun_total', help: 'Conversations of this region assigned to an agent of another region, by that region', labelNames: ['agent_region'], registers: [metrics.registry] });

    const store = await RoutingStore.open(rt.nats, config.ROUTING_BUCKET);
    // Alone, a replica assigns without claims (see OfferBook); a replica not heard from for a claim's TTL is gone.
    const roster = await ReplicaRoster.open(rt.nats, { bucket: `${config.ROUTING_BUCKET}_replicas`, replica, goneAfterMs: config.ROUTING_CLAIM_TTL_MS, logger });
    const events = await RoutingEvents.open(rt.nats, config.REGION, logger);
    const peers = new Peers({ presence: config.PRESENCE_GRPC_ADDR, conversation: config.CONVERSATION_GRPC_ADDR });
    let router: Router | undefined;
    const directory = new AgentDirectory(peers, logger, () => router?.wakeUp());
    const offers = new OfferBook({ store, peers, directory, events, logger, replica, claimTtlMs: config.ROUTING_CLAIM_TTL_MS, now: Date.now, alone: () => roster.alone(), onAssigned: (tenantId, conversationId, strategy) => {
        assignments.inc({ strategy });
        router?.assigned(tenantId, conversationId);
      } });
    const feed = new ConversationFeed(rt.nats, (change) => router?.onFeed(change), logger);
    // Follow-the-sun (multi-region only): this region's conversations to other regions' agents on shift, and theirs to ours.
    const remote = new NatsRemoteRegions(rt.nats);
    const sun = new SunFollower({
      region: config.REGION,
      regions: config.REGIONS,
      remote,
      agents: (tenantId) => directory.agents(tenantId),
      store,
      assign: (tenantId, conversationId, agentId, reason, decision, agentRegion) => peers.assign(tenantId, conversationId, agentId, reason, decision, 'routing', agentRegion),
      logger,
      replica,
      claimTtlMs: config.ROUTING_CLAIM_TTL_MS,
      now: Date.now,
      onAssigned: (tenantId, conversationId, agentRegion) => {
        followed.inc({ agent_region: agentRegion });
        router?.assigned(tenantId, conversationId);
      },
    });
    const desk = new RegionDesk({
      region: config.REGION,
      agents: {
        pool: async (tenantId) => {
          if (!directory.has(tenantId)) await directory.refreshTenant(tenantId);
          return directory.pool(tenantId);
        },
        reserve: (tenantId, agentId, conversationId, channel) => peers.reserve(tenantId, agentId, conversationId, channel),
        release: (tenantId, agentId, conversationId) => peers.release(tenantId, agentId, conversationId),
        apply: (tenantId, agent) => directory.apply(tenantId, agent),
      },
      logger,
      // Slots held here for other regions' conversations are leased; the home region says whether each was used.
      remote,
      holderOf: (tenantId, conversationId) => router?.holderOf(tenantId, conversationId),
    });
    const deskSubscription = sun.enabled ? serveRegionRouting(rt.nats, config.REGION, desk, logger) : undefined;
    router = new Router({ store, peers, directory, offers, logger, replica, now: Date.now, maxInFlight: config.ROUTING_MAX_IN_FLIGHT, observeDecision: (s) => decisions.observe(s), sun: sun.enabled ? sun : undefined }, feed);
    const stopOffers = await store.watchOffers((t, c, o) => router!.onOffer(t, c, o), logger);
    const stopDefinitions = await store.watchDefinitions((t) => router!.onDefinitions(t), logger);
    await feed.start();
    directory.start(rt.nats, () => store.tenants(), config.ROUTING_AGENT_RESYNC_MS);
    registerQueueGauges(metrics.registry, { router: () => router, directory });
    rt.grpc.addService(RoutingServiceService, { ...routingGrpc({ store, router, offers, peers, logger }), ...simulationGrpc({ store, nats: rt.nats, peers, logger }) });
    const unused = new UnusedReservations({
      tenants: () => directory.tenantIds(),
      agents: (tenantId) => directory.agents(tenantId),
      facts: (tenantId, conversationId) => feed.get(tenantId, conversationId),
      claimed: (tenantId, conversationId) => router!.hasOffer(tenantId, conversationId),
      busy: (tenantId, conversationId) => router!.busy(tenantId, conversationId),
      exclusively: (tenantId, conversationId, work) => router!.exclusively(tenantId, conversationId, work),
      whileClaimed: async (tenantId, conversationId, work) => {
        const facts = feed.get(tenantId, conversationId);
        return facts ? offers.whileClaimed(facts, work) : undefined;
      },
      holderOf: (tenantId, conversationId) =>
        peers.getConversation(tenantId, conversationId).then(
          (c) => c?.assignedAgentId,
          (err) => (err instanceof NotFoundError ? undefined : Promise.reject(err)),
        ),
      release: async (tenantId, agentId, conversationId) => directory.apply(tenantId, await peers.release(tenantId, agentId, conversationId)),
      graceMs: config.ROUTING_CLAIM_TTL_MS,
      now: Date.now,
      logger,
      onReleased: () => unusedReleased.inc(),
    });
    let sweeping: NodeJS.Timeout | undefined;
    let stopping = false;
    const sweepLater = () => {
      if (stopping) return;
      sweeping = setTimeout(() => {
        unused
          .sweep()
          .catch((err) => logger.warn({ err }, 'looking for unused reservations failed; looking again later'))
          .finally(sweepLater);
      }, Math.floor(config.ROUTING_CLAIM_TTL_MS / 2));
      sweeping.unref();
    };
    void feed.ready.then(() => {
      logger.info({ replica, conversations: feed.conversations.size, alone: roster.alone() }, 'routing caught up with the conversation events; routing starts');
      router!.start(config.ROUTING_TICK_MS);
      sweepLater();
    });
    rt.onShutdown('router', async () => {
      deskSubscription?.unsubscribe();
      desk.stop();
      stopping = true;
      clearTimeout(sweeping);
      unused.stop();
      await router!.stop();
      await roster.stop();
      feed.stop();
      directory.stop();
      stopOffers();
      stopDefinitions();
      peers.close();
    });
  },
);
