import type { Logger } from '@contactcenter/infra';
import type { Requirement } from '../domain/eligibility';
import type { FaqEntry } from '../domain/faq';
import type { OfferRecord } from '../domain/offer';
import { PRIORITY_NORMAL, type QueuePolicy, type Team } from '../domain/policy';
import type { Waiting } from '../domain/waiting';
import { WaitingLine } from '../domain/waitingLine';
import type { RoutingStore, Versioned } from '../store/routingStore';
import type { AgentDirectory } from './agentDirectory';
import { AgentSlots, conversationHolder } from './agentSlots';
import { BotResponder } from './botResponder';
import type { ElsewhereAnswer } from './elsewhereAsks';
import type { ConversationFacts, ConversationFeed, FeedChange } from './conversationFeed';
import type { OfferBook } from './offerBook';
import { OfferDispatcher } from './offerDispatcher';
import type { Peers } from './peers';
import { QueuePositions, type Position } from './queuePositions';
import type { SunFollower } from './sunFollower';

export type { Position } from './queuePositions';

export interface RouterDeps {
  store: RoutingStore;
  peers: Peers;
  directory: AgentDirectory;
  offers: OfferBook;
  logger: Logger;
  replica: string;
  now: () => number;
  /** At most this many conversations being reserved and assigned at once by this replica. */
  maxInFlight: number;
  /** Observes how long each routing decision took (seconds). */
  observeDecision?: (seconds: number) => void;
  /** Follow-the-sun to the other regions of the deployment; absent with one region. */
  sun?: SunFollower;
}

type Definitions = { queues: Map<string, QueuePolicy>; teams: Map<string, Team>; faq: FaqEntry[] };

/**
 * Whether an offer belongs to the waiting spell an assignment or a close
 * ended. A replica whose feed lags must not clear the offer of a later spell
 * (after a transfer to a team, or a reopen), which another replica may be
 * assigning right now.
 */
const sameSpell = (offer: OfferRecord, facts: ConversationFacts): boolean => offer.queuedAt === facts.queuedAt;

/** The key of a conversation's queued slot work (Router.slotWork). */
const slotKey = (tenantId: string, conversationId: string) => `${tenantId}\n${conversationId}`;

/** Offer states in which an agent's capacity is (being) held for the conversation. */
const CLAIMS = new Set<OfferRecord['state']>(['reserving', 'offered', 'accepting']);

/**
 * Routing in one replica: what waits (the waiting lines, folded from the
 * conversation events every replica follows), the offers every replica
 * shares in KV, and the reactions to both. Serving the lines is the
 * OfferDispatcher's job, speaking after hours the BotResponder's, saying
 * where a conversation stands the QueuePositions'; this class feeds them.
 */
export class Router {
  /** Per tenant, the conversations waiting for an agent. */
  readonly waiting = new Map<string, WaitingLine>();
  private readonly offers = new Map<string, Map<string, Versioned<OfferRecord>>>();
  private readonly definitions = new Map<string, Promise<Definitions>>();
  /** The definitions loaded per tenant and not changed since, for synchronous lookups (an enqueue). */
  private readonly loaded = new Map<string, Definitions>();
  private readonly dispatcher: OfferDispatcher;
  private readonly bot: BotResponder;
  private readonly positions: QueuePositions;
  private readonly slots: AgentSlots;
  /** Per conversation, the last slot work queued (see inOrder). */
  private readonly slotWork = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: RouterDeps,
    private readonly feed: ConversationFeed,
  ) {
    const { directory, offers, peers } = deps;
    const sun = deps.sun?.enabled ? deps.sun : undefined;
    this.slots = new AgentSlots({ presence: peers, apply: (...a) => directory.apply(...a), sun, placed: (...a) => feed.placeAgent(...a), logger: deps.logger });
    this.positions = new QueuePositions({
      line: (tenantId) => this.waiting.get(tenantId),
      policies: async (tenantId) => {
        const defs = await this.defs(tenantId);
        return (w) => this.policyOf(defs, w);
      },
      pool: (tenantId) => directory.pool(tenantId),
      offer: (tenantId, conversationId) => this.offers.get(tenantId)?.get(conversationId),
      now: deps.now,
    });
    this.bot = new BotResponder({
      peer: peers,
      faq: async (tenantId) => (await this.defs(tenantId)).faq,
      estimate: (tenantId, conversationId) => this.positions.estimate(tenantId, conversationId),
    });
    this.dispatcher = new OfferDispatcher({
      view: {
        lines: () => this.waiting.entries(),
        offer: (tenantId, conversationId) => this.offers.get(tenantId)?.get(conversationId),
        offersOf: (tenantId) => this.offers.get(tenantId)?.values() ?? [],
        definitions: async (tenantId) => {
          const defs = await this.defs(tenantId);
          return { queues: defs.queues, policyOf: (w) => this.policyOf(defs, w) };
        },
        pool: (tenantId) => directory.pool(tenantId),
        reserveLocally: (...args) => directory.reserveLocally(...args),
        settleLocally: (...args) => directory.settleLocally(...args),
      },
      actions: offers,
      onAfterHours: (tenantId, conversationId) => {
        const facts = this.feed.get(tenantId, conversationId);
        if (facts) this.background(() => this.bot.afterHours(facts));
      },
      elsewhere: sun && ((tenantId, conversationId, req) => this.elsewhere(tenantId, conversationId, req)),
      logger: deps.logger,
      now: deps.now,
      maxInFlight: deps.maxInFlight,
      observeDecision: deps.observeDecision,
    });
  }

  /** Feed reactions: what waits, what was assigned or closed, what the customer said. */
  onFeed(change: FeedChange): void {
    const { facts } = change;
    const { tenantId, conversationId } = facts;
    switch (change.kind) {
      case 'waiting':
        this.putWaiting(facts);
        break;
      case 'assigned': {
        this.dropWaiting(tenantId, conversationId);
        if (change.queueId) this.positions.recordAssignment(tenantId, change.queueId, change.at);
        const offer = this.offers.get(tenantId)?.get(conversationId);
        const mine = offer && sameSpell(offer.value, facts) ? offer : undefined;
        // As of this event: the facts object goes on changing with later events.
        const { agentId, agentRegion, channel } = facts;
        this.inOrder(tenantId, conversationId, async () => {
          if (mine) await this.deps.offers.settle(mine, agentId);
          if (change.previousAgentId) await this.slots.release(tenantId, change.previousAgentId, conversationId, change.previousAgentRegion);
          // Assigned outside routing (a supervisor, a transfer): counted against the agent's capacity, in their region.
          const routed = mine?.value.reservedFor === agentId || this.deps.directory.get(tenantId, agentId)?.holds.has(conversationId) || this.deps.sun?.isRemote(agentRegion);
          if (!routed) await this.slots.hold(tenantId, agentId, conversationId, channel);
          await this.bot.assigned(facts, String(change.revision));
        });
        break;
      }
      case 'released':
        this.inOrder(tenantId, conversationId, () => this.slots.release(tenantId, change.agentId, conversationId, change.agentRegion));
        break;
      case 'closed': {
        this.dropWaiting(tenantId, conversationId);
        const offer = this.offers.get(tenantId)?.get(conversationId);
        this.inOrder(tenantId, conversationId, async () => {
          if (offer && sameSpell(offer.value, facts)) await this.deps.offers.settle(offer, change.agentId);
          if (change.agentId) await this.slots.release(tenantId, change.agentId, conversationId, change.agentRegion);
        });
        break;
      }
      case 'customer-message':
        if (facts.status === 'queued' && this.dispatcher.waitOf(tenantId, conversationId)?.afterHours) {
          this.background(() => this.bot.customerMessage(facts, { messageId: change.messageId, text: change.text }));
        }
        break;
    }
    this.dispatcher.wakeUp();
  }

  onOffer(tenantId: string, conversationId: string, offer: Versioned<OfferRecord> | undefined): void {
    let mine = this.offers.get(tenantId);
    if (!mine) this.offers.set(tenantId, (mine = new Map()));
    this.countClaim(tenantId, conversationId, mine.get(conversationId)?.value, offer?.value);
    if (offer) mine.set(conversationId, offer);
    else mine.delete(conversationId);
    if (offer && this.assignedBeforeRecord(tenantId, offer.value)) {
      // The feed saw the assignment before this record said so: nobody else will clear it.
      this.background(() => this.deps.offers.forget(offer));
    }
    this.dispatcher.offerChanged(tenantId, conversationId);
  }

  /**
   * Whether the record arrived after the feed showed what it leads to: an
   * `assigned` record whose waiting spell is over, or a `reserving` claim
   * whose agent the conversation went to in that spell (the replica that
   * assigned keeps that claim rather than writing `assigned`). Such a record
   * only needs deleting: the reservation it names is the assignment's.
   */
  private assignedBeforeRecord(tenantId: string, offer: OfferRecord): boolean {
    if (offer.state !== 'assigned' && offer.state !== 'reserving') return false;
    const facts = this.feed.get(tenantId, offer.conversationId);
    if (!facts) return false;
    if (offer.state === 'assigned') return facts.status !== 'queued' || facts.queuedAt !== offer.queuedAt;
    return facts.status === 'assigned' && facts.queuedAt === offer.queuedAt && facts.agentId === offer.reservedFor;
  }

  /** This replica just assigned the conversation: it no longer waits, whatever the feed says yet. */
  assigned(tenantId: string, conversationId: string): void {
    this.dropWaiting(tenantId, conversationId);
  }

  /** An offer record exists for the conversation (as this replica last saw the records). */
  hasOffer(tenantId: string, conversationId: string): boolean {
    return this.offers.get(tenantId)?.has(conversationId) ?? false;
  }

  /** This replica is acting on the conversation right now, or has slot work for it queued. */
  busy(tenantId: string, conversationId: string): boolean {
    return this.dispatcher.busy(tenantId, conversationId) || this.slotWork.has(slotKey(tenantId, conversationId));
  }

  /** Runs `work` while this replica does nothing else with the conversation (see OfferDispatcher.exclusively); undefined when busy. */
  exclusively<T>(tenantId: string, conversationId: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.slotWork.has(slotKey(tenantId, conversationId))) return Promise.resolve(undefined);
    return this.dispatcher.exclusively(tenantId, conversationId, work);
  }

  /** Offers of a tenant as this replica last saw them. */
  offersOf(tenantId: string): OfferRecord[] {
    return [...(this.offers.get(tenantId)?.values() ?? [])].map((v) => v.value);
  }

  onDefinitions(tenantId: string): void {
    this.definitions.delete(tenantId);
    this.loaded.delete(tenantId);
    this.dispatcher.wakeUp();
  }

  /** The queue as last loaded, without loading anything; undefined when not loaded (or changed since). */
  knownQueue(tenantId: string, queueId: string): QueuePolicy | undefined {
    return this.loaded.get(tenantId)?.queues.get(queueId);
  }

  /** Serves the lines: a pass every `tickMs`, and sooner when something changed. */
  start(tickMs: number): void {
    this.dispatcher.start(tickMs);
  }

  /** Starts no more work and waits for the offers and assignments in flight. */
  stop(): Promise<void> {
    this.slots.stop();
    return this.dispatcher.stop();
  }

  wakeUp(): void {
    this.dispatcher.wakeUp();
  }

  /** The tenant's queues, teams and FAQ, cached until they change; its agents are loaded before the first answer. */
  defs(tenantId: string): Promise<Definitions> {
    let d = this.definitions.get(tenantId);
    if (!d) {
      const { store, directory } = this.deps;
      d = (async () => {
        const [queues, teams, faq] = await Promise.all([store.listQueues(tenantId), store.listTeams(tenantId), store.listFaq(tenantId)]);
        if (!directory.has(tenantId)) await directory.refreshTenant(tenantId);
        const defs = { queues: new Map(queues.map((q) => [q.queueId, q])), teams: new Map(teams.map((t) => [t.teamId, t])), faq };
        // Remembered for synchronous lookups unless the definitions changed while loading.
        if (this.definitions.get(tenantId) === d) this.loaded.set(tenantId, defs);
        return defs;
      })();
      // Concurrent callers share one load; a failed load is forgotten so the next call retries.
      this.definitions.set(tenantId, d);
      d.catch(() => this.definitions.get(tenantId) === d && this.definitions.delete(tenantId));
    }
    return d;
  }

  /** The policy that routes `w`: its queue's, or for a team transfer the team's queue's. */
  policyOf(defs: Definitions | undefined, w: Pick<Waiting, 'queueId' | 'teamId'>): QueuePolicy | undefined {
    if (!defs) return undefined;
    if (w.queueId) return defs.queues.get(w.queueId);
    const team = defs.teams.get(w.teamId);
    return team?.queueId ? defs.queues.get(team.queueId) : undefined;
  }

  /** Where a waiting conversation stands in its line, how long it should still wait, and why. Undefined when it does not wait. */
  position(tenantId: string, conversationId: string): Promise<Position | undefined> {
    return this.positions.position(tenantId, conversationId);
  }

  /**
   * Another replica's claim on an agent (reserving, offered, accepting)
   * counts against that agent here too until it settles, so that two
   * replicas ranking alike do not both pick the agent with the most room and
   * one of them be refused by presence. This replica counts its own claims
   * when it makes them.
   */
  private countClaim(tenantId: string, conversationId: string, before: OfferRecord | undefined, after: OfferRecord | undefined): void {
    const claim = (o: OfferRecord | undefined) => (o && o.by !== this.deps.replica && o.reservedFor && CLAIMS.has(o.state) ? o.reservedFor : '');
    const was = claim(before);
    const is = claim(after);
    if (was && was !== is) this.deps.directory.settleLocally(tenantId, was, conversationId);
    if (is && is !== was) this.deps.directory.reserveLocally(tenantId, is, conversationId, after!.channel);
  }

  private putWaiting(facts: ConversationFacts): void {
    let line = this.waiting.get(facts.tenantId);
    if (!line) this.waiting.set(facts.tenantId, (line = new WaitingLine()));
    line.put({
      tenantId: facts.tenantId,
      conversationId: facts.conversationId,
      queueId: facts.queueId,
      teamId: facts.teamId,
      channel: facts.channel,
      language: facts.language,
      priority: facts.priority || PRIORITY_NORMAL,
      queuedAt: facts.queuedAt,
    });
    this.dispatcher.joined(facts.tenantId, facts.conversationId);
  }

  private dropWaiting(tenantId: string, conversationId: string): void {
    this.waiting.get(tenantId)?.remove(conversationId);
    this.dispatcher.left(tenantId, conversationId);
    this.bot.forget(tenantId, conversationId);
  }

  /** Follow-the-sun for a conversation found after hours here ('taken' also when it no longer waits). */
  private async elsewhere(tenantId: string, conversationId: string, req: Requirement): Promise<ElsewhereAnswer> {
    const w = this.waiting.get(tenantId)?.get(conversationId);
    if (!w || !this.deps.sun) return w ? 'waits' : 'taken';
    const outcome = await this.deps.sun.tryElsewhere(w, this.policyOf(await this.defs(tenantId), w), req, this.offers.get(tenantId)?.get(conversationId));
    if (outcome.kind === 'waits') return outcome.unanswered ? 'unanswered' : 'waits';
    return (this.assigned(tenantId, conversationId), 'taken');
  }

  /** Which agent holds the conversation, for another region's lease check (see `conversationHolder`). */
  holderOf(tenantId: string, conversationId: string): string | undefined {
    if (!this.feed.isReady) return undefined;
    return conversationHolder(this.feed.get(tenantId, conversationId), this.offers.get(tenantId)?.get(conversationId)?.value, this.deps.now());
  }

  private background(work: () => Promise<void>): void {
    work().catch(this.stepFailed);
  }

  private readonly stepFailed = (err: unknown): void => this.deps.logger.warn({ err }, 'routing step failed; it is retried on a later pass');

  /**
   * Background work on a conversation's slots, in the order of its events: a release must not overtake the
   * hold of the assignment before it (a batched reservation waits for its batch; the release goes at once),
   * or presence would keep a slot for a conversation that is over.
   */
  private inOrder(tenantId: string, conversationId: string, work: () => Promise<void>): void {
    const key = slotKey(tenantId, conversationId);
    const run = (this.slotWork.get(key) ?? Promise.resolve()).then(work).catch(this.stepFailed);
    this.slotWork.set(key, run);
    void run.then(() => {
      if (this.slotWork.get(key) === run) this.slotWork.delete(key);
    });
  }
}
