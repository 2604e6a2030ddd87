import type { Logger } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import type { QueuePolicy } from '../domain/policy';
import type { StaffingTarget } from '../staffing/erlang';
import { estimateStaffing, type StaffingEstimate } from '../staffing/staffingEstimate';
import { applyPolicyChange, NO_CHANGE, type PolicyChange } from './policyChange';
import type { RecordedWindow } from './recordedWindow';
import { buildReport, type Report } from './report';
import { simulate, type SimulatedConversation } from './simulator';

export interface WhatIfResult {
  /** What happened, as recorded (occupancy from a replay under the policy in force). */
  recorded: Report;
  /** The replay under the changed policy. */
  simulated: Report;
  /** Erlang C and A agents needed per queue and hour, beside the replay's agents at work. */
  staffing: StaffingEstimate[];
  /** Agents in the replay (recorded, plus added, less removed). */
  agents: number;
}

/**
 * Replays a recorded window under a changed policy, and sets it beside what
 * was recorded and what the Erlang formulas call for.
 * @throws ValidationError when the window holds no traffic, or the change names unknown things (see applyPolicyChange).
 *
 * @example
 *   const r = await runWhatIf(window, queues, { ...NO_CHANGE, staffing: [{ skill: 'billing', language: 'de', add: 2, remove: 0 }] }, { serviceLevel: 0.8, targetSeconds: 20 });
 */
export async function runWhatIf(window: RecordedWindow, stored: readonly QueuePolicy[], change: PolicyChange, target: StaffingTarget, options: { logger?: Logger } = {}): Promise<WhatIfResult> {
  if (window.conversations.length === 0) throw new ValidationError('window', `no conversation was queued between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()}`);
  if (!(target.targetSeconds > 0 && target.targetSeconds <= 3_600)) throw new ValidationError('service_level_target_seconds', 'must be above 0 and at most 3600');
  if (!(target.serviceLevel > 0 && target.serviceLevel < 1)) throw new ValidationError('service_level_goal', 'must be between 0 and 1 (exclusive)');
  const scenario = applyPolicyChange(window, stored, change);
  const inForce = applyPolicyChange(window, stored, NO_CHANGE);
  const [asRecorded, replay] = [await simulate(window, inForce, options), await simulate(window, scenario, options)];
  const recordedOutcomes: SimulatedConversation[] = window.conversations.map((c) => ({
    conversationId: c.conversationId,
    queueId: c.queueId,
    channel: c.channel,
    arrivedAt: c.queuedAt,
    assignedAt: c.assignedAt,
    agentId: c.agentId,
    abandonedAt: c.abandonedAfterMs === undefined ? undefined : c.queuedAt + c.abandonedAfterMs,
    firstResponseAt: c.assignedAt === undefined || c.replyDelayMs === undefined ? undefined : c.assignedAt + c.replyDelayMs,
  }));
  return {
    recorded: buildReport({ ...asRecorded, conversations: recordedOutcomes }, target.targetSeconds),
    simulated: buildReport(replay, target.targetSeconds),
    staffing: estimateStaffing(window, scenario.policies, target),
    agents: scenario.agents.length,
  };
}
