import type { AssignmentCandidate, AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import { AgentPool, EligibilityTally, type Eligibility } from './agentPool';
import { loadOn, capacityOn, type AgentView } from './agentView';
import { judge, judgeFit, requirementFor, type Exclusion, type Requirement } from './eligibility';
import { policyVersion, type QueuePolicy, type StrategyName } from './policy';
import { ranking, type Ranking } from './strategy';
import { effectivePriority, type Waiting } from './waiting';

/** How many ranked candidates a decision keeps: the engine falls back along them when a reservation is refused. */
export const CANDIDATES_KEPT = 5;
/** Manual pick offers to at most this many agents at once. */
export const BROADCAST_LIMIT = 25;

export interface RouteInput {
  waiting: Waiting;
  /** Undefined for a conversation waiting for a team with no queue of its own. */
  policy: QueuePolicy | undefined;
  /** The tenant's agents: an AgentPool (what the router keeps: only who works and has room is looked at per decision), or any list. */
  agents: AgentPool | Iterable<AgentView>;
  /** Agents who declined it or let its offer expire. */
  declined: ReadonlySet<string>;
  now: number;
}

export type RouteOutcome =
  | {
      kind: 'offer';
      /** Ranked best first; manual pick offers to all of them at once. */
      candidates: AgentView[];
      broadcast: boolean;
      decision: AssignmentDecision;
    }
  | {
      kind: 'wait';
      excluded: Partial<Record<Exclusion, number>>;
      /** No agent who could take it is working (online, on shift): after hours for this conversation. */
      afterHours: boolean;
      reason: string;
      requirement: Requirement;
    };

/**
 * Chooses who should get a waiting conversation, or says why it waits. Pure:
 * every agent is judged and counted when left out (from an AgentPool, only
 * who works and has room is looked at afresh; who fits comes from its lists),
 * and the strategy's best are kept without sorting them all. Agents who
 * speak the conversation's language win over agents who would read it
 * translated; translation is the fallback when no speaker is eligible.
 */
export function route(input: RouteInput): RouteOutcome {
  const { waiting, policy, declined, now } = input;
  const req = requirementFor(waiting, policy, now);
  const strategy: StrategyName = policy?.strategy ?? 'least_busy';
  const broadcast = strategy === 'manual_pick';
  const k = broadcast ? BROADCAST_LIMIT : CANDIDATES_KEPT;
  const rank = ranking(strategy, req.channel);
  const found = input.agents instanceof AgentPool ? input.agents.eligibility(req, declined, k, strategy) : eligibilityOf(input.agents, req, declined, k, rank);
  const { excluded } = found;
  const viaTranslation = found.nativeCount === 0;
  const candidates = viaTranslation ? found.translators : found.natives;
  const eligibleCount = viaTranslation ? found.translatorCount : found.nativeCount;
  if (eligibleCount === 0) {
    return { kind: 'wait', excluded, afterHours: found.fitWorking === 0, reason: waitingReason(excluded, req), requirement: req };
  }
  if (!viaTranslation && found.translatorCount > 0) excluded.language = (excluded.language ?? 0) + found.translatorCount;
  const decision: AssignmentDecision = {
    strategy,
    policyVersion: policy ? policyVersion(policy) : '',
    queueId: waiting.queueId,
    candidates: candidates.slice(0, CANDIDATES_KEPT).map((a, i) => candidate(a, req, i + 1, viaTranslation)),
    eligibleCount,
    excluded: excluded as Record<string, number>,
    effectivePriority: effectivePriority(waiting, policy, now),
    waitedMs: Math.max(0, now - waiting.queuedAt),
    widened: req.widened,
  };
  return { kind: 'offer', candidates, broadcast, decision };
}

/** Judges every agent of a plain list, one by one (what an AgentPool does from its fit lists). */
function eligibilityOf(agents: Iterable<AgentView>, req: Requirement, declined: ReadonlySet<string>, k: number, rank: Ranking): Eligibility {
  const tally = new EligibilityTally(k, rank);
  for (const agent of agents) {
    const verdict = judge(agent, req, declined);
    if (verdict.ok) {
      tally.eligible(agent, verdict.viaTranslation);
      continue;
    }
    tally.exclude(verdict.why);
    // Busy is not after hours: an agent at capacity (or who passed on it) will take it later.
    if ((verdict.why === 'declined' || verdict.why === 'at_capacity') && agent.acceptsWork && judgeFit(agent, req).ok) tally.fitWorking++;
  }
  return tally.result();
}

function candidate(a: AgentView, req: Requirement, rank: number, viaTranslation: boolean): AssignmentCandidate {
  return {
    agentId: a.agentId,
    load: loadOn(a, req.channel),
    capacity: capacityOn(a, req.channel),
    idleSince: a.idleSince ? new Date(a.idleSince) : undefined,
    lastAssignedAt: a.lastAssignedAt ? new Date(a.lastAssignedAt) : undefined,
    rank,
    chosen: false,
    viaTranslation,
  };
}

/** The decision with `agentId` marked chosen, and a one-line reason for the AgentAssigned event. */
export function chose(decision: AssignmentDecision, agentId: string): { decision: AssignmentDecision; reason: string } {
  const candidates = decision.candidates.map((c) => ({ ...c, chosen: c.agentId === agentId }));
  const picked = candidates.find((c) => c.chosen);
  const rank = picked ? `ranked ${picked.rank} of ${decision.eligibleCount} eligible` : `accepted from ${decision.eligibleCount} offered`;
  const how = STRATEGY_WORDS[decision.strategy as StrategyName] ?? decision.strategy;
  const translated = picked?.viaTranslation ? ', reads the conversation translated' : '';
  const load = picked ? `, held ${picked.load} of ${picked.capacity}` : '';
  return { decision: { ...decision, candidates }, reason: `${how}: ${rank}${load}${translated}${decision.widened ? ', requirements widened by overflow' : ''}` };
}

const STRATEGY_WORDS: Record<StrategyName, string> = {
  longest_idle: 'longest idle',
  least_busy: 'most spare capacity',
  round_robin: 'round robin',
  manual_pick: 'first to accept',
};

const EXCLUSION_WORDS: Record<Exclusion, string> = {
  unavailable: 'not accepting work',
  off_shift: 'off shift',
  no_channel: 'not on this channel',
  at_capacity: 'at capacity',
  missing_skill: 'missing a required skill',
  language: 'not speaking the language',
  other_team: 'in another team',
  declined: 'declined or let the offer expire',
};

const EXCLUSION_ORDER = Object.keys(EXCLUSION_WORDS) as Exclusion[];

/** Why a conversation waits, in words a visitor's widget or a supervisor can show. */
export function waitingReason(excluded: Partial<Record<Exclusion, number>>, req: Requirement): string {
  const parts = (Object.entries(excluded) as [Exclusion, number][])
    .filter(([, n]) => n > 0)
    // Ties in the order of EXCLUSION_WORDS, so that the words do not depend on the order agents were looked at.
    .sort((a, b) => b[1] - a[1] || EXCLUSION_ORDER.indexOf(a[0]) - EXCLUSION_ORDER.indexOf(b[0]))
    .map(([why, n]) => `${n} ${EXCLUSION_WORDS[why]}`);
  const what = [`${req.channel}`, req.teamId && `team ${req.teamId}`, ...req.skills.map((s) => `skill ${s.name}${s.minLevel ? `≥${s.minLevel}` : ''}`), req.language && `language ${req.language}`]
    .filter(Boolean)
    .join(', ');
  if (parts.length === 0) return `no agent serves ${what}`;
  return `no eligible agent for ${what}: ${parts.join(', ')}`;
}
