import type { Logger } from '@contactcenter/infra';
import { isDomainError } from '@contactcenter/infra/errors';
import type { AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import type { AgentView } from '../domain/agentView';
import type { Requirement } from '../domain/eligibility';
import { chooseRegion, nobodyOnShift, regionStanding, shiftedAgents, type RegionChoice, type RegionStanding } from '../domain/followTheSun';
import { isActive, slotlessClaim, type OfferRecord } from '../domain/offer';
import { policyVersion, type ChannelName, type QueuePolicy } from '../domain/policy';
import { effectivePriority, type Waiting } from '../domain/waiting';
import type { RoutingStore, Versioned } from '../store/routingStore';
import type { RemoteRegions, RemoteReservation, WireRequirement } from './remoteRegions';

export interface SunFollowerDeps {
  /** This region, the conversations' home. */
  region: string;
  /** Every region of the deployment, this one among them. */
  regions: readonly string[];
  remote: RemoteRegions;
  /** This region's agents of the tenant. */
  agents: (tenantId: string) => Iterable<AgentView>;
  store: Pick<RoutingStore, 'createOffer' | 'updateOffer' | 'deleteOffer'>;
  /** Records the assignment in this (the home) region's conversation service. */
  assign: (tenantId: string, conversationId: string, agentId: string, reason: string, decision: AssignmentDecision, agentRegion: string) => Promise<number>;
  logger: Logger;
  replica: string;
  claimTtlMs: number;
  now: () => number;
  onAssigned?: (tenantId: string, conversationId: string, agentRegion: string) => void;
}

/** The conversation service keeps reasons to this length. */
const MAX_REASON = 1_000;

const wire = ({ primaryLanguage: _, ...req }: Requirement): WireRequirement => req;

/** What came of trying another region: assigned there, or it waits; `unanswered`: a region did not answer (worth asking again soon). */
export type ElsewhereOutcome = { kind: 'assigned'; choice: RegionChoice } | { kind: 'waits'; unanswered: boolean };

const WAITS: ElsewhereOutcome = { kind: 'waits', unanswered: false };
const UNANSWERED: ElsewhereOutcome = { kind: 'waits', unanswered: true };

/** The claim taken on the conversation's offer record, and how to give it up. */
interface Claim {
  record: OfferRecord;
  revision: number;
  /** No record was there before: giving up deletes it rather than leave an idle one. */
  created: boolean;
}

/**
 * Follow-the-sun from the home region: when nobody who could take a waiting
 * conversation is on shift here, the other regions are asked, `chooseRegion`
 * judges, the chosen region reserves one of its agents, and the assignment
 * is written here (the conversation stays in its home region). The claim on
 * the offer record keeps the other replicas of this region off the
 * conversation meanwhile, as for a local assignment.
 *
 * Round trips: with one other region, one request (`reserveIfChosen`: the
 * region judges with the same `chooseRegion` and reserves if it is the one);
 * with several, their standings in parallel, then the reservation in the
 * chosen one (two).
 */
export class SunFollower {
  constructor(private readonly deps: SunFollowerDeps) {}

  get enabled(): boolean {
    return this.deps.regions.some((r) => r !== this.deps.region);
  }

  /** Whether an agent of `agentRegion` (from AgentAssigned) holds their slot in another region's presence. */
  isRemote(agentRegion: string): boolean {
    return agentRegion !== '' && agentRegion !== this.deps.region;
  }

  /** The conversation ended or changed hands: the other region's agent gets their slot back. */
  release(agentRegion: string, tenantId: string, agentId: string, conversationId: string): Promise<void> {
    return this.deps.remote.release(agentRegion, { tenantId, agentId, conversationId });
  }

  /**
   * A conversation was given to an agent this region's presence does not know
   * (a transfer): finds the other region they work in and holds their slot
   * there. That region, or undefined when no region answered for them.
   */
  async holdElsewhere(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): Promise<string | undefined> {
    const { region, regions, remote, logger } = this.deps;
    const others = regions.filter((r) => r !== region);
    const ask = { tenantId, agentId, conversationId, channel, homeRegion: region };
    const answers = await Promise.all(
      others.map((r) =>
        remote.hold(r, ask).catch((err) => {
          logger.warn({ err, region: r, agent_id: agentId, conversation_id: conversationId }, 'follow-the-sun: could not ask another region for a transferred-to agent');
          return 'unknown' as const;
        }),
      ),
    );
    const found = others.filter((_, i) => answers[i] !== 'unknown');
    // An agent id known in two regions: the first by the deployment's order keeps it, the others give their slot back.
    for (const r of found.slice(1)) if (answers[others.indexOf(r)] === 'held') await this.release(r, tenantId, agentId, conversationId).catch(() => undefined);
    return found[0];
  }

  /** Assigns the conversation to another region's agent if one should and can take it. */
  async tryElsewhere(w: Waiting, policy: QueuePolicy | undefined, req: Requirement, recorded: Versioned<OfferRecord> | undefined): Promise<ElsewhereOutcome> {
    const { region, regions, agents, now } = this.deps;
    const at = now();
    const home = regionStanding({ region, agents: shiftedAgents(agents(w.tenantId), req) }, at);
    const others = regions.filter((r) => r !== region);
    if (home.onShift > 0 || others.length === 0) return WAITS;
    const previous = recorded && recorded.value.queuedAt === w.queuedAt ? recorded : undefined;
    if (isActive(previous?.value, at)) return WAITS;
    const trial: Trial = { w, policy, req, at, home, previous };
    return others.length === 1 ? this.inOneRoundTrip(trial, others[0]!) : this.standingsThenReserve(trial, others);
  }

  /** One other region: claim here, then one request that reserves there if it is the region chosen. */
  private async inOneRoundTrip(t: Trial, other: string): Promise<ElsewhereOutcome> {
    const { region, remote, logger } = this.deps;
    const claim = await this.claim(t);
    if (!claim) return WAITS; // another replica holds it
    const answer = await remote.reserveIfChosen(other, { ...this.reserveAsk(t), at: t.at, home: t.home }).catch((err) => {
      logger.warn({ err, region: other, conversation_id: t.w.conversationId }, 'follow-the-sun: another region did not answer');
      return undefined;
    });
    if (!answer) return (await this.unclaim(claim), UNANSWERED);
    const standings = [t.home, answer.standing];
    const choice = chooseRegion(region, standings);
    if (!choice || choice.home || !answer.reserved) {
      if (answer.reserved) await this.giveBack(answer.reserved, t.w);
      if (!choice) this.nobody(t.w, standings);
      await this.unclaim(claim);
      return WAITS;
    }
    return this.assign(t, claim, choice, standings, answer.reserved);
  }

  /** Several other regions: every standing at once, then the reservation in the one chosen. */
  private async standingsThenReserve(t: Trial, others: string[]): Promise<ElsewhereOutcome> {
    const { region, remote, logger } = this.deps;
    const answers = await Promise.all(others.map((r) => remote.standing(r, { tenantId: t.w.tenantId, requirement: wire(t.req), at: t.at })));
    const unanswered = answers.some((s) => s === undefined);
    const standings = [t.home, ...answers.filter((s) => s !== undefined)];
    const choice = chooseRegion(region, standings);
    if (!choice || choice.home) {
      this.nobody(t.w, standings);
      return unanswered ? UNANSWERED : WAITS;
    }
    const claim = await this.claim(t);
    if (!claim) return WAITS;
    const reserved = await remote.reserve(choice.region, this.reserveAsk(t)).catch((err) => {
      logger.warn({ err, region: choice.region, conversation_id: t.w.conversationId }, 'follow-the-sun: reservation in another region failed');
      return null;
    });
    if (!reserved) return (await this.unclaim(claim), reserved === null || unanswered ? UNANSWERED : WAITS);
    return this.assign(t, claim, choice, standings, reserved);
  }

  private reserveAsk(t: Trial) {
    return { tenantId: t.w.tenantId, conversationId: t.w.conversationId, homeRegion: this.deps.region, requirement: wire(t.req) };
  }

  private nobody(w: Waiting, standings: RegionStanding[]): void {
    this.deps.logger.debug({ tenant_id: w.tenantId, conversation_id: w.conversationId, reason: nobodyOnShift(this.deps.region, standings) }, 'follow-the-sun: nobody on shift anywhere');
  }

  /** Claims the conversation on its offer record; undefined when another replica holds it. */
  private async claim({ w, at, previous }: Trial): Promise<Claim | undefined> {
    // No local reservation: an expired claim must not release anything here. The remote slot is released below, by the feed or by its lease there.
    const record = slotlessClaim(w, { by: this.deps.replica, expiresAt: at + this.deps.claimTtlMs, declined: previous?.value.declined ?? [] });
    const { store } = this.deps;
    const revision = previous ? await store.updateOffer(record, previous.revision) : await store.createOffer(record);
    return revision === undefined ? undefined : { record, revision, created: !previous };
  }

  private async unclaim(claim: Claim): Promise<void> {
    const { store } = this.deps;
    if (claim.created) await store.deleteOffer(claim.record.tenantId, claim.record.conversationId, claim.revision);
    else await store.updateOffer({ ...claim.record, state: 'idle', expiresAt: 0 }, claim.revision);
  }

  private giveBack(reserved: RemoteReservation, w: Waiting): Promise<void> {
    return this.deps.remote.release(reserved.agentRegion, { tenantId: w.tenantId, conversationId: w.conversationId, agentId: reserved.agentId }).catch((err) => {
      this.deps.logger.warn({ err, region: reserved.agentRegion, conversation_id: w.conversationId }, 'follow-the-sun: giving a slot back failed; its lease there releases it');
    });
  }

  /** Writes the assignment here, to the agent the other region reserved. */
  private async assign(t: Trial, claim: Claim, choice: RegionChoice, standings: RegionStanding[], reserved: RemoteReservation): Promise<ElsewhereOutcome> {
    const { w, policy, req, at } = t;
    const { store, logger } = this.deps;
    const decision: AssignmentDecision = {
      strategy: 'least_busy',
      policyVersion: policy ? policyVersion(policy) : '',
      queueId: w.queueId,
      candidates: [],
      eligibleCount: standings.find((s) => s.region === choice.region)?.onShift ?? 0,
      excluded: {},
      effectivePriority: effectivePriority(w, policy, at),
      waitedMs: Math.max(0, at - w.queuedAt),
      widened: req.widened,
      regionReason: choice.reason,
    };
    const reason = `follow-the-sun: ${choice.reason}; ${reserved.reason}`.slice(0, MAX_REASON);
    try {
      await this.deps.assign(w.tenantId, w.conversationId, reserved.agentId, reason, decision, reserved.agentRegion);
    } catch (err) {
      if (isDomainError(err) && (err.code === 'illegal_state' || err.code === 'not_found')) {
        // Assigned meanwhile (or gone): give the borrowed slot back.
        await store.deleteOffer(w.tenantId, w.conversationId, claim.revision);
        await this.giveBack(reserved, w);
      }
      // Otherwise (unknown outcome) the claim expires; the slot stays if the assignment was written, else its lease releases it.
      throw err;
    }
    logger.info({ tenant_id: w.tenantId, conversation_id: w.conversationId, agent_id: reserved.agentId, agent_region: reserved.agentRegion, reason }, 'assigned to an agent of another region');
    this.deps.onAssigned?.(w.tenantId, w.conversationId, reserved.agentRegion);
    // Settled, not deleted, as for a local assignment: the other replicas' feeds have to see it first.
    await store.updateOffer({ ...claim.record, state: 'assigned', agentIds: [reserved.agentId], acceptingAgent: reserved.agentId, decision: null }, claim.revision);
    return { kind: 'assigned', choice };
  }
}

/** One attempt at one conversation. */
interface Trial {
  w: Waiting;
  policy: QueuePolicy | undefined;
  req: Requirement;
  at: number;
  home: RegionStanding;
  previous: Versioned<OfferRecord> | undefined;
}
