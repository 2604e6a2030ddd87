import type { Logger } from '@contactcenter/infra';
import type { AgentPool } from '../domain/agentPool';
import { requirementKey } from '../domain/agentPool';
import { requirementFor, type Requirement } from '../domain/eligibility';
import { isActive, type OfferRecord } from '../domain/offer';
import type { ChannelName, QueuePolicy } from '../domain/policy';
import { route, type RouteOutcome } from '../domain/route';
import type { Waiting } from '../domain/waiting';
import type { WaitingLine } from '../domain/waitingLine';
import type { Versioned } from '../store/routingStore';
import { ElsewhereAsks, type ElsewhereAnswer } from './elsewhereAsks';

type Offer = Extract<RouteOutcome, { kind: 'offer' }>;
export type WaitOutcome = Extract<RouteOutcome, { kind: 'wait' }>;

/** What the dispatcher acts through (the OfferBook in production). */
export interface DispatchActions {
  /** Reserves and assigns or offers; false when nobody could take it now or another replica holds it. */
  dispatch(w: Waiting, policy: QueuePolicy | undefined, outcome: Offer, previous: Versioned<OfferRecord> | undefined): Promise<boolean>;
  /** Withdraws an offer that expired, or a claim whose replica stopped renewing it. */
  expire(offer: Versioned<OfferRecord>): Promise<void>;
  /** Moves the conversation to the queue its queue overflows to. */
  overflow(w: Waiting, toQueueId: string, teamId: string): Promise<void>;
}

/** What the dispatcher reads: the waiting lines, the offers and the definitions of each tenant, the agents. */
export interface DispatchView {
  lines(): Iterable<[tenantId: string, line: WaitingLine]>;
  offer(tenantId: string, conversationId: string): Versioned<OfferRecord> | undefined;
  offersOf(tenantId: string): Iterable<Versioned<OfferRecord>>;
  /**
   * The tenant's queues (loaded on first use), and the policy that routes a
   * conversation: its queue's, or for a team transfer the team's queue's.
   * One pass keeps to one such snapshot, even if the definitions change meanwhile.
   */
  definitions(tenantId: string): Promise<{ queues: ReadonlyMap<string, QueuePolicy>; policyOf: (w: Waiting) => QueuePolicy | undefined }>;
  pool(tenantId: string): AgentPool;
  /** Counts a reservation before presence confirms it, and forgets it once settled. */
  reserveLocally(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): void;
  settleLocally(tenantId: string, agentId: string, conversationId: string): void;
}

export interface DispatcherDeps {
  view: DispatchView;
  actions: DispatchActions;
  /** Told when a conversation is found to wait with nobody who could take it at work (the bot greets it). */
  onAfterHours: (tenantId: string, conversationId: string) => void;
  /**
   * Follow-the-sun: tries to have another region's agent on shift take a
   * conversation nobody here can take now. Asked when it is found after hours
   * (the bot greets only if it was not taken) and again while it stays so
   * (ElsewhereAsks: every `elsewhereRetryMs`, sooner after no answer).
   */
  elsewhere?: (tenantId: string, conversationId: string, requirement: Requirement) => Promise<ElsewhereAnswer>;
  elsewhereRetryMs?: number;
  logger: Logger;
  now: () => number;
  /** At most this many conversations being reserved and assigned at once by this replica. */
  maxInFlight: number;
  /** Observes how long each routing decision took (seconds). */
  observeDecision?: (seconds: number) => void;
}

const key = (tenantId: string, conversationId: string) => `${tenantId}/${conversationId}`;

/**
 * Serves the waiting lines: each pass walks every tenant's waiting
 * conversations in serving order, decides with `route` and acts through the
 * OfferBook, whose compare-and-set claims keep two replicas off one
 * conversation. It looks only at what can change: a channel with no free
 * slot left is dropped from the walk (the rest of its line can only wait),
 * a conversation judged "wait" is not judged again until an agent changes,
 * and a requirement nobody meets is judged once per change, not once per
 * conversation that has it. Expired offers and overflows are due by the
 * clock and are looked for separately, so a full channel does not hide them.
 */
export class OfferDispatcher {
  private readonly inFlight = new Set<string>();
  /** Pool version at which a conversation was judged to wait. */
  private readonly judgedAt = new Map<string, number>();
  private readonly lastWait = new Map<string, WaitOutcome>();
  /** Per tenant and requirement: the pool version at which nobody could take it, and why. */
  private readonly nobodyFor = new Map<string, { version: number; outcome: WaitOutcome }>();
  /** Conversations not looked at since they (re)joined a line. */
  private readonly fresh = new Map<string, Set<string>>();
  private readonly slotWaiters: (() => void)[] = [];
  /** Follow-the-sun's asks of the other regions; absent with one region. */
  private readonly elsewhere: ElsewhereAsks | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private wake = false;
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {
    const afterHours = (k: string) => (this.lastWait.get(k)?.afterHours ? this.lastWait.get(k) : undefined);
    this.elsewhere = deps.elsewhere && new ElsewhereAsks({
      ask: deps.elsewhere, onAfterHours: deps.onAfterHours, now: deps.now, retryMs: deps.elsewhereRetryMs,
      afterHoursWait: (t, c) => afterHours(key(t, c)),
      act: (t, c, work) => this.act(key(t, c), work),
      busy: (t, c) => this.inFlight.has(key(t, c)),
    });
  }

  /** A conversation (re)joined a line: judge it afresh. */
  joined(tenantId: string, conversationId: string): void {
    const k = key(tenantId, conversationId);
    this.judgedAt.delete(k);
    this.lastWait.delete(k);
    let set = this.fresh.get(tenantId);
    if (!set) this.fresh.set(tenantId, (set = new Set()));
    set.add(conversationId);
    this.wakeUp();
  }

  /** A conversation left its line (assigned, closed). */
  left(tenantId: string, conversationId: string): void {
    const k = key(tenantId, conversationId);
    this.judgedAt.delete(k);
    this.lastWait.delete(k);
    this.fresh.get(tenantId)?.delete(conversationId);
    this.elsewhere?.forget(tenantId, conversationId);
  }

  /** Its offer changed: judge it again. */
  offerChanged(tenantId: string, conversationId: string): void {
    this.judgedAt.delete(key(tenantId, conversationId));
    this.wakeUp();
  }

  /** This replica is acting on the conversation right now (reserving, assigning, offering, expiring). */
  busy(tenantId: string, conversationId: string): boolean {
    return this.inFlight.has(key(tenantId, conversationId));
  }

  /** Why the conversation waited when last judged; undefined when it was not judged to wait. */
  waitOf(tenantId: string, conversationId: string): WaitOutcome | undefined {
    return this.lastWait.get(key(tenantId, conversationId));
  }

  wakeUp(): void {
    this.wake = true;
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
   * for a slot; it gives up at its next step.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const release of this.slotWaiters.splice(0)) release();
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** One pass over every tenant's waiting conversations. */
  async pass(): Promise<void> {
    for (const [tenantId, line] of this.deps.view.lines()) {
      if (this.stopped) return;
      if (line.size > 0) await this.serve(tenantId, line);
    }
  }

  private async serve(tenantId: string, line: WaitingLine): Promise<void> {
    const { view, actions, now: clock, maxInFlight } = this.deps;
    const { queues, policyOf } = await view.definitions(tenantId);
    const now = clock();
    const pool = view.pool(tenantId);
    // Manual pick offers without reserving: count its offers against the channel for the rest of the pass.
    const offeredAll = new Map<ChannelName, number>();
    const free = (ch: ChannelName) => pool.freeOn(ch) - (offeredAll.get(ch) ?? 0);

    this.dueByClock(tenantId, line, queues, policyOf, now);
    this.elsewhere?.byClock(tenantId, line, now);
    // Newcomers on a full channel: the walk below will not reach them; say why they wait (and greet after hours).
    for (const id of this.fresh.get(tenantId) ?? []) {
      const w = line.get(id);
      if (!w) this.fresh.get(tenantId)!.delete(id);
      else if (free(w.channel) <= 0) this.waitForRoom(tenantId, w, policyOf(w), pool, now);
    }

    const order = line.servingOrder(policyOf, now);
    for (let w = order.next(); w; w = order.next()) {
      // At the in-flight limit, wait for a slot and go on down the same line.
      while (this.inFlight.size >= maxInFlight && !this.stopped) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      if (this.stopped) return;
      if (!line.has(w.conversationId)) continue;
      const k = key(tenantId, w.conversationId);
      if (this.inFlight.has(k)) continue;
      const recorded = view.offer(tenantId, w.conversationId);
      // An offer of an earlier waiting spell (before a transfer or a reopen) is history: claim over it.
      const offer = recorded && recorded.value.queuedAt === w.queuedAt ? recorded : undefined;
      if (isActive(offer?.value, now)) continue;
      if (offer && offer.value.state !== 'idle') {
        this.act(k, () => actions.expire(offer));
        continue;
      }
      const policy = policyOf(w);
      if (free(w.channel) <= 0) {
        this.waitForRoom(tenantId, w, policy, pool, now);
        order.dropChannel(w.channel);
        continue;
      }
      this.fresh.get(tenantId)?.delete(w.conversationId);
      if (this.judgedAt.get(k) === pool.version) continue;
      const declined = new Set(offer?.value.declined ?? []);
      const req = requirementFor(w, policy, now);
      const nobodyKey = `${tenantId}|${requirementKey(req)}`;
      const nobody = this.nobodyFor.get(nobodyKey);
      let outcome: RouteOutcome;
      if (nobody?.version === pool.version) {
        // Nobody could take this requirement at this version, declines or not: no need to judge every agent again.
        outcome = nobody.outcome;
      } else {
        const started = performance.now();
        outcome = route({ waiting: w, policy, agents: pool, declined, now });
        this.deps.observeDecision?.((performance.now() - started) / 1000);
        if (outcome.kind === 'wait' && declined.size === 0) this.nobodyFor.set(nobodyKey, { version: pool.version, outcome });
      }
      if (outcome.kind === 'wait') {
        this.waited(tenantId, w.conversationId, outcome, pool.version);
        continue;
      }
      this.lastWait.delete(k);
      const chosen = outcome.broadcast ? undefined : outcome.candidates[0]!.agentId;
      if (chosen) view.reserveLocally(tenantId, chosen, w.conversationId, w.channel);
      else offeredAll.set(w.channel, (offeredAll.get(w.channel) ?? 0) + 1);
      const version = pool.version;
      this.act(k, async () => {
        try {
          // Nobody took it (every candidate refused, or another replica has it): wait for an agent to change.
          if (!(await actions.dispatch(w!, policy, outcome, recorded))) this.judgedAt.set(k, version);
        } finally {
          if (chosen) view.settleLocally(tenantId, chosen, w!.conversationId);
        }
      });
    }
  }

  /** Offers that expired, claims that were abandoned, and conversations due to overflow, wherever they are in their line. */
  private dueByClock(tenantId: string, line: WaitingLine, queues: ReadonlyMap<string, QueuePolicy>, policyOf: (w: Waiting) => QueuePolicy | undefined, now: number): void {
    const { view, actions } = this.deps;
    for (const offer of view.offersOf(tenantId)) {
      const w = line.get(offer.value.conversationId);
      const k = key(tenantId, offer.value.conversationId);
      if (!w || offer.value.queuedAt !== w.queuedAt || this.inFlight.has(k)) continue;
      if (offer.value.state !== 'idle' && !isActive(offer.value, now)) this.act(k, () => actions.expire(offer));
    }
    for (const lineId of [...line.lineIds()]) {
      const sample = line.sampleOf(lineId);
      const policy = sample && policyOf(sample);
      const { afterSeconds = 0, toQueueId = '' } = policy?.overflow ?? {};
      if (!toQueueId || afterSeconds <= 0) continue;
      for (const w of line.queuedBefore(lineId, now - afterSeconds * 1000)) {
        const k = key(tenantId, w.conversationId);
        if (this.inFlight.has(k) || isActive(view.offer(tenantId, w.conversationId)?.value, now)) continue;
        this.act(k, () => actions.overflow(w, toQueueId, queues.get(toQueueId)?.teamId ?? ''));
      }
    }
  }

  /** Nobody on the channel has a free slot: no need to judge every agent to know it waits. */
  private waitForRoom(tenantId: string, w: Waiting, policy: QueuePolicy | undefined, pool: AgentPool, now: number): void {
    this.fresh.get(tenantId)?.delete(w.conversationId);
    if (this.lastWait.has(key(tenantId, w.conversationId))) return;
    const afterHours = pool.workingOn(w.channel) === 0;
    const reason = afterHours ? `no agent on ${w.channel} is working now` : `every agent on ${w.channel} is busy or at capacity`;
    this.waited(tenantId, w.conversationId, { kind: 'wait', excluded: {}, afterHours, requirement: requirementFor(w, policy, now), reason }, undefined);
  }

  private waited(tenantId: string, conversationId: string, outcome: WaitOutcome, version: number | undefined): void {
    const k = key(tenantId, conversationId);
    if (version !== undefined) this.judgedAt.set(k, version);
    const before = this.lastWait.get(k);
    this.lastWait.set(k, outcome);
    if (outcome.afterHours && !before?.afterHours) {
      if (this.elsewhere) this.elsewhere.foundAfterHours(tenantId, conversationId, outcome.requirement);
      else this.deps.onAfterHours(tenantId, conversationId);
    }
  }

  private act(k: string, work: () => Promise<void>): void {
    this.inFlight.add(k);
    work()
      .catch((err) => this.deps.logger.warn({ err }, 'routing step failed; it is retried on a later pass'))
      .finally(() => this.done(k));
  }

  /**
   * Runs `work` as this replica's action on the conversation: no pass
   * dispatches it meanwhile. Undefined, and `work` not run, when an action
   * on it is under way.
   */
  async exclusively<T>(tenantId: string, conversationId: string, work: () => Promise<T>): Promise<T | undefined> {
    const k = key(tenantId, conversationId);
    if (this.inFlight.has(k)) return undefined;
    this.inFlight.add(k);
    try {
      return await work();
    } finally {
      this.done(k);
    }
  }

  private done(k: string): void {
    this.inFlight.delete(k);
    this.slotWaiters.shift()?.();
    this.wakeUp();
  }
}
