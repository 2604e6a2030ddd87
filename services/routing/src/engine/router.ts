import type { Logger } from '@contactcenter/infra';
import { AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import { answer, greet, handover, type BotIntent } from '../domain/bot';
import { judgeFit, requirementFor } from '../domain/eligibility';
import { estimateWaitSeconds, THROUGHPUT_WINDOW_MS } from '../domain/estimate';
import { isActive, type OfferRecord } from '../domain/offer';
import { PRIORITY_NORMAL, type QueuePolicy, type Team } from '../domain/policy';
import { route, type RouteOutcome } from '../domain/route';
import { capacityOn, loadOn } from '../domain/agentView';
import { servingOrder, effectivePriority, type Waiting } from '../domain/waiting';
import type { RoutingStore, Versioned } from '../store/routingStore';
import type { AgentDirectory } from './agentDirectory';
import type { ConversationFacts, ConversationFeed, FeedChange } from './conversationFeed';
import type { OfferBook } from './offerBook';
import type { Peers } from './peers';

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
}

/** Where a waiting conversation stands. */
export interface Position {
  queueId: string;
  position: number;
  queueLength: number;
  estimatedWaitSeconds: number | undefined;
  effectivePriority: number;
  waitingSince: number;
  reason: string;
  excluded: Record<string, number>;
  offeredTo: string[];
}

type Definitions = { queues: Map<string, QueuePolicy>; teams: Map<string, Team>; faq: Awaited<ReturnType<RoutingStore['listFaq']>> };

const key = (tenantId: string, conversationId: string) => `${tenantId}/${conversationId}`;

/**
 * Whether an offer belongs to the waiting spell an assignment or a close
 * ended. A replica whose feed lags must not clear the offer of a later spell
 * (after a transfer to a team, or a reopen), which another replica may be
 * assigning right now.
 */
const sameSpell = (offer: OfferRecord, facts: ConversationFacts): boolean => offer.queuedAt === facts.queuedAt;

/**
 * The routing loop of one replica. Every replica folds the same waiting
 * conversations from the event stream and the same agents from presence;
 * each pass serves every tenant's waiting conversations in priority order
 * (aged, then first come first served) and acts through the OfferBook,
 * whose compare-and-set claims keep two replicas off one conversation.
 */
export class Router {
  readonly waiting = new Map<string, Map<string, Waiting>>();
  private readonly offers = new Map<string, Versioned<OfferRecord>>();
  private readonly inFlight = new Set<string>();
  /** Conversations judged "wait" at this directory version: not judged again until an agent changes. */
  private readonly judgedAt = new Map<string, number>();
  private readonly lastWait = new Map<string, Extract<RouteOutcome, { kind: 'wait' }>>();
  private readonly greeted = new Set<string>();
  private readonly assignedAt = new Map<string, number[]>();
  private readonly definitions = new Map<string, Promise<Definitions>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private wake = false;
  private stopped = false;
  private readonly slotWaiters: (() => void)[] = [];

  constructor(
    private readonly deps: RouterDeps,
    private readonly feed: ConversationFeed,
  ) {}

  /** Feed reactions: what waits, what was assigned or closed, what the customer said. */
  onFeed(change: FeedChange): void {
    const { facts } = change;
    const k = key(facts.tenantId, facts.conversationId);
    switch (change.kind) {
      case 'waiting':
        this.putWaiting(facts);
        break;
      case 'assigned': {
        this.dropWaiting(facts.tenantId, facts.conversationId);
        if (change.queueId) this.recordAssignment(facts.tenantId, change.queueId, change.at);
        const offer = this.offers.get(k);
        this.background(async () => {
          if (offer && sameSpell(offer.value, facts)) await this.deps.offers.settle(offer, facts.agentId);
          if (change.previousAgentId) await this.release(facts.tenantId, change.previousAgentId, facts.conversationId);
          if (!this.deps.directory.get(facts.tenantId, facts.agentId)?.holds.has(facts.conversationId)) {
            // Assigned outside routing (a supervisor, a transfer made elsewhere): count it against the agent's capacity.
            await this.deps.peers.reserve(facts.tenantId, facts.agentId, facts.conversationId, facts.channel).then((a) => this.deps.directory.apply(facts.tenantId, a), () => undefined);
          }
          if (facts.botSpoke) await this.bot(facts, [handover(facts.language, String(change.revision))]);
        });
        break;
      }
      case 'released':
        this.background(() => this.release(facts.tenantId, change.agentId, facts.conversationId));
        break;
      case 'closed': {
        this.dropWaiting(facts.tenantId, facts.conversationId);
        const offer = this.offers.get(k);
        this.background(async () => {
          if (offer && sameSpell(offer.value, facts)) await this.deps.offers.settle(offer, change.agentId);
          if (change.agentId) await this.release(facts.tenantId, change.agentId, facts.conversationId);
        });
        break;
      }
      case 'customer-message': {
        const wait = this.lastWait.get(k);
        if (facts.status === 'queued' && wait?.afterHours) {
          this.background(async () => {
            const defs = await this.defs(facts.tenantId);
            await this.bot(facts, answer(defs.faq, { messageId: change.messageId, text: change.text }, facts.language, facts.ticketOpen));
          });
        }
        break;
      }
    }
    this.wakeUp();
  }

  onOffer(tenantId: string, conversationId: string, offer: Versioned<OfferRecord> | undefined): void {
    const k = key(tenantId, conversationId);
    if (offer) this.offers.set(k, offer);
    else this.offers.delete(k);
    const facts = offer?.value.state === 'assigned' ? this.feed.get(tenantId, conversationId) : undefined;
    if (offer && facts && (facts.status !== 'queued' || facts.queuedAt !== offer.value.queuedAt)) {
      // The feed saw the assignment before this record said so: nobody else will clear it.
      this.background(() => this.deps.offers.forget(offer));
    }
    this.judgedAt.delete(k);
    this.wakeUp();
  }

  /** This replica just assigned the conversation: it no longer waits, whatever the feed says yet. */
  assigned(tenantId: string, conversationId: string): void {
    this.dropWaiting(tenantId, conversationId);
  }

  /** Offers of a tenant as this replica last saw them. */
  offersOf(tenantId: string): OfferRecord[] {
    const prefix = `${tenantId}/`;
    return [...this.offers.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v.value);
  }

  onDefinitions(tenantId: string): void {
    this.definitions.delete(tenantId);
    this.wakeUp();
  }

  /** Runs a pass every `tickMs`, and sooner when something changed. */
  start(tickMs: number): void {
    let last = 0;
    const loop = () => {
      const now = Date.now();
      if (this.wake || now - last >= tickMs) {
        this.wake = false;
        last = now;
        this.running = this.pass().catch((err) => this.deps.logger.warn({ err }, 'routing pass failed'));
        void this.running.then(() => {
          if (!this.stopped) this.timer = setTimeout(loop, 20);
        });
      } else {
        this.timer = setTimeout(loop, 20);
      }
    };
    loop();
  }

  /**
   * Starts no more work and waits for the offers and assignments in flight
   * (each bounded by its calls' deadlines). A pass is not waited for: with
   * its peers gone it may be waiting on a call for its whole deadline, or
   * for a slot, for each of thousands of waiting conversations; it gives up
   * at its next step.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const release of this.slotWaiters.splice(0)) release();
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  wakeUp(): void {
    this.wake = true;
  }

  /** The tenant's queues, teams and FAQ, cached until they change; its agents are loaded before the first answer. */
  defs(tenantId: string): Promise<Definitions> {
    let d = this.definitions.get(tenantId);
    if (!d) {
      const { store, directory } = this.deps;
      d = (async () => {
        const [queues, teams, faq] = await Promise.all([store.listQueues(tenantId), store.listTeams(tenantId), store.listFaq(tenantId)]);
        if (!directory.has(tenantId)) await directory.refreshTenant(tenantId);
        return { queues: new Map(queues.map((q) => [q.queueId, q])), teams: new Map(teams.map((t) => [t.teamId, t])), faq };
      })();
      // Concurrent callers share one load; a failed load is forgotten so the next call retries.
      this.definitions.set(tenantId, d);
      d.catch(() => this.definitions.get(tenantId) === d && this.definitions.delete(tenantId));
    }
    return d;
  }

  /** The policy that routes `w`: its queue's, or for a team transfer the team's queue's. */
  policyOf(defs: Definitions, w: Pick<Waiting, 'queueId' | 'teamId'>): QueuePolicy | undefined {
    if (w.queueId) return defs.queues.get(w.queueId);
    const team = defs.teams.get(w.teamId);
    return team?.queueId ? defs.queues.get(team.queueId) : undefined;
  }

  /** One pass over every tenant's waiting conversations. */
  async pass(): Promise<void> {
    const { now: clock, directory, maxInFlight } = this.deps;
    for (const [tenantId, waiting] of this.waiting) {
      if (this.stopped) return;
      if (waiting.size === 0) continue;
      const defs = await this.defs(tenantId);
      const now = clock();
      // Priorities computed once per conversation, not once per comparison: 50,000 waiting sort in a few ms.
      const keyed = [...waiting.values()].map((w) => ({ w, p: effectivePriority(w, this.policyOf(defs, w), now) }));
      keyed.sort((a, b) => b.p - a.p || a.w.queuedAt - b.w.queuedAt || (a.w.conversationId < b.w.conversationId ? -1 : 1));
      const order = keyed.map((k) => k.w);
      // Free slots per channel: once a channel has none, the rest of its line can only wait.
      const free = new Map<string, number>();
      const working = new Map<string, number>();
      for (const a of directory.agents(tenantId)) {
        if (!a.acceptsWork) continue;
        for (const ch of Object.keys(a.capacity)) working.set(ch, (working.get(ch) ?? 0) + 1);
        for (const [ch, cap] of Object.entries(a.capacity)) free.set(ch, (free.get(ch) ?? 0) + Math.max(0, (cap ?? 0) - (a.load[ch as keyof typeof a.load] ?? 0)));
      }
      for (const w of order) {
        // At the in-flight limit, wait for a slot and go on down the same line: re-sorting
        // every waiting conversation after each assignment would cost O(n log n) per assignment.
        while (this.inFlight.size >= maxInFlight && !this.stopped) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        if (this.stopped) return;
        if (!waiting.has(w.conversationId)) continue;
        const k = key(tenantId, w.conversationId);
        if (this.inFlight.has(k)) continue;
        const recorded = this.offers.get(k);
        // An offer of an earlier waiting spell (before a transfer or a reopen) is history: claim over it.
        const offer = recorded && recorded.value.queuedAt === w.queuedAt ? recorded : undefined;
        const previous = offer ?? recorded;
        if (isActive(offer?.value, now)) continue;
        if (offer && offer.value.state !== 'idle') {
          this.act(k, () => this.deps.offers.expire(offer));
          continue;
        }
        const policy = this.policyOf(defs, w);
        if (policy && policy.overflow.toQueueId && policy.overflow.afterSeconds > 0 && now - w.queuedAt >= policy.overflow.afterSeconds * 1000) {
          this.act(k, () => this.deps.peers.queue(tenantId, w.conversationId, policy.overflow.toQueueId, defs.queues.get(policy.overflow.toQueueId)?.teamId ?? '').then(() => undefined));
          continue;
        }
        if (this.judgedAt.get(k) === directory.version) continue;
        let outcome: RouteOutcome;
        if ((free.get(w.channel) ?? 0) <= 0) {
          // Nobody on the channel has a free slot: no need to judge every agent to know it waits.
          if (this.lastWait.has(k)) continue;
          const afterHours = (working.get(w.channel) ?? 0) === 0;
          const requirement = requirementFor(w, policy, now);
          outcome = { kind: 'wait', excluded: {}, afterHours, requirement, reason: afterHours ? `no agent on ${w.channel} is working now` : `every agent on ${w.channel} is busy or at capacity` };
        } else {
          const started = performance.now();
          outcome = route({ waiting: w, policy, agents: directory.agents(tenantId), declined: new Set(offer?.value.declined ?? []), now });
          this.deps.observeDecision?.((performance.now() - started) / 1000);
        }
        if (outcome.kind === 'wait') {
          this.judgedAt.set(k, directory.version);
          this.lastWait.set(k, outcome);
          if (outcome.afterHours && !this.greeted.has(k)) {
            this.greeted.add(k);
            const facts = this.feed.get(tenantId, w.conversationId);
            if (facts) this.background(async () => this.bot(facts, [greet(facts.language, (await this.position(tenantId, w.conversationId))?.estimatedWaitSeconds)]));
          }
          continue;
        }
        this.lastWait.delete(k);
        free.set(w.channel, (free.get(w.channel) ?? 1) - 1);
        if (!outcome.broadcast) directory.reserveLocally(tenantId, outcome.candidates[0]!.agentId, w.conversationId, w.channel);
        this.act(k, () => this.dispatch(w, policy, outcome, previous));
      }
    }
  }

  private async dispatch(w: Waiting, policy: QueuePolicy | undefined, outcome: Extract<RouteOutcome, { kind: 'offer' }>, previous: Versioned<OfferRecord> | undefined): Promise<void> {
    const base: OfferRecord = {
      tenantId: w.tenantId,
      conversationId: w.conversationId,
      queueId: w.queueId,
      channel: w.channel,
      language: w.language,
      strategy: outcome.decision.strategy as OfferRecord['strategy'],
      state: 'idle',
      agentIds: [],
      reservedFor: '',
      acceptingAgent: '',
      // Who declined is remembered for this waiting spell only.
      declined: previous && previous.value.queuedAt === w.queuedAt ? previous.value.declined : [],
      expiresAt: 0,
      queuedAt: w.queuedAt,
      decision: AssignmentDecision.toJSON(outcome.decision),
      by: this.deps.replica,
    };
    const timeoutMs = (policy?.offerTimeoutSeconds ?? 0) * 1000;
    const ids = outcome.candidates.map((c) => c.agentId);
    if (outcome.broadcast) {
      await this.deps.offers.broadcast(base, previous, ids, timeoutMs);
      return;
    }
    const reserved = await this.deps.offers.reserveAndAct(base, previous, ids, timeoutMs);
    if (reserved === undefined) this.judgedAt.set(key(w.tenantId, w.conversationId), this.deps.directory.version);
  }

  /** Where a waiting conversation stands in its line, how long it should still wait, and why. Undefined when it does not wait. */
  async position(tenantId: string, conversationId: string): Promise<Position | undefined> {
    const w = this.waiting.get(tenantId)?.get(conversationId);
    if (!w) return undefined;
    const defs = await this.defs(tenantId);
    const now = this.deps.now();
    const policy = this.policyOf(defs, w);
    const line = [...this.waiting.get(tenantId)!.values()].filter((o) => o.queueId === w.queueId && o.teamId === w.teamId);
    line.sort(servingOrder((o) => this.policyOf(defs, o), now));
    const position = line.findIndex((o) => o.conversationId === conversationId) + 1;
    const req = requirementFor(w, policy, now);
    let servingSlots = 0;
    let freeSlots = 0;
    for (const a of this.deps.directory.agents(tenantId)) {
      if (!a.onShift || !a.acceptsWork || !judgeFit(a, req).ok) continue;
      servingSlots += capacityOn(a, w.channel);
      freeSlots += Math.max(0, capacityOn(a, w.channel) - loadOn(a, w.channel));
    }
    const offer = this.offers.get(key(tenantId, conversationId));
    const offeredTo = isActive(offer?.value, now) ? offer!.value.agentIds : [];
    const outcome = route({ waiting: w, policy, agents: this.deps.directory.agents(tenantId), declined: new Set(offer?.value.declined ?? []), now });
    const reason =
      offeredTo.length > 0
        ? `offered to ${offeredTo.length === 1 ? `agent ${offeredTo[0]}` : `${offeredTo.length} agents`}, waiting for acceptance`
        : outcome.kind === 'wait'
          ? outcome.reason
          : `${position - 1} conversation${position === 2 ? '' : 's'} ahead; an eligible agent is being chosen`;
    return {
      queueId: w.queueId || w.teamId,
      position,
      queueLength: line.length,
      estimatedWaitSeconds: estimateWaitSeconds({
        position,
        recentAssignments: this.assignedAt.get(`${tenantId}/${w.queueId}`) ?? [],
        servingSlots,
        freeSlots,
        averageHandleSeconds: policy?.averageHandleSeconds || 300,
        now,
      }),
      effectivePriority: effectivePriority(w, policy, now),
      waitingSince: w.queuedAt,
      reason,
      excluded: (outcome.kind === 'wait' ? outcome.excluded : outcome.decision.excluded) as Record<string, number>,
      offeredTo,
    };
  }

  private putWaiting(facts: ConversationFacts): void {
    let tenant = this.waiting.get(facts.tenantId);
    if (!tenant) this.waiting.set(facts.tenantId, (tenant = new Map()));
    tenant.set(facts.conversationId, {
      tenantId: facts.tenantId,
      conversationId: facts.conversationId,
      queueId: facts.queueId,
      teamId: facts.teamId,
      channel: facts.channel,
      language: facts.language,
      priority: facts.priority || PRIORITY_NORMAL,
      queuedAt: facts.queuedAt,
    });
    this.judgedAt.delete(key(facts.tenantId, facts.conversationId));
  }

  private dropWaiting(tenantId: string, conversationId: string): void {
    const k = key(tenantId, conversationId);
    this.waiting.get(tenantId)?.delete(conversationId);
    this.judgedAt.delete(k);
    this.lastWait.delete(k);
    this.greeted.delete(k);
  }

  private recordAssignment(tenantId: string, queueId: string, at: number): void {
    const k = `${tenantId}/${queueId}`;
    const recent = (this.assignedAt.get(k) ?? []).filter((t) => at - t <= THROUGHPUT_WINDOW_MS);
    recent.push(at);
    this.assignedAt.set(k, recent.slice(-1_000));
  }

  private async release(tenantId: string, agentId: string, conversationId: string): Promise<void> {
    this.deps.directory.apply(tenantId, await this.deps.peers.release(tenantId, agentId, conversationId).catch(() => undefined));
  }

  private async bot(facts: ConversationFacts, intents: BotIntent[]): Promise<void> {
    for (const intent of intents) {
      if (intent.kind === 'ticket') await this.deps.peers.convertToTicket(facts.tenantId, facts.conversationId);
      await this.deps.peers.postBotMessage(facts.tenantId, facts.conversationId, intent.clientMessageId, intent.text, facts.language);
    }
  }

  private act(k: string, work: () => Promise<void>): void {
    this.inFlight.add(k);
    this.background(work).finally(() => {
      this.inFlight.delete(k);
      this.slotWaiters.shift()?.();
      this.wakeUp();
    });
  }

  private background(work: () => Promise<void>): Promise<void> {
    return work().catch((err) => this.deps.logger.warn({ err }, 'routing step failed; it is retried on a later pass'));
  }
}
