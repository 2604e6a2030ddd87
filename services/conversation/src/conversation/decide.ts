import { ValidationError } from '@contactcenter/infra/errors';
import type { ConversationCommand } from './commands';
import { decideLinkCustomerIdentity, decideSetPriority, decideTag, decideUnlinkCustomerIdentity } from './decideAttributes';
import { decideRecordMessageDelivery } from './decideDelivery';
import { decideConvertToTicket, decideReopen, decideResolve, decideSetTicketStatus } from './decideLifecycle';
import { decideAddInternalNote, decidePostMessage } from './decideMessages';
import { decideAssign, decideQueue, decideTransfer } from './decideRouting';
import { decideStart } from './decideStart';
import { decideChangeCustomerLanguage, decideRecordTranslation } from './decideTranslation';
import { decideRecordSurveyResponse, decideRequestSurvey } from './decideSurveys';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import { requireId, requireInstant, requireReference } from './validation';

/**
 * What a command does to a conversation: the events to append, `[]` for an
 * idempotent retry or a no-op, or a thrown error — ValidationError (bad
 * input), NotFoundError (never started, or another tenant's), IllegalStateError
 * (a rule says no). Pure: time and fresh ids come in the command's metadata.
 *
 * Input is checked before state, so a bad request fails the same way
 * whatever the conversation looks like.
 *
 * @example
 *   const state = events.reduce(evolve, initialState());
 *   const newEvents = decide({ type: 'ResolveConversation', data: { conversationId }, metadata }, state);
 */
export function decide(command: ConversationCommand, state: ConversationState): ConversationEvent[] {
  requireId('tenant_id', command.metadata.tenantId);
  requireReference('actor_id', command.metadata.actorId);
  requireInstant('now', command.metadata.now);
  requireId('conversation_id', command.data.conversationId);

  switch (command.type) {
    case 'StartConversation':
      return decideStart(command, state);
    case 'PostMessage':
      return decidePostMessage(command, state);
    case 'QueueConversation':
      return decideQueue(command, state);
    case 'AssignAgent':
      return decideAssign(command, state);
    case 'TransferConversation':
      return decideTransfer(command, state);
    case 'AddInternalNote':
      return decideAddInternalNote(command, state);
    case 'TagConversation':
      return decideTag(command, state);
    case 'SetPriority':
      return decideSetPriority(command, state);
    case 'ResolveConversation':
      return decideResolve(command, state);
    case 'ReopenConversation':
      return decideReopen(command, state);
    case 'ConvertToTicket':
      return decideConvertToTicket(command, state);
    case 'SetTicketStatus':
      return decideSetTicketStatus(command, state);
    case 'LinkCustomerIdentity':
      return decideLinkCustomerIdentity(command, state);
    case 'UnlinkCustomerIdentity':
      return decideUnlinkCustomerIdentity(command, state);
    case 'RecordMessageDelivery':
      return decideRecordMessageDelivery(command, state);
    case 'RecordTranslation':
      return decideRecordTranslation(command, state);
    case 'ChangeCustomerLanguage':
      return decideChangeCustomerLanguage(command, state);
    case 'RequestSurvey':
      return decideRequestSurvey(command, state);
    case 'RecordSurveyResponse':
      return decideRecordSurveyResponse(command, state);
    default: {
      const unknown: never = command;
      throw new ValidationError('type', `unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}
