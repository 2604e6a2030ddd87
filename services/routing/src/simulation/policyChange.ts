import { isWellFormedLanguageTag, primaryLanguage } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { validateQueue, type ChannelName, type QueuePolicy } from '../domain/policy';
import type { RecordedAgent, RecordedWindow } from './recordedWindow';

/** A queue's settings as the what-if would have them; unset fields keep the stored policy. */
export type QueueChange = { queueId: string } & Partial<Pick<QueuePolicy, 'strategy' | 'offerTimeoutSeconds' | 'agingSeconds' | 'overflow' | 'priority' | 'requiredSkills' | 'language' | 'teamId'>>;

/** Agents added or removed among those with a skill and a language ('' : any). */
export interface StaffingChange {
  skill: string;
  language: string;
  add: number;
  remove: number;
}

/** Moves one agent's working time by `minutes` (negative: earlier). */
export interface ShiftMove {
  agentId: string;
  minutes: number;
}

export interface PolicyChange {
  queues: QueueChange[];
  staffing: StaffingChange[];
  shiftMoves: ShiftMove[];
}

export const NO_CHANGE: PolicyChange = { queues: [], staffing: [], shiftMoves: [] };

/** What a replay runs under: every queue's policy and the agents who work. */
export interface Scenario {
  policies: ReadonlyMap<string, QueuePolicy>;
  agents: RecordedAgent[];
}

const MAX_AGENTS_CHANGED = 10_000;
const MAX_SHIFT_MINUTES = 24 * 60;

/**
 * Applies a what-if to the stored policies and the recorded agents.
 * @throws ValidationError naming the first bad field: an unknown queue,
 *   skill, language or agent, a negative or fractional staffing figure, a
 *   queue setting the live system would refuse.
 */
export function applyPolicyChange(window: RecordedWindow, stored: readonly QueuePolicy[], change: PolicyChange): Scenario {
  const policies = new Map(stored.map((q) => [q.queueId, q]));
  change.queues.forEach((qc, i) => {
    const field = `queue_changes[${i}]`;
    const current = policies.get(qc.queueId);
    if (!current) throw new ValidationError(`${field}.queue_id`, `no queue ${JSON.stringify(qc.queueId)} in this tenant`);
    const defined = Object.fromEntries(Object.entries(qc).filter(([, v]) => v !== undefined));
    try {
      policies.set(qc.queueId, { ...validateQueue({ ...current, ...defined }), revision: current.revision });
    } catch (err) {
      // The live validation speaks of `queue.<field>`; here the field is in the change.
      if (err instanceof ValidationError) throw new ValidationError(err.field.replace(/^queue/, field), err.message.slice(err.field.length + 2));
      throw err;
    }
  });
  for (const q of policies.values()) {
    if (q.overflow.toQueueId && !policies.has(q.overflow.toQueueId)) throw new ValidationError(`queues.${q.queueId}.overflow.to_queue_id`, `no queue ${JSON.stringify(q.overflow.toQueueId)}`);
  }

  const skills = new Set([...window.agents.flatMap((a) => [...a.profile.skills.keys()]), ...[...policies.values()].flatMap((q) => q.requiredSkills.map((s) => s.name))]);
  const languages = new Set([...window.agents.flatMap((a) => a.profile.languages), ...window.conversations.map((c) => c.language), ...[...policies.values()].map((q) => q.language)].filter(Boolean).map(primaryLanguage));
  let agents = window.agents.map((a) => ({ ...a }));
  change.staffing.forEach((s, i) => {
    const field = `staffing[${i}]`;
    for (const n of ['add', 'remove'] as const) {
      if (!Number.isInteger(s[n]) || s[n] < 0 || s[n] > MAX_AGENTS_CHANGED) throw new ValidationError(`${field}.${n}`, `must be a whole number from 0 to ${MAX_AGENTS_CHANGED}, got ${s[n]}`);
    }
    if (s.skill !== '' && !skills.has(s.skill)) throw new ValidationError(`${field}.skill`, `no agent or queue of this tenant has skill ${JSON.stringify(s.skill)}`);
    if (s.language !== '' && (!isWellFormedLanguageTag(s.language) || !languages.has(primaryLanguage(s.language)))) {
      throw new ValidationError(`${field}.language`, `no agent, queue or conversation of this window uses language ${JSON.stringify(s.language)}`);
    }
    const fits = (a: RecordedAgent) => (s.skill === '' || a.profile.skills.has(s.skill)) && (s.language === '' || a.profile.languages.some((l) => primaryLanguage(l) === primaryLanguage(s.language)));
    const matching = agents.filter(fits);
    if (s.remove > matching.length) throw new ValidationError(`${field}.remove`, `only ${matching.length} agents have this skill and language`);
    const removed = new Set(matching.slice(0, s.remove).map((a) => a.agentId));
    agents = agents.filter((a) => !removed.has(a.agentId));
    const template = matching[0] ?? window.agents[0];
    for (let k = 0; k < s.add; k++) agents.push(addedAgent(`added-${i}-${k}`, s, template, window));
  });
  change.shiftMoves.forEach((m, i) => {
    const field = `shift_moves[${i}]`;
    const at = agents.findIndex((a) => a.agentId === m.agentId);
    if (at < 0) throw new ValidationError(`${field}.agent_id`, `no agent ${JSON.stringify(m.agentId)} worked in this window`);
    if (!Number.isInteger(m.minutes) || Math.abs(m.minutes) > MAX_SHIFT_MINUTES) throw new ValidationError(`${field}.minutes`, `must be a whole number from -${MAX_SHIFT_MINUTES} to ${MAX_SHIFT_MINUTES}`);
    const by = m.minutes * 60_000;
    const a = agents[at]!;
    const available = a.available.map((r) => ({ from: Math.max(window.start, r.from + by), to: Math.min(window.end, r.to + by) })).filter((r) => r.to > r.from);
    agents[at] = { ...a, available };
  });
  return { policies, agents };
}

/**
 * An agent who works the whole window with the skill (level 10) and the
 * language asked for; their capacity is that of a recorded agent who fits
 * (or any recorded agent), one chat when nobody was recorded.
 */
function addedAgent(agentId: string, s: StaffingChange, template: RecordedAgent | undefined, window: RecordedWindow): RecordedAgent {
  const base = template?.profile;
  const skills = new Map(base?.skills ?? []);
  if (s.skill) skills.set(s.skill, 10);
  const languages = s.language ? [s.language.toLowerCase()] : [...(base?.languages ?? [])];
  const capacity: Partial<Record<ChannelName, number>> = base ? { ...base.capacity } : { chat: 1 };
  return { agentId, profile: { skills, languages, capacity, teamIds: base?.teamIds ?? [], translationEnabled: base?.translationEnabled ?? false }, available: [{ from: window.start, to: window.end }], carried: [] };
}
