import type { Logger } from '@contactcenter/infra';
import { IllegalStateError, isDomainError, NotFoundError } from '@contactcenter/infra/errors';
import { AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import { chose, type RouteOutcome } from '../domain/route';
import { requireAcceptable, slotlessClaim, withdraw, type OfferRecord } from '../domain/offer';
import type { QueuePolicy } from '../domain/policy';
import type { Waiting } from '../domain/waiting';
import type { RoutingStore, Versioned } from '../store/routingStore';
import type { AgentDirectory } from './agentDirectory';
import type { ConversationFacts } from './conversationFeed';
import type { Peers } from './peers';
import type { RoutingEvents } from './routingEvents';

export interface OfferBookDeps {
  store: RoutingStore;
  peers: Peers;
  directory: AgentDirectory;
  events: RoutingEvents;
  logger: Logger;
  /** Names this replica in the records it writes. */
  replica: string;
  /** How long a replica's claim (reserving, accepting) holds before another replica may take over. */
  claimTtlMs: number;
  now: () => number;
  /**
   * Whether no other routing replica is alive (ReplicaRoster): then a plain
   * assignment needs no claim. Absent: always claim.
   */
  alone?: () => boolean;
  /** Called after each assignment this replica made. */
  onAssigned?: (tenantId: string, conversationId: string, strategy: string) => void;
}

/**
 * The life of an offer, shared by every routing replica through
 * compare-and-set on its KV record. Capacity safety rests on two
 * authorities: presence refuses a reservation beyond an agent's capacity,
 * and the conversation refuses a second assignee. The offer record makes
 * sure only one replica at a time acts on a conversation, and that a replica
 * dying mid-way leaves a claim that another replica cleans up: releasing
 * the reservation unless the conversation went to that agent.
 *
 * A replica that is alone (no other replica alive) assigns without a claim
 * when nothing needs a record: no offer timeout, no manual pick, no offer
 * of this waiting spell. That saves two KV writes per assignment (the claim
 * and its deletion) and their delivery back. Should it die between the
 * reservation and the assignment, UnusedReservations releases what it
 * reserved, as a claim's expiry would have.
 */
export class OfferBook {
  constructor(private readonly deps: OfferBookDeps) {}

  /**
   * Acts on a decision: reserves the best candidate presence accepts and
   * assigns (or offers, with an offer timeout), or offers to every candidate
   * at once (manual pick). False when nobody could take it now or another
   * replica holds the conversation.
   */
  async dispatch(w: Waiting, policy: QueuePolicy | undefined, outcome: Extract<RouteOutcome, { kind: 'offer' }>, previous: Versioned<OfferRecord> | undefined): Promise<boolean> {
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
    if (outcome.broadcast) return this.broadcast(base, previous, ids, timeoutMs);
    if (timeoutMs === 0 && previous === undefined && this.deps.alone?.()) return (await this.reserveAndAssign(base, ids)) !== undefined;
    return (await this.reserveAndAct(base, previous, ids, timeoutMs)) !== undefined;
  }

  /** Moves a conversation that waited too long to the queue its queue overflows to. */
  async overflow(w: Waiting, toQueueId: string, teamId: string): Promise<void> {
    await this.deps.peers.queue(w.tenantId, w.conversationId, toQueueId, teamId);
  }

  /**
   * Claims the conversation (creates the offer record, or takes over an idle
   * or expired one at `previous`'s revision). Undefined: another replica
   * holds it.
   */
  async claim(record: OfferRecord, previous: Versioned<OfferRecord> | undefined): Promise<number | undefined> {
    const { store } = this.deps;
    return previous ? store.updateOffer(record, previous.revision) : store.createOffer(record);
  }

  /**
   * Runs `work` while no other replica may act on the conversation: under a
   * `reserving` claim that holds no agent, deleted afterwards, or at once
   * when this replica is alone. Undefined, `work` not run, when another
   * replica holds a record for it. A claim left by a replica that died
   * meanwhile expires as any other, and holds nobody's slot.
   */
  async whileClaimed<T>(facts: ConversationFacts, work: () => Promise<T>): Promise<T | undefined> {
    if (this.deps.alone?.()) return work();
    const { store, now, claimTtlMs, replica, logger } = this.deps;
    const { tenantId, conversationId } = facts;
    const revision = await store.createOffer(slotlessClaim(facts, { by: replica, expiresAt: now() + claimTtlMs }));
    if (revision === undefined) return undefined;
    try {
      return await work();
    } finally {
      await store.deleteOffer(tenantId, conversationId, revision).catch((err: Error) => {
        logger.warn({ err, conversation_id: conversationId }, 'could not delete a claim; it expires');
      });
    }
  }

  /**
   * Reserves the first candidate presence accepts and then assigns (no offer
   * timeout) or offers. Returns whom it reserved, or undefined when every
   * candidate was refused or another replica took the conversation.
   */
  async reserveAndAct(
    base: OfferRecord,
    previous: Versioned<OfferRecord> | undefined,
    candidates: readonly string[],
    offerTimeoutMs: number,
  ): Promise<string | undefined> {
    const { store, now, claimTtlMs } = this.deps;
    let revision: number | undefined;
    for (const agentId of candidates) {
      const record: OfferRecord = { ...base, state: 'reserving', agentIds: [agentId], reservedFor: agentId, acceptingAgent: '', expiresAt: now() + claimTtlMs };
      revision = revision === undefined ? await this.claim(record, previous) : await store.updateOffer(record, revision);
      if (revision === undefined) return undefined;
      try {
        if (!(await this.reserve(base, agentId))) continue;
      } catch (err) {
        await this.giveUp(base, revision);
        throw err;
      }
      if (offerTimeoutMs > 0) {
        const offered: OfferRecord = { ...record, state: 'offered', expiresAt: now() + offerTimeoutMs };
        const rev = await store.updateOffer(offered, revision);
        if (rev === undefined) return agentId; // taken over while we reserved: the taker releases
        await this.deps.events.publish(base.tenantId, base.conversationId, 'OfferMade', rev, { agentIds: [agentId], queueId: base.queueId, expiresAt: new Date(offered.expiresAt).toISOString() });
        return agentId;
      }
      // The 'reserving' record stays as it is until this replica's feed shows the assignment (settle):
      // no write of an 'assigned' state, see `assign`.
      await this.assign({ value: record, revision }, agentId, false);
      return agentId;
    }
    if (revision !== undefined) await this.giveUp(base, revision);
    return undefined;
  }

  /**
   * Reserves the first candidate presence accepts and assigns, without a
   * claim (only while this replica is alone, see the class doc). Returns
   * whom it assigned, or undefined when every candidate was refused.
   */
  async reserveAndAssign(base: OfferRecord, candidates: readonly string[]): Promise<string | undefined> {
    for (const agentId of candidates) {
      if (!(await this.reserve(base, agentId))) continue;
      await this.assign({ value: { ...base, state: 'reserving', agentIds: [agentId], reservedFor: agentId }, revision: undefined }, agentId, false);
      return agentId;
    }
    return undefined;
  }

  /** Offers to every candidate at once (manual pick); the first to accept wins. */
  async broadcast(base: OfferRecord, previous: Versioned<OfferRecord> | undefined, agentIds: string[], offerTimeoutMs: number): Promise<boolean> {
    const record: OfferRecord = { ...base, state: 'offered', agentIds, reservedFor: '', acceptingAgent: '', expiresAt: this.deps.now() + offerTimeoutMs };
    const revision = await this.claim(record, previous);
    if (revision === undefined) return false;
    await this.deps.events.publish(base.tenantId, base.conversationId, 'OfferMade', revision, { agentIds, queueId: base.queueId, expiresAt: new Date(record.expiresAt).toISOString() });
    return true;
  }

  /**
   * An agent accepts. FAILED_PRECONDITION, and nothing changes, when the offer
   * expired, went to someone else or was already taken.
   */
  async accept(tenantId: string, conversationId: string, agentId: string): Promise<number> {
    const { store, peers, directory, now, claimTtlMs } = this.deps;
    const read = await store.getOffer(tenantId, conversationId);
    const offer = requireAcceptable(read?.value, conversationId, agentId, now());
    const broadcast = offer.reservedFor === '';
    const accepting: OfferRecord = { ...offer, state: 'accepting', acceptingAgent: agentId, reservedFor: agentId, expiresAt: now() + claimTtlMs, by: this.deps.replica };
    const revision = await store.updateOffer(accepting, read!.revision);
    if (revision === undefined) {
      // Someone changed it first; say what it is now.
      const now2 = await store.getOffer(tenantId, conversationId);
      requireAcceptable(now2?.value, conversationId, agentId, now());
      throw new IllegalStateError(`the offer of conversation "${conversationId}" changed while accepting; try again`);
    }
    if (broadcast) {
      try {
        directory.apply(tenantId, await peers.reserve(tenantId, agentId, conversationId, offer.channel));
      } catch (err) {
        // Put the offer back for the others.
        await store.updateOffer({ ...offer, by: this.deps.replica }, revision);
        throw err;
      }
    }
    return this.assign({ value: accepting, revision }, agentId);
  }

  /** The agent passes: the next agent gets it (FAILED_PRECONDITION when it was not theirs to decline). */
  async decline(tenantId: string, conversationId: string, agentId: string): Promise<void> {
    const { store, now } = this.deps;
    const read = await store.getOffer(tenantId, conversationId);
    const offer = requireAcceptable(read?.value, conversationId, agentId, now());
    if (offer.reservedFor === '' && offer.agentIds.length > 1) {
      const rev = await store.updateOffer({ ...offer, agentIds: offer.agentIds.filter((a) => a !== agentId), declined: [...offer.declined, agentId], by: this.deps.replica }, read!.revision);
      if (rev === undefined) throw new IllegalStateError(`the offer of conversation "${conversationId}" changed meanwhile; look again`);
    } else {
      const done = await this.withdraw(read!, [agentId]);
      if (!done) throw new IllegalStateError(`the offer of conversation "${conversationId}" changed meanwhile; look again`);
    }
    await this.deps.events.publish(tenantId, conversationId, 'OfferDeclined', `${read!.revision}:${agentId}`, { agentId });
  }

  /**
   * Withdraws an expired offer or a dead replica's claim: the agents it was
   * offered to are passed over next time, and a reservation made for it is
   * released unless the conversation went to that agent after all.
   */
  async expire(read: Versioned<OfferRecord>): Promise<void> {
    const offer = read.value;
    const decliners = offer.state === 'offered' ? offer.agentIds : [];
    if (await this.withdraw(read, decliners)) {
      await this.deps.events.publish(offer.tenantId, offer.conversationId, 'OfferExpired', read.revision, { agentIds: offer.agentIds, state: offer.state });
    }
  }

  /** The conversation is assigned or closed: the offer record goes, and a reservation for someone else is released. */
  async settle(read: Versioned<OfferRecord>, holder: string): Promise<void> {
    const { store, peers, directory } = this.deps;
    const offer = read.value;
    if (!(await store.deleteOffer(offer.tenantId, offer.conversationId, read.revision))) return;
    if (offer.reservedFor && offer.reservedFor !== holder) {
      directory.apply(offer.tenantId, await peers.release(offer.tenantId, offer.reservedFor, offer.conversationId));
    }
  }

  /** Drops a settled record without touching any reservation (the assignment it records stands). */
  async forget(read: Versioned<OfferRecord>): Promise<void> {
    await this.deps.store.deleteOffer(read.value.tenantId, read.value.conversationId, read.revision);
  }

  private async withdraw(read: Versioned<OfferRecord>, decliners: readonly string[]): Promise<boolean> {
    const { store, peers, directory } = this.deps;
    const { next, release } = withdraw(read.value, this.deps.replica, decliners);
    const revision = await store.updateOffer(next, read.revision);
    if (revision === undefined) return false;
    if (release) {
      const { tenantId, conversationId } = read.value;
      const conversation = await peers.getConversation(tenantId, conversationId).catch(() => undefined);
      if (conversation?.assignedAgentId === release) {
        // The dead replica got as far as assigning: keep the reservation, drop the claim.
        await store.deleteOffer(tenantId, conversationId, revision);
      } else {
        directory.apply(tenantId, await peers.release(tenantId, release, conversationId));
      }
    }
    return true;
  }

  /** Reserves a slot of `agentId` for the conversation; false when presence refuses (the agent is full, away or gone). */
  private async reserve(base: OfferRecord, agentId: string): Promise<boolean> {
    const { peers, directory, logger } = this.deps;
    try {
      directory.apply(base.tenantId, await peers.reserve(base.tenantId, agentId, base.conversationId, base.channel));
      return true;
    } catch (err) {
      if (!(err instanceof IllegalStateError || err instanceof NotFoundError)) throw err;
      // Presence knows better than our view. Try the next one.
      logger.debug({ agent_id: agentId, conversation_id: base.conversationId, reason: err.message }, 'reservation refused');
      directory.apply(base.tenantId, await peers.getAgent(base.tenantId, agentId).catch(() => undefined));
      return false;
    }
  }

  private async giveUp(base: OfferRecord, revision: number): Promise<void> {
    await this.deps.store.updateOffer({ ...base, state: 'idle', agentIds: [], reservedFor: '', acceptingAgent: '', expiresAt: 0, decision: null }, revision);
  }

  /**
   * Records the assignment with its decision. Should the conversation already
   * have another agent (or be resolved), the reservation is released and the
   * caller gets FAILED_PRECONDITION.
   *
   * An accepted offer is then marked `assigned`, so an agent who accepts again
   * hears it is theirs. A reservation routing made on its own keeps its
   * `reserving` claim instead (one KV write and its delivery to every replica
   * fewer per assignment): the claim keeps the other replicas off until their
   * feeds show the assignment or it expires, and a replica that takes over an
   * expired claim finds the conversation assigned to that agent and keeps the
   * reservation. The replica that assigned deletes the record once its feed
   * shows the assignment (`settle`), as does any replica that sees the record
   * after its feed showed it (`Router.onOffer`).
   */
  private async assign(read: { value: OfferRecord; revision: number | undefined }, agentId: string, markAssigned = true): Promise<number> {
    const { peers, directory, store } = this.deps;
    const offer = read.value;
    const decided = AssignmentDecision.fromJSON(offer.decision ?? {});
    const { decision, reason } = chose(decided, agentId);
    let revision: number;
    try {
      revision = await peers.assign(offer.tenantId, offer.conversationId, agentId, reason, decision);
    } catch (err) {
      if (isDomainError(err) && (err.code === 'illegal_state' || err.code === 'not_found')) {
        if (read.revision !== undefined) await store.deleteOffer(offer.tenantId, offer.conversationId, read.revision);
        directory.apply(offer.tenantId, await peers.release(offer.tenantId, agentId, offer.conversationId));
      }
      throw err;
    }
    this.deps.onAssigned?.(offer.tenantId, offer.conversationId, decision.strategy);
    // Without a claim (alone) there is no record to mark.
    if (!markAssigned || read.revision === undefined) return revision;
    // Settled, not deleted: deleting would tell the other replicas it is free before their feeds show the assignment.
    await store.updateOffer({ ...offer, state: 'assigned', acceptingAgent: agentId, reservedFor: agentId, by: this.deps.replica }, read.revision);
    return revision;
  }
}
