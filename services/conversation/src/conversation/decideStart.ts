import { IllegalStateError } from '@contactcenter/infra/errors';
import type { StartConversation } from './commands';
import { eventFrom, occurredAt } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import {
  limits,
  optionalId,
  optionalLine,
  requireChannel,
  requireLanguageTag,
  requireReference,
} from './validation';

/**
 * Starts a conversation. A retry with the same id and the same data returns
 * no events (the caller answers with the current revision); the same id with
 * different data is a conflict.
 */
export function decideStart(command: StartConversation, state: ConversationState): ConversationEvent[] {
  const { data, metadata } = command;
  requireChannel('channel', data.channel);
  requireReference('customer_id', data.customerId);
  requireLanguageTag('language', data.language);
  optionalId('region', data.region);
  optionalLine('subject', data.subject, limits.subjectChars);
  const invitationId = optionalId('invitation_id', data.invitationId ?? '');

  if (state.status !== 'initial') {
    const started = state.details;
    const sameStart =
      started.tenantId === metadata.tenantId &&
      started.conversationId === data.conversationId &&
      started.channel === data.channel &&
      started.customerId === data.customerId &&
      started.language === data.language &&
      started.region === data.region &&
      started.subject === data.subject &&
      (started.invitationId ?? '') === invitationId;
    if (sameStart) return [];
    throw new IllegalStateError(`conversation "${data.conversationId}" was already started with other data`);
  }

  return [
    eventFrom(command, 'ConversationStarted', {
      conversationId: data.conversationId,
      tenantId: metadata.tenantId,
      channel: data.channel,
      customerId: data.customerId,
      language: data.language,
      region: data.region,
      subject: data.subject,
      occurredAt: occurredAt(command),
      invitationId,
    }),
  ];
}
