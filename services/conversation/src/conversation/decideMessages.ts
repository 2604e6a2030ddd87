import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError } from '@contactcenter/infra/errors';
import type { AddInternalNote, PostMessage } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import {
  optionalClientMessageId,
  optionalLanguageTag,
  requireAttachments,
  requireAuthorKind,
  requireId,
  requireReference,
  requireText,
} from './validation';

/** The reason recorded when a customer's message reopens a resolved conversation. */
export const CUSTOMER_REPLY_REOPEN_REASON = 'customer replied';

/**
 * Posts a message.
 * - A client_message_id seen before returns no events, whatever the state now
 *   is: the first post won (find its id with findMessageIdByClientMessageId).
 * - Text may be empty only when the message carries attachments (a photo
 *   without a caption).
 * - On a resolved conversation agents and bots may not write; a customer who
 *   writes again reopens it (ConversationReopened, then MessagePosted), as
 *   live-chat users expect. SYSTEM messages (e.g. "transcript sent") are
 *   recorded without reopening.
 */
export function decidePostMessage(command: PostMessage, state: ConversationState): ConversationEvent[] {
  const { data, metadata } = command;
  requireAuthorKind('author_kind', data.authorKind);
  const authorId = requireReference(data.authorId === '' ? 'actor_id' : 'author_id', data.authorId || metadata.actorId);
  const attachments = requireAttachments('attachments', data.attachments);
  requireText('text', data.text, { allowEmpty: attachments.length > 0 });
  optionalClientMessageId('client_message_id', data.clientMessageId);
  optionalLanguageTag('language', data.language);
  const messageId = requireId('new_id', metadata.newId);

  const conversation = requireStarted(command, state);
  if (data.clientMessageId !== '' && conversation.details.messageIdsByClientMessageId.has(data.clientMessageId)) {
    return [];
  }

  const at = occurredAt(command);
  const events: ConversationEvent[] = [];
  if (conversation.status === 'resolved') {
    if (data.authorKind === AuthorKind.AUTHOR_KIND_AGENT || data.authorKind === AuthorKind.AUTHOR_KIND_BOT) {
      throw new IllegalStateError(`conversation "${data.conversationId}" is resolved: reopen it before replying`);
    }
    if (data.authorKind === AuthorKind.AUTHOR_KIND_CUSTOMER) {
      events.push(
        eventFrom(command, 'ConversationReopened', {
          conversationId: data.conversationId,
          reopenedBy: authorId,
          reason: CUSTOMER_REPLY_REOPEN_REASON,
          occurredAt: at,
        }),
      );
    }
  }
  events.push(
    eventFrom(command, 'MessagePosted', {
      conversationId: data.conversationId,
      message: {
        messageId,
        translations: [],
        cannedResponseId: data.cannedResponseId ?? '',
        authorKind: data.authorKind,
        authorId,
        text: data.text,
        attachments,
        clientMessageId: data.clientMessageId,
        language: data.language,
        postedAt: at,
        // The stream revision this event will be appended at.
        revision: conversation.revision + 1 + events.length,
      },
      occurredAt: at,
      customerLanguage: conversation.details.language,
      // A customer's reply reopening a resolved conversation leaves it with no agent.
      assignedAgentId: conversation.status === 'assigned' ? conversation.agentId : '',
    }),
  );
  return events;
}

/**
 * Adds a note only agents see. Allowed in every status, resolved included:
 * wrap-up notes are written after the chat ends.
 */
export function decideAddInternalNote(command: AddInternalNote, state: ConversationState): ConversationEvent[] {
  const { data, metadata } = command;
  const agentId = requireId(data.agentId === '' ? 'actor_id' : 'agent_id', data.agentId || metadata.actorId);
  requireText('text', data.text);
  const noteId = requireId('new_id', metadata.newId);
  requireStarted(command, state);
  const at = occurredAt(command);
  return [
    eventFrom(command, 'InternalNoteAdded', {
      conversationId: data.conversationId,
      note: { noteId, agentId, text: data.text, addedAt: at },
      occurredAt: at,
    }),
  ];
}
