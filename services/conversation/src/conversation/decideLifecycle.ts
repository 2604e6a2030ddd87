import { TicketStatus } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError } from '@contactcenter/infra/errors';
import type { ConvertToTicket, ReopenConversation, ResolveConversation, SetTicketStatus } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import { optionalReason, requireTicketStatus } from './validation';

/** Resolving twice is refused rather than ignored: the second resolver should know. */
export function decideResolve(command: ResolveConversation, state: ConversationState): ConversationEvent[] {
  const conversation = requireStarted(command, state);
  if (conversation.status === 'resolved') {
    throw new IllegalStateError(`conversation "${command.data.conversationId}" is already resolved`);
  }
  return [
    eventFrom(command, 'ConversationResolved', {
      conversationId: command.data.conversationId,
      resolvedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}

/** Only a resolved conversation can be reopened; it comes back open, unassigned, to be routed again. */
export function decideReopen(command: ReopenConversation, state: ConversationState): ConversationEvent[] {
  optionalReason('reason', command.data.reason);
  const conversation = requireStarted(command, state);
  if (conversation.status !== 'resolved') {
    throw new IllegalStateError(`conversation "${command.data.conversationId}" is not resolved`);
  }
  return [
    eventFrom(command, 'ConversationReopened', {
      conversationId: command.data.conversationId,
      reopenedBy: command.metadata.actorId,
      reason: command.data.reason,
      occurredAt: occurredAt(command),
    }),
  ];
}

/**
 * Makes the conversation a ticket, once. Allowed in every status: a resolved
 * chat often becomes a follow-up ticket.
 */
export function decideConvertToTicket(command: ConvertToTicket, state: ConversationState): ConversationEvent[] {
  requireTicketStatus('ticket_status', command.data.ticketStatus);
  const conversation = requireStarted(command, state);
  if (conversation.details.ticketStatus !== TicketStatus.TICKET_STATUS_UNSPECIFIED) {
    throw new IllegalStateError(`conversation "${command.data.conversationId}" is already a ticket`);
  }
  return [
    eventFrom(command, 'ConvertedToTicket', {
      conversationId: command.data.conversationId,
      ticketStatus: command.data.ticketStatus,
      convertedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}

/** Setting the status the ticket already has is a no-op. */
export function decideSetTicketStatus(command: SetTicketStatus, state: ConversationState): ConversationEvent[] {
  requireTicketStatus('ticket_status', command.data.ticketStatus);
  const conversation = requireStarted(command, state);
  const previous = conversation.details.ticketStatus;
  if (previous === TicketStatus.TICKET_STATUS_UNSPECIFIED) {
    throw new IllegalStateError(`conversation "${command.data.conversationId}" is not a ticket`);
  }
  if (previous === command.data.ticketStatus) return [];
  return [
    eventFrom(command, 'TicketStatusChanged', {
      conversationId: command.data.conversationId,
      ticketStatus: command.data.ticketStatus,
      previous,
      changedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}
