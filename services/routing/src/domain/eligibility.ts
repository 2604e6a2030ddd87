import { primaryLanguage } from '@contactcenter/infra';
import { capacityOn, loadOn, speaks, type AgentView } from './agentView';
import type { ChannelName, QueuePolicy, SkillRequirement } from './policy';
import type { Waiting } from './waiting';

/** What an agent must offer to take a waiting conversation. */
export interface Requirement {
  channel: ChannelName;
  skills: readonly SkillRequirement[];
  /** '' : any language. */
  language: string;
  /** Primary subtag of `language`, computed once per decision. */
  primaryLanguage: string;
  /** '' : any team. */
  teamId: string;
  /** Overflow dropped the skill and language requirements. */
  widened: boolean;
}

/** Why an agent could not take a conversation; the keys of a decision's `excluded` map. */
export type Exclusion =
  | 'unavailable'
  | 'off_shift'
  | 'no_channel'
  | 'at_capacity'
  | 'missing_skill'
  | 'language'
  | 'other_team'
  | 'declined';

export type Verdict = { ok: true; viaTranslation: boolean } | { ok: false; why: Exclusion };

/**
 * The requirement a conversation faces now: its queue's skills, the queue's
 * language or the conversation's, a team after a transfer to one. Overflow
 * with `widen` drops skills and language once the conversation has waited
 * `afterSeconds`.
 */
export function requirementFor(w: Waiting, policy: QueuePolicy | undefined, now: number): Requirement {
  const widened = !!policy && policy.overflow.widen && policy.overflow.afterSeconds > 0 && now - w.queuedAt >= policy.overflow.afterSeconds * 1000;
  const language = widened ? '' : policy?.language || w.language;
  return {
    channel: w.channel,
    skills: widened ? [] : (policy?.requiredSkills ?? []),
    language,
    primaryLanguage: language && primaryLanguage(language),
    teamId: w.teamId || policy?.teamId || '',
    widened,
  };
}

const OK_NATIVE: Verdict = { ok: true, viaTranslation: false };
const OK_TRANSLATED: Verdict = { ok: true, viaTranslation: true };
const NO = (why: Exclusion): Verdict => ({ ok: false, why });
const verdicts = new Map<Exclusion, Verdict>();
const no = (why: Exclusion): Verdict => verdicts.get(why) ?? (verdicts.set(why, NO(why)), verdicts.get(why)!);

/**
 * Whether `agent` may take the conversation. An agent who does not speak its
 * language may take it through translation when translation is enabled for
 * them; the caller prefers native speakers when there are any.
 */
export function judge(agent: AgentView, req: Requirement, declined: ReadonlySet<string>): Verdict {
  if (declined.has(agent.agentId)) return no('declined');
  if (!agent.acceptsWork) return no(agent.onShift ? 'unavailable' : 'off_shift');
  const fit = judgeFit(agent, req);
  if (!fit.ok) return fit;
  if (loadOn(agent, req.channel) >= capacityOn(agent, req.channel)) return no('at_capacity');
  return fit;
}

/** Whether the agent could ever take the conversation (team, channel, skills, language), whatever their status and load. */
export function judgeFit(agent: AgentView, req: Requirement): Verdict {
  if (req.teamId !== '' && !agent.teamIds.includes(req.teamId)) return no('other_team');
  if (capacityOn(agent, req.channel) === 0) return no('no_channel');
  for (const s of req.skills) {
    const level = agent.skills.get(s.name);
    if (level === undefined || level < s.minLevel) return no('missing_skill');
  }
  if (speaks(agent, req.language, req.primaryLanguage)) return OK_NATIVE;
  return agent.translationEnabled ? OK_TRANSLATED : no('language');
}
