import { isWellFormedLanguageTag } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { validateServiceLevel, type ServiceLevel } from './serviceLevel';

export const CHANNELS = ['chat', 'email', 'social', 'phone'] as const;
export type ChannelName = (typeof CHANNELS)[number];
export const STRATEGIES = ['longest_idle', 'least_busy', 'round_robin', 'manual_pick'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** Conversation priorities, as in the conversation contract: 1 low … 4 urgent. */
export const PRIORITY_LOW = 1;
export const PRIORITY_NORMAL = 2;
export const PRIORITY_URGENT = 4;
/** Aging may lift a conversation this far above urgent, so that nothing starves behind a stream of urgent ones. */
export const MAX_EFFECTIVE_PRIORITY = 8;

export interface SkillRequirement {
  name: string;
  /** 0: any level. */
  minLevel: number;
}

export interface Overflow {
  /** 0: never. */
  afterSeconds: number;
  widen: boolean;
  toQueueId: string;
}

/** A queue of one tenant and the policy that routes its conversations. */
export interface QueuePolicy {
  queueId: string;
  name: string;
  channel: ChannelName;
  requiredSkills: SkillRequirement[];
  /** '' : the conversation's own language. */
  language: string;
  /** Given to conversations that enter with none. */
  priority: number;
  strategy: StrategyName;
  /** 0: assign at once, without an offer. */
  offerTimeoutSeconds: number;
  /** 0: no aging. */
  agingSeconds: number;
  overflow: Overflow;
  averageHandleSeconds: number;
  /** '' : any agent. */
  teamId: string;
  /** The policy version: the revision of the stored definition. */
  revision: number;
  /** The first-reply promise; absent: none, and no due time is recorded. */
  serviceLevel?: ServiceLevel;
}

export interface Team {
  teamId: string;
  name: string;
  /** Where conversations transferred to the team wait; '' : they keep their channel's first queue. */
  queueId: string;
}

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
const SKILL = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const DAY = 86_400;

export function requireToken(field: string, value: string): string {
  if (!TOKEN.test(value)) throw new ValidationError(field, `must be 1-64 letters, digits, "-" or "_", got ${JSON.stringify(value)}`);
  return value;
}

const optionalToken = (field: string, value: string) => (value === '' ? '' : requireToken(field, value));

function requireRange(field: string, value: number, min: number, max: number, unit: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(field, `must be ${min} to ${max} ${unit}, got ${value}`);
  return value;
}

/** @throws ValidationError naming the first bad field (`queue.<field>`). */
export function validateQueue(q: Omit<QueuePolicy, 'revision'>): Omit<QueuePolicy, 'revision'> {
  requireToken('queue.queue_id', q.queueId);
  if (q.name.length > 200) throw new ValidationError('queue.name', 'at most 200 characters');
  if (!(CHANNELS as readonly string[]).includes(q.channel)) {
    throw new ValidationError('queue.channel', `unknown channel ${JSON.stringify(q.channel)}; one of ${CHANNELS.join(', ')}`);
  }
  const names = new Set<string>();
  q.requiredSkills.forEach((s, i) => {
    if (!SKILL.test(s.name)) throw new ValidationError(`queue.required_skills[${i}].name`, `must be 1-64 lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(s.name)}`);
    requireRange(`queue.required_skills[${i}].min_level`, s.minLevel, 0, 10, '(0 = any level)');
    if (names.has(s.name)) throw new ValidationError(`queue.required_skills[${i}].name`, `skill ${JSON.stringify(s.name)} is listed twice`);
    names.add(s.name);
  });
  if (q.language !== '' && !isWellFormedLanguageTag(q.language)) throw new ValidationError('queue.language', `not a BCP 47 language tag: ${JSON.stringify(q.language)}`);
  requireRange('queue.priority', q.priority, PRIORITY_LOW, PRIORITY_URGENT, '(low to urgent)');
  if (!(STRATEGIES as readonly string[]).includes(q.strategy)) throw new ValidationError('queue.strategy', `one of ${STRATEGIES.join(', ')} is required`);
  requireRange('queue.offer_timeout_seconds', q.offerTimeoutSeconds, 0, 3_600, 'seconds');
  if (q.strategy === 'manual_pick' && q.offerTimeoutSeconds === 0) {
    throw new ValidationError('queue.offer_timeout_seconds', 'manual pick offers to every eligible agent and needs a timeout above 0');
  }
  requireRange('queue.aging_seconds', q.agingSeconds, 0, DAY, 'seconds');
  requireRange('queue.overflow.after_seconds', q.overflow.afterSeconds, 0, 7 * DAY, 'seconds');
  optionalToken('queue.overflow.to_queue_id', q.overflow.toQueueId);
  if (q.overflow.toQueueId === q.queueId) throw new ValidationError('queue.overflow.to_queue_id', 'a queue cannot overflow into itself');
  if (q.overflow.afterSeconds > 0 && !q.overflow.widen && q.overflow.toQueueId === '') {
    throw new ValidationError('queue.overflow', 'set widen or to_queue_id, or after_seconds 0 for no overflow');
  }
  if (q.overflow.widen && q.overflow.toQueueId !== '') throw new ValidationError('queue.overflow', 'widen and to_queue_id exclude each other');
  requireRange('queue.average_handle_seconds', q.averageHandleSeconds, 0, DAY, 'seconds');
  optionalToken('queue.team_id', q.teamId);
  const { serviceLevel, ...rest } = q;
  const valid = { ...rest, language: q.language.toLowerCase() };
  return serviceLevel ? { ...valid, serviceLevel: validateServiceLevel(serviceLevel, 'queue.service_level') } : valid;
}

export function validateTeam(t: Team): Team {
  requireToken('team.team_id', t.teamId);
  if (t.name.length > 200) throw new ValidationError('team.name', 'at most 200 characters');
  optionalToken('team.queue_id', t.queueId);
  return t;
}

/** "<queue_id>@<revision>": the policy version recorded with every decision. */
export const policyVersion = (q: QueuePolicy): string => `${q.queueId}@${q.revision}`;
