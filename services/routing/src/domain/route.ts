import type { AssignmentCandidate, AssignmentDecision } from '@contactcenter/proto/conversation/v1';
import { loadOn, capacityOn, type AgentView } from './agentView';
import { judge, judgeFit, requirementFor, type Exclusion, type Requirement } from './eligibility';
import { policyVersion, type QueuePolicy, type StrategyName } from './policy';
import { ranking, topK } from './strategy';
import { effectivePriority, type Waiting } from './waiting';

/** How many ranked candidates a decision keeps: the engine falls back along them when a reservation is refused. */
export const CANDIDATES_KEPT = 5;
/** Manual pick offers to at most this many agents at once. */
export const BROADCAST_LIMIT = 25;

export interface RouteInput {
  waiting: Waiting;
  /** Undefined for a conversation waiting for a team with no queue of its own. */
  policy: QueuePolicy | undefined;
  agents: Iterable<AgentView>;
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
 * one pass over the agents, counting why each one was left out. Agents who
 * speak the conversation's language win over agents who would read it
 * translated; translation is the fallback when no speaker is eligible.
 */
export function route(input: RouteInput): RouteOutcome {
  const { waiting, policy, declined, now } = input;
  const req = requirementFor(waiting, policy, now);
  const strategy: StrategyName = policy?.strategy ?? 'least_busy';
  const excluded: Partial<Record<Exclusion, number>> = {};
  const natives: AgentView[] = [];
  const translators: AgentView[] = [];
  let fitWorking = 0;
  for (const agent of input.agents) {
    const verdict = judge(agent, req, declined);
    if (verdict.ok) {
      (verdict.viaTranslation ? translators : natives).push(agent);
      fitWorking++;
      continue;
    }
    excluded[verdict.why] = (excluded[verdict.why] ?? 0) + 1;
    // Busy is not after hours: an agent at capacity (or who passed on it) will take it later.
    if ((verdict.why === 'declined' || verdict.why === 'at_capacity') && agent.acceptsWork && judgeFit(agent, req).ok) fitWorking++;
  }
  const pool = natives.length > 0 ? natives : translators;
  if (pool.length === 0) {
    return { kind: 'wait', excluded, afterHours: fitWorking === 0, reason: waitingReason(excluded, req), requirement: req };
  }
  const broadcast = strategy === 'manual_pick';
  const candidates = topK(pool, broadcast ? BROADCAST_LIMIT : CANDIDATES_KEPT, ranking(strategy, req.channel));
  if (natives.length > 0 && translators.length > 0) excluded.language = (excluded.language ?? 0) + translators.length;
  const decision: AssignmentDecision = {
    strategy,
    policyVersion: policy ? policyVersion(policy) : '',
    queueId: waiting.queueId,
    candidates: candidates.slice(0, CANDIDATES_KEPT).map((a, i) => candidate(a, req, i + 1, pool === translators)),
    eligibleCount: pool.length,
    excluded: excluded as Record<string, number>,
    effectivePriority: effectivePriority(waiting, policy, now),
    waitedMs: Math.max(0, now - waiting.queuedAt),
    widened: req.widened,
  };
  return { kind: 'offer', candidates, broadcast, decision };
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

/** Why a conversation waits, in words a visitor's widget or a supervisor can show. */
export function waitingReason(excluded: Partial<Record<Exclusion, number>>, req: Requirement): string {
  const parts = (Object.entries(excluded) as [Exclusion, number][])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${n} ${EXCLUSION_WORDS[why]}`);
  const what = [`${req.channel}`, req.teamId && `team ${req.teamId}`, ...req.skills.map((s) => `skill ${s.name}${s.minLevel ? `≥${s.minLevel}` : ''}`), req.language && `language ${req.language}`]
    .filter(Boolean)
    .join(', ');
  if (parts.length === 0) return `no agent serves ${what}`;
  return `no eligible agent for ${what}: ${parts.join(', ')}`;
}
