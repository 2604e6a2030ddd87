import { NotFoundError } from '@contactcenter/infra/errors';
import type { ConversationCommand } from './commands';
import type { ConversationEvent, ConversationEventOf, ConversationEventType } from './events';
import type { ConversationState, StartedConversation } from './state';

/**
 * The conversation a command targets. Another tenant's conversation (or
 * another id's state, which only a buggy caller could pass) is reported as
 * not found, exactly like one that was never started.
 */
export function requireStarted(command: ConversationCommand, state: ConversationState): StartedConversation {
  const { conversationId } = command.data;
  if (
    state.status === 'initial' ||
    state.details.tenantId !== command.metadata.tenantId ||
    state.details.conversationId !== conversationId
  ) {
    throw new NotFoundError('conversation', conversationId);
  }
  return state;
}

/** The command's clock reading, copied so that no event shares a mutable Date with the caller. */
export const occurredAt = (command: ConversationCommand): Date => new Date(command.metadata.now.getTime());

/** An event caused by `command`, with its tenant and actor as metadata. */
export const eventFrom = <Type extends ConversationEventType>(
  command: ConversationCommand,
  type: Type,
  data: ConversationEventOf<Type>['data'],
): ConversationEventOf<Type> =>
  ({
    type,
    data,
    metadata: { tenantId: command.metadata.tenantId, actorId: command.metadata.actorId },
  }) as ConversationEvent as ConversationEventOf<Type>;
