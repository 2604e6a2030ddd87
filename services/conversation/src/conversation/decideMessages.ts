import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { MessageTemplate } from '@contactcenter/proto/conversation/v1';
import { freeTextAllowed, replyRule } from './replyWindow';
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
  const template = data.template ? requireTemplate(data.template) : undefined;
  requireText('text', data.text, { allowEmpty: attachments.length > 0 || template !== undefined });
  optionalClientMessageId('client_message_id', data.clientMessageId);
  optionalLanguageTag('language', data.language);
  const messageId = requireId('new_id', metadata.newId);

  const conversation = requireStarted(command, state);
  if (data.clientMessageId !== '' && conversation.details.messageIdsByClientMessageId.has(data.clientMessageId)) {
    return [];
  }

  const at = occurredAt(command);
  const fromBusiness = data.authorKind === AuthorKind.AUTHOR_KIND_AGENT || data.authorKind === AuthorKind.AUTHOR_KIND_BOT;
  const rule = replyRule(conversation.details.channelProvider, conversation.details.lastCustomerMessageAt);
  if (template && !(rule.kind === 'window' && rule.templateAfter)) {
    throw new ValidationError('template', 'only WhatsApp conversations take message templates');
  }
  if (template && !fromBusiness) throw new ValidationError('template', 'only agents and bots send templates');
  if (fromBusiness && !template && !freeTextAllowed(rule, at)) {
    throw new IllegalStateError(
      rule.kind === 'window' && rule.templateAfter
        ? `the customer-service window of conversation "${data.conversationId}" is closed: only a message template may be sent until the customer writes again`
        : `the customer-service window of conversation "${data.conversationId}" is closed: nothing may be sent until the customer writes again`,
    );
  }
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
        ...(template ? { template } : {}),
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
      channel: conversation.details.channel,
    }),
  );
  return events;
}

const templateName = /^[a-z0-9_]{1,512}$/;
const templateLanguage = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;
const MAX_TEMPLATE_PARAMETERS = 20;
const MAX_TEMPLATE_PARAMETER_CHARS = 1_024;

/** A WhatsApp template as Meta names them: lower-case name, language code such as "en_US", text parameters. */
function requireTemplate(template: MessageTemplate): MessageTemplate {
  if (!templateName.test(template.name)) throw new ValidationError('template.name', 'must be the approved template\'s name: lower case letters, digits and _');
  if (!templateLanguage.test(template.language)) throw new ValidationError('template.language', 'must be a template language code such as "en" or "en_US"');
  if (!Array.isArray(template.parameters) || template.parameters.length > MAX_TEMPLATE_PARAMETERS) {
    throw new ValidationError('template.parameters', `must be a list of at most ${MAX_TEMPLATE_PARAMETERS} texts`);
  }
  template.parameters.forEach((p, i) => {
    if (typeof p !== 'string' || p.trim() === '' || p.length > MAX_TEMPLATE_PARAMETER_CHARS) {
      throw new ValidationError(`template.parameters[${i}]`, `must be non-empty text of at most ${MAX_TEMPLATE_PARAMETER_CHARS} characters`);
    }
  });
  return { name: template.name, language: template.language, parameters: [...template.parameters] };
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
