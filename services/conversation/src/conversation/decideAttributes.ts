import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { LinkCustomerIdentity, SetPriority, TagConversation, UnlinkCustomerIdentity } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import { limits, optionalReason, requirePriority, requireReference, requireTag } from './validation';

const methodPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Adds and removes tags in one event that records only what changed; a
 * command that changes nothing is a no-op. Allowed on resolved conversations:
 * outcomes ("sale", "refund") are often tagged after the chat ends.
 */
export function decideTag(command: TagConversation, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  if (!Array.isArray(data.add)) throw new ValidationError('add', 'must be a list');
  if (!Array.isArray(data.remove)) throw new ValidationError('remove', 'must be a list');
  for (const [field, tags] of [['add', data.add], ['remove', data.remove]] as const) {
    if (tags.length > limits.tagsPerConversation) {
      throw new ValidationError(field, `must hold at most ${limits.tagsPerConversation} tags`);
    }
    tags.forEach((tag, i) => requireTag(`${field}[${i}]`, tag));
  }
  const toRemove = new Set(data.remove);
  const both = data.add.find((tag) => toRemove.has(tag));
  if (both !== undefined) throw new ValidationError('remove', `tag "${both}" is also in add`);

  const conversation = requireStarted(command, state);
  const current = conversation.details.tags;
  const added = [...new Set(data.add)].filter((tag) => !current.includes(tag));
  const removed = current.filter((tag) => toRemove.has(tag));
  if (added.length === 0 && removed.length === 0) return [];
  const count = current.length - removed.length + added.length;
  if (count > limits.tagsPerConversation) {
    throw new IllegalStateError(
      `conversation "${data.conversationId}" would have ${count} tags; at most ${limits.tagsPerConversation} are allowed`,
    );
  }
  return [
    eventFrom(command, 'ConversationTagged', {
      conversationId: data.conversationId,
      added,
      removed,
      taggedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}

/** Allowed in every status (a ticket keeps its priority after the chat); the same priority again is a no-op. */
export function decideSetPriority(command: SetPriority, state: ConversationState): ConversationEvent[] {
  requirePriority('priority', command.data.priority);
  const conversation = requireStarted(command, state);
  const previous = conversation.details.priority;
  if (previous === command.data.priority) return [];
  return [
    eventFrom(command, 'PriorityChanged', {
      conversationId: command.data.conversationId,
      priority: command.data.priority,
      previous,
      changedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}

/**
 * Records that the conversation's customer is also `linked_customer_id`, which
 * joins their timelines. Linking an identity already linked is a no-op;
 * linking the customer to itself is a mistake in the request.
 */
export function decideLinkCustomerIdentity(
  command: LinkCustomerIdentity,
  state: ConversationState,
): ConversationEvent[] {
  const { data } = command;
  requireReference('linked_customer_id', data.linkedCustomerId);
  if (data.method !== '' && (data.method.length > 64 || !methodPattern.test(data.method))) {
    throw new ValidationError('method', 'must be a lower-case slug such as "widget-hmac" or "email-address"');
  }
  const reason = optionalReason('reason', data.reason ?? '');
  const conversation = requireStarted(command, state);
  const { customerId, linkedCustomerIds } = conversation.details;
  if (data.linkedCustomerId === customerId) {
    throw new ValidationError('linked_customer_id', 'must differ from the conversation\'s customer_id');
  }
  if (linkedCustomerIds.includes(data.linkedCustomerId)) return [];
  return [
    eventFrom(command, 'CustomerIdentityLinked', {
      conversationId: data.conversationId,
      customerId,
      linkedCustomerId: data.linkedCustomerId,
      method: data.method,
      linkedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
      ...(reason ? { reason } : {}),
    }),
  ];
}

/**
 * Undoes a link this conversation recorded (a wrong match: a shared family
 * mailbox, a recycled phone number). The reason is required, so that the
 * audit says why two timelines parted.
 */
export function decideUnlinkCustomerIdentity(command: UnlinkCustomerIdentity, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireReference('linked_customer_id', data.linkedCustomerId);
  const reason = optionalReason('reason', data.reason);
  if (reason.trim() === '') throw new ValidationError('reason', 'is required: say why the identities are not the same customer');
  const conversation = requireStarted(command, state);
  const { customerId, linkedCustomerIds } = conversation.details;
  if (!linkedCustomerIds.includes(data.linkedCustomerId)) {
    throw new IllegalStateError(`"${data.linkedCustomerId}" is not linked to customer "${customerId}" in conversation "${data.conversationId}"`);
  }
  return [
    eventFrom(command, 'CustomerIdentityUnlinked', {
      conversationId: data.conversationId,
      customerId,
      linkedCustomerId: data.linkedCustomerId,
      reason,
      unlinkedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}
