import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { AssignAgent, QueueConversation, TransferConversation } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import { optionalId, optionalReason, requireId, requireInstant } from './validation';

/**
 * Puts an open conversation in a queue, or moves a queued one to another
 * queue. Queueing it again in the same queue is an idempotent no-op.
 */
export function decideQueue(command: QueueConversation, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  const teamId = checkQueueing(data);
  const conversation = requireStarted(command, state);
  switch (conversation.status) {
    case 'resolved':
      throw new IllegalStateError(`conversation "${data.conversationId}" is resolved: reopen it before queueing`);
    case 'assigned':
      throw new IllegalStateError(
        `conversation "${data.conversationId}" is assigned to agent "${conversation.agentId}": transfer it instead`,
      );
    case 'queued':
      if (conversation.details.queueId === data.queueId) return [];
      break;
    case 'open':
      break;
  }
  return [
    eventFrom(command, 'ConversationQueued', {
      conversationId: data.conversationId,
      queueId: data.queueId,
      occurredAt: occurredAt(command),
      teamId,
      // Only when the queue promises a reply, so that queues without a service level record what they always did.
      ...(data.firstReplyDueAt ? { firstReplyDueAt: data.firstReplyDueAt } : {}),
    }),
  ];
}

/**
 * A queueing's input, checked before state; `prefix` names the fields as the
 * request nests them (`queue.` in a start into a queue). Returns the team id.
 */
export function checkQueueing(data: QueueConversation['data'], prefix = ''): string {
  requireId(`${prefix}queue_id`, data.queueId);
  const teamId = optionalId(`${prefix}team_id`, data.teamId ?? '');
  if (data.firstReplyDueAt) requireInstant(`${prefix}first_reply_due_at`, data.firstReplyDueAt);
  return teamId;
}

/** A region name as the deployment's REGIONS spell them (no "_": it ends the region prefix of a conversation id). */
const REGION_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/**
 * Gives an unassigned conversation to an agent, possibly another region's
 * (follow-the-sun): the event names that region, so that whoever ends the
 * conversation knows where the agent's slot is to be released. There is never a second
 * assignee: assigning an assigned conversation fails, unless it is to the same
 * agent (a retry), which is a no-op. Changing hands is a transfer.
 */
export function decideAssign(command: AssignAgent, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireId('agent_id', data.agentId);
  optionalReason('reason', data.reason);
  const agentRegion = data.agentRegion ?? '';
  if (agentRegion !== '' && !REGION_NAME.test(agentRegion)) {
    throw new ValidationError('agent_region', `must be a region name (lower-case letters, digits and "-", e.g. "eu" or "us-east"), got ${JSON.stringify(agentRegion)}`);
  }
  const conversation = requireStarted(command, state);
  if (conversation.status === 'resolved') {
    throw new IllegalStateError(`conversation "${data.conversationId}" is resolved`);
  }
  if (conversation.status === 'assigned') {
    if (conversation.agentId === data.agentId) return [];
    throw new IllegalStateError(
      `conversation "${data.conversationId}" is already assigned to agent "${conversation.agentId}"`,
    );
  }
  return [
    eventFrom(command, 'AgentAssigned', {
      conversationId: data.conversationId,
      agentId: data.agentId,
      reason: data.reason,
      occurredAt: occurredAt(command),
      decision: data.decision,
      // Only for another region's agent, so that assignments without regions record what they always did.
      ...(agentRegion ? { agentRegion } : {}),
    }),
  ];
}

/**
 * Hands a conversation to another agent (who then holds it) or to a team (it
 * then waits for one of the team's agents). A resolved conversation cannot be
 * transferred, nor given to the agent who already holds it or to the team it
 * is already waiting for.
 */
export function decideTransfer(command: TransferConversation, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  const target = data.target;
  if (!target) throw new ValidationError('target', 'one of to_agent_id and to_team_id is required');
  if (target.$case === 'toAgentId') requireId('to_agent_id', target.value);
  else if (target.$case === 'toTeamId') requireId('to_team_id', target.value);
  else throw new ValidationError('target', 'one of to_agent_id and to_team_id is required');
  optionalReason('reason', data.reason);

  const conversation = requireStarted(command, state);
  if (conversation.status === 'resolved') {
    throw new IllegalStateError(`conversation "${data.conversationId}" is resolved and cannot be transferred`);
  }
  const holder = conversation.status === 'assigned' ? conversation.agentId : '';
  if (target.$case === 'toAgentId' && holder === target.value) {
    throw new IllegalStateError(`agent "${holder}" already holds conversation "${data.conversationId}"`);
  }
  if (target.$case === 'toTeamId' && conversation.status === 'queued' && conversation.details.teamId === target.value) {
    throw new IllegalStateError(`conversation "${data.conversationId}" is already waiting for team "${target.value}"`);
  }
  return [
    eventFrom(command, 'ConversationTransferred', {
      conversationId: data.conversationId,
      fromAgentId: holder,
      toAgentId: target.$case === 'toAgentId' ? target.value : '',
      toTeamId: target.$case === 'toTeamId' ? target.value : '',
      reason: data.reason,
      transferredBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}
