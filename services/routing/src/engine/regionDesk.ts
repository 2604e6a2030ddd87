import type { Logger } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { primaryLanguage } from '@contactcenter/infra';
import type { Agent } from '@contactcenter/proto/presence/v1';
import type { AgentPool } from '../domain/agentPool';
import { capacityOn, loadOn, type AgentView } from '../domain/agentView';
import type { Requirement } from '../domain/eligibility';
import { chooseRegion, regionStanding, shiftedAgents, type RegionStanding } from '../domain/followTheSun';
import { CHANNELS, type ChannelName } from '../domain/policy';
import { CANDIDATES_KEPT } from '../domain/route';
import type { ChosenAnswer, ChosenAsk, HoldAnswer, HoldAsk, HolderAsk, RegionAnswers, ReleaseAsk, RemoteRegions, RemoteReservation, ReserveAsk, StandingAsk, WireRequirement } from './remoteRegions';
import { ReservationLeases } from './reservationLeases';

/** This region's agents and its presence: an AgentDirectory and Peers in production. */
export interface DeskAgents {
  /** The tenant's agents, loaded on first use. */
  pool(tenantId: string): Promise<AgentPool>;
  reserve(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): Promise<Agent | undefined>;
  release(tenantId: string, agentId: string, conversationId: string): Promise<Agent | undefined>;
  /** Presence's answer taken as the agent's latest state. */
  apply(tenantId: string, agent: Agent | undefined): void;
}

export interface DeskDeps {
  /** This region. */
  region: string;
  agents: DeskAgents;
  logger: Logger;
  /** Asks a conversation's home region who holds it, when a slot's lease runs out. */
  remote: Pick<RemoteRegions, 'holder'>;
  /** Who holds a conversation of this region as this region's routing knows it ('' nobody); undefined when it cannot say yet. */
  holderOf: (tenantId: string, conversationId: string) => string | undefined;
  /** How long a slot held for another region stands before its home is asked whether it was used (default 30 s). */
  leaseMs?: number;
}

/**
 * The answering side of follow-the-sun in one region: how its agents stand
 * for a conversation of another region, and a slot of one of them reserved
 * through its own presence (capacity and status rules of this region). The
 * conversation stays in its home region, which assigns and later asks here
 * to release the slot. Every slot held here for another region is on a lease
 * (ReservationLeases), so that a home region that reserved and then never
 * assigned does not keep it. It also answers, for this region's own
 * conversations, which agent holds one (the other regions' lease checks).
 */
export class RegionDesk implements RegionAnswers {
  private readonly leases: ReservationLeases;

  constructor(private readonly deps: DeskDeps) {
    this.leases = new ReservationLeases({
      leaseMs: deps.leaseMs,
      holderOf: (homeRegion, tenantId, conversationId) => deps.remote.holder(homeRegion, { tenantId, conversationId }),
      release: async (tenantId, agentId, conversationId) => deps.agents.apply(tenantId, await deps.agents.release(tenantId, agentId, conversationId)),
      logger: deps.logger,
    });
  }

  /** Slots held for other regions and not yet confirmed used. */
  get leased(): number {
    return this.leases.size;
  }

  async standing(ask: StandingAsk): Promise<RegionStanding> {
    const req = requirementOf(ask.requirement);
    const pool = await this.deps.agents.pool(ask.tenantId);
    return regionStanding({ region: this.deps.region, agents: shiftedAgents(pool.values(), req) }, ask.at);
  }

  /** The home's judgement made here, with the same pure rule, so that one round trip reserves when this region is the one. */
  async reserveIfChosen(ask: ChosenAsk): Promise<ChosenAnswer> {
    const standing = await this.standing(ask);
    const choice = chooseRegion(ask.homeRegion, ask.home ? [ask.home, standing] : [standing]);
    if (choice?.region !== this.deps.region) return { standing };
    const reserved = await this.reserve(ask);
    return reserved ? { standing, reserved } : { standing };
  }

  async reserve(ask: ReserveAsk): Promise<RemoteReservation | undefined> {
    const { agents, region, logger } = this.deps;
    const req = requirementOf(ask.requirement);
    const pool = await agents.pool(ask.tenantId);
    // Most spare capacity: a borrowed conversation goes to whoever here has the most room.
    const found = pool.eligibility(req, new Set(), CANDIDATES_KEPT, 'least_busy');
    const candidates = found.nativeCount > 0 ? found.natives : found.translators;
    for (const agent of candidates) {
      try {
        agents.apply(ask.tenantId, await agents.reserve(ask.tenantId, agent.agentId, ask.conversationId, req.channel));
      } catch (err) {
        if (err instanceof IllegalStateError || err instanceof NotFoundError) continue; // presence knows better: the next one
        throw err;
      }
      this.leases.take(ask.homeRegion, ask.tenantId, ask.conversationId, agent.agentId);
      logger.info({ tenant_id: ask.tenantId, conversation_id: ask.conversationId, agent_id: agent.agentId, home_region: ask.homeRegion }, 'slot reserved for a conversation of another region');
      return { agentId: agent.agentId, agentRegion: region, reason: reasonFor(agent, req, region, found.nativeCount > 0) };
    }
    return undefined;
  }

  async hold(ask: HoldAsk): Promise<HoldAnswer> {
    if (!CHANNELS.includes(ask.channel)) throw new ValidationError('channel', `must be one of ${CHANNELS.join(', ')}`);
    const { agents } = this.deps;
    try {
      agents.apply(ask.tenantId, await agents.reserve(ask.tenantId, ask.agentId, ask.conversationId, ask.channel));
    } catch (err) {
      if (err instanceof NotFoundError) return 'unknown';
      if (err instanceof IllegalStateError) return 'refused';
      throw err;
    }
    this.leases.take(ask.homeRegion, ask.tenantId, ask.conversationId, ask.agentId);
    return 'held';
  }

  async holder(ask: HolderAsk): Promise<string | undefined> {
    return this.deps.holderOf(ask.tenantId, ask.conversationId);
  }

  async release(ask: ReleaseAsk): Promise<void> {
    this.leases.end(ask.tenantId, ask.conversationId, ask.agentId);
    this.deps.agents.apply(ask.tenantId, await this.deps.agents.release(ask.tenantId, ask.agentId, ask.conversationId));
  }

  /** Stops the lease checks (at shutdown). */
  stop(): void {
    this.leases.stop();
  }
}

const reasonFor = (a: AgentView, req: Requirement, region: string, native: boolean): string =>
  `${a.agentId} in ${region}: most spare capacity, held ${loadOn(a, req.channel)} of ${capacityOn(a, req.channel)}${native ? '' : ', reads the conversation translated'}`;

/** A requirement from another region, checked: it comes over the wire. */
export function requirementOf(w: WireRequirement): Requirement {
  if (!w || !CHANNELS.includes(w.channel)) throw new ValidationError('requirement.channel', `must be one of ${CHANNELS.join(', ')}`);
  const language = String(w.language ?? '');
  return {
    channel: w.channel,
    skills: Array.isArray(w.skills) ? w.skills.map((s) => ({ name: String(s.name), minLevel: Number(s.minLevel) || 0 })) : [],
    language,
    primaryLanguage: language && primaryLanguage(language),
    teamId: String(w.teamId ?? ''),
    widened: !!w.widened,
  };
}
