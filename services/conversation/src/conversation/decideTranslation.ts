import { NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import type { ChangeCustomerLanguage, RecordTranslation } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import { translationKey, type ConversationState } from './state';
import { optionalLanguageTag, optionalLine, requireId, requireLanguageTag, requireText } from './validation';

const TOKEN = /^[a-z0-9_-]{1,32}$/;

/**
 * Records a machine translation of a message (or why there is none yet).
 * The original is never touched. A message has at most one translation per
 * language: recording it again changes nothing, and a failure reported after
 * a success is ignored (a late retry must not take the translation away).
 */
export function decideRecordTranslation(command: RecordTranslation, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireId('message_id', data.messageId);
  optionalLanguageTag('source_language', data.sourceLanguage);
  const target = requireLanguageTag('target_language', data.targetLanguage).toLowerCase();
  if (!TOKEN.test(data.provider)) throw new ValidationError('provider', 'must be 1-32 lower-case letters, digits, "-" or "_"');
  if ((data.text === '') === (data.failure === '')) throw new ValidationError('text', 'exactly one of text and failure is required');
  if (data.text !== '') requireText('text', data.text);
  else if (!TOKEN.test(data.failure)) throw new ValidationError('failure', 'must be 1-32 lower-case letters, digits, "-" or "_"');
  optionalLine('detail', data.detail, 500);

  const conversation = requireStarted(command, state);
  const languages = conversation.details.messageLanguages ?? new Map<string, string>();
  if (!languages.has(data.messageId)) throw new NotFoundError('message', data.messageId);
  if ((conversation.details.translations ?? new Map()).has(translationKey(data.messageId, target))) return [];
  const common = { conversationId: data.conversationId, messageId: data.messageId, targetLanguage: target, provider: data.provider, occurredAt: occurredAt(command) };
  if (data.failure !== '') return [eventFrom(command, 'MessageTranslationFailed', { ...common, failure: data.failure, detail: data.detail })];
  return [eventFrom(command, 'MessageTranslated', { ...common, sourceLanguage: data.sourceLanguage.toLowerCase(), text: data.text })];
}

/** The customer's language changes (chosen, or detected from their messages); the same language again changes nothing. */
export function decideChangeCustomerLanguage(command: ChangeCustomerLanguage, state: ConversationState): ConversationEvent[] {
  const language = requireLanguageTag('language', command.data.language).toLowerCase();
  const conversation = requireStarted(command, state);
  const previous = conversation.details.language;
  if (previous.toLowerCase() === language) return [];
  return [
    eventFrom(command, 'CustomerLanguageChanged', {
      conversationId: command.data.conversationId,
      language,
      previous,
      detected: command.data.detected,
      changedBy: command.metadata.actorId,
      occurredAt: occurredAt(command),
    }),
  ];
}
