import { isWellFormedLanguageTag, primaryLanguage } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { Channel, SurveyQuestionKind, type SurveyQuestion } from '@contactcenter/proto/conversation/v1';
import type { SurveyDefinition } from '@contactcenter/proto/survey/v1';

// Survey definitions: what a tenant asks its customers and when. Pure: the
// store keeps them, the trigger and the gRPC edge use these rules.

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_QUESTIONS = 20;
const MAX_TEXT = 1000;
const MAX_TITLE = 200;
const MAX_LANGUAGES = 50;
const MAX_DELAY_SECONDS = 7 * 24 * 3600;
const MAX_EDIT_WINDOW_SECONDS = 30 * 24 * 3600;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const KINDS = new Set([
  SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT,
  SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS,
  SurveyQuestionKind.SURVEY_QUESTION_KIND_CES,
  SurveyQuestionKind.SURVEY_QUESTION_KIND_TEXT,
]);
const CHANNELS = new Set([Channel.CHANNEL_CHAT, Channel.CHANNEL_EMAIL, Channel.CHANNEL_SOCIAL, Channel.CHANNEL_PHONE]);

export function requireSurveyId(value: string, field = 'survey_id'): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new ValidationError(field, 'must be 1-64 letters, digits, "-" or "_"');
  return value;
}

/** Texts per language: well-formed tags (kept lower-case), non-empty text without control characters. */
function requireTexts(field: string, texts: Record<string, string>, maxChars: number): Record<string, string> {
  const entries = Object.entries(texts ?? {});
  if (entries.length === 0) throw new ValidationError(field, 'needs a text in at least one language');
  if (entries.length > MAX_LANGUAGES) throw new ValidationError(field, `at most ${MAX_LANGUAGES} languages`);
  const out: Record<string, string> = {};
  for (const [tag, text] of entries) {
    if (!isWellFormedLanguageTag(tag)) throw new ValidationError(field, `"${tag.slice(0, 40)}" is not a BCP 47 language tag such as "en" or "pt-BR"`);
    if (typeof text !== 'string' || text.trim() === '') throw new ValidationError(`${field}[${tag}]`, 'is required');
    if ([...text].length > maxChars) throw new ValidationError(`${field}[${tag}]`, `must be at most ${maxChars} characters`);
    if (CONTROL.test(text)) throw new ValidationError(`${field}[${tag}]`, 'must not contain control characters');
    out[tag.toLowerCase()] = text;
  }
  return out;
}

/**
 * A definition as a tenant may store it, normalised (language tags
 * lower-case); throws a ValidationError naming the field at fault.
 */
export function validateSurveyDefinition(s: SurveyDefinition | undefined): SurveyDefinition {
  if (!s) throw new ValidationError('survey', 'is required');
  requireSurveyId(s.surveyId, 'survey.survey_id');
  if (!Array.isArray(s.questions) || s.questions.length === 0) throw new ValidationError('survey.questions', 'at least one question is required');
  if (s.questions.length > MAX_QUESTIONS) throw new ValidationError('survey.questions', `at most ${MAX_QUESTIONS} questions`);
  const seen = new Set<string>();
  const questions = s.questions.map((q, i) => {
    const at = `survey.questions[${i}]`;
    if (typeof q.questionId !== 'string' || !ID.test(q.questionId)) throw new ValidationError(`${at}.question_id`, 'must be 1-64 letters, digits, "-" or "_"');
    if (seen.has(q.questionId)) throw new ValidationError(`${at}.question_id`, `"${q.questionId}" appears twice`);
    seen.add(q.questionId);
    if (!KINDS.has(q.kind)) throw new ValidationError(`${at}.kind`, 'must be CSAT, NPS, CES or TEXT');
    return { ...q, texts: requireTexts(`${at}.texts`, q.texts, MAX_TEXT) };
  });
  if (!isWellFormedLanguageTag(s.defaultLanguage)) throw new ValidationError('survey.default_language', 'must be a BCP 47 language tag such as "en"');
  const defaultLanguage = s.defaultLanguage.toLowerCase();
  questions.forEach((q, i) => {
    if (!q.texts[defaultLanguage]) throw new ValidationError(`survey.questions[${i}].texts`, `needs a text in the default language "${defaultLanguage}"`);
  });
  const titles = Object.keys(s.titles ?? {}).length > 0 ? requireTexts('survey.titles', s.titles, MAX_TITLE) : {};
  const channels = [...new Set(s.sendOnResolveChannels ?? [])];
  channels.forEach((c) => {
    if (!CHANNELS.has(c)) throw new ValidationError('survey.send_on_resolve_channels', 'must be CHAT, EMAIL, SOCIAL or PHONE');
  });
  if (!Number.isInteger(s.delaySeconds) || s.delaySeconds < 0 || s.delaySeconds > MAX_DELAY_SECONDS) {
    throw new ValidationError('survey.delay_seconds', `must be 0 to ${MAX_DELAY_SECONDS} seconds`);
  }
  if (!Number.isInteger(s.editWindowSeconds) || s.editWindowSeconds < 0 || s.editWindowSeconds > MAX_EDIT_WINDOW_SECONDS) {
    throw new ValidationError('survey.edit_window_seconds', `must be 0 to ${MAX_EDIT_WINDOW_SECONDS} seconds`);
  }
  return { ...s, questions, titles, defaultLanguage, sendOnResolveChannels: channels, enabled: s.enabled };
}

/** The text for `language`: that exact tag, else its primary language, else any regional variant of it, else the default. */
export function textIn(texts: Record<string, string>, language: string, defaultLanguage: string): { text: string; language: string } {
  const wanted = language.toLowerCase();
  const primary = primaryLanguage(wanted);
  const tag =
    (texts[wanted] !== undefined && wanted) ||
    (texts[primary] !== undefined && primary) ||
    Object.keys(texts).find((t) => primaryLanguage(t) === primary) ||
    defaultLanguage;
  return { text: texts[tag] ?? '', language: tag };
}

/**
 * The survey as sent to one customer: every question in one language — the
 * customer's when every question has it, else the survey's default, so a
 * customer never gets a survey in mixed languages.
 */
export function surveyFor(s: SurveyDefinition, customerLanguage: string): { language: string; title: string; questions: SurveyQuestion[] } {
  const picks = s.questions.map((q) => textIn(q.texts, customerLanguage || s.defaultLanguage, s.defaultLanguage));
  const language = picks.every((p) => p.language === picks[0]!.language) ? picks[0]!.language : s.defaultLanguage;
  return {
    language,
    title: textIn(s.titles, language, s.defaultLanguage).text,
    questions: s.questions.map((q) => ({ questionId: q.questionId, kind: q.kind, text: q.texts[language] ?? q.texts[s.defaultLanguage]!, required: q.required })),
  };
}

/** Whether a resolution on `channel` sends this survey by itself, and when. */
export function sendsOnResolve(s: SurveyDefinition, channel: Channel, resolvedAt: Date): Date | undefined {
  if (!s.enabled || !s.sendOnResolveChannels.includes(channel)) return undefined;
  return new Date(resolvedAt.getTime() + s.delaySeconds * 1000);
}

/** What the conversation service records when `s` is sent in a conversation: the questions in one language, the version, the edit window. */
export function surveyRequest(s: SurveyDefinition, conversation: { conversationId: string; language: string }, trigger: 'resolved' | 'agent') {
  return {
    conversationId: conversation.conversationId,
    surveyId: s.surveyId,
    surveyVersion: s.version,
    ...surveyFor(s, conversation.language),
    trigger,
    editWindowSeconds: s.editWindowSeconds,
  };
}
