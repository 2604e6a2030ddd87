import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { SurveyQuestionKind, type ConversationSurvey, type SurveyAnswer, type SurveyQuestion } from '@contactcenter/proto/conversation/v1';
import type { RecordSurveyResponse, RequestSurvey } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import type { ConversationState } from './state';
import { optionalLine, requireId, requireLanguageTag } from './validation';

/** The scale of each rating kind, as support teams define them (see design.md, "Service metrics"). */
export const surveyScales: Readonly<Record<number, { min: number; max: number; name: string }>> = {
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT]: { min: 1, max: 5, name: 'CSAT' },
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS]: { min: 0, max: 10, name: 'NPS' },
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CES]: { min: 1, max: 7, name: 'CES' },
};

const TEXT = SurveyQuestionKind.SURVEY_QUESTION_KIND_TEXT;
const MAX_QUESTIONS = 20;
const MAX_TEXT_ANSWER_CHARS = 2000;
const MAX_EDIT_WINDOW_SECONDS = 30 * 24 * 3600;
const TRIGGERS = new Set(['resolved', 'agent']);

function requireQuestions(questions: readonly SurveyQuestion[]): void {
  if (!Array.isArray(questions) || questions.length === 0) throw new ValidationError('questions', 'at least one question is required');
  if (questions.length > MAX_QUESTIONS) throw new ValidationError('questions', `at most ${MAX_QUESTIONS} questions`);
  const seen = new Set<string>();
  questions.forEach((q, i) => {
    requireId(`questions[${i}].question_id`, q.questionId);
    if (seen.has(q.questionId)) throw new ValidationError(`questions[${i}].question_id`, `"${q.questionId}" appears twice`);
    seen.add(q.questionId);
    if (q.kind !== TEXT && !surveyScales[q.kind]) throw new ValidationError(`questions[${i}].kind`, 'must be CSAT, NPS, CES or TEXT');
    if (optionalLine(`questions[${i}].text`, q.text, 1000, { multiline: true }).trim() === '') {
      throw new ValidationError(`questions[${i}].text`, 'is required');
    }
  });
}

/**
 * Sends a survey. Only a resolved conversation is surveyed (the customer
 * judges a finished conversation); sending the same survey again changes
 * nothing, so the resolution trigger and an agent's request may race safely.
 */
export function decideRequestSurvey(command: RequestSurvey, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireId('survey_id', data.surveyId);
  optionalLine('survey_version', data.surveyVersion, 128);
  optionalLine('title', data.title, 200);
  const language = requireLanguageTag('language', data.language);
  requireQuestions(data.questions);
  if (!TRIGGERS.has(data.trigger)) throw new ValidationError('trigger', 'must be "resolved" or "agent"');
  if (!Number.isInteger(data.editWindowSeconds) || data.editWindowSeconds < 0 || data.editWindowSeconds > MAX_EDIT_WINDOW_SECONDS) {
    throw new ValidationError('edit_window_seconds', `must be a whole number of seconds from 0 to ${MAX_EDIT_WINDOW_SECONDS}`);
  }
  const conversation = requireStarted(command, state);
  if (conversation.status !== 'resolved') throw new IllegalStateError(`conversation "${data.conversationId}" is not resolved: surveys follow a resolution`);
  if ((conversation.details.surveys ?? []).some((s) => s.surveyId === data.surveyId)) return [];
  return [
    eventFrom(command, 'SurveyRequested', {
      conversationId: data.conversationId,
      surveyId: data.surveyId,
      surveyVersion: data.surveyVersion,
      title: data.title,
      language,
      questions: data.questions.map((q) => ({ questionId: q.questionId, kind: q.kind, text: q.text, required: q.required })),
      trigger: data.trigger,
      requestedBy: command.metadata.actorId,
      editWindowSeconds: data.editWindowSeconds,
      occurredAt: occurredAt(command),
    }),
  ];
}

/** Checks every answer against the question it answers; returns them normalised (kind from the question). */
export function checkAnswers(survey: ConversationSurvey, answers: readonly SurveyAnswer[]): SurveyAnswer[] {
  if (!Array.isArray(answers) || answers.length === 0) throw new ValidationError('answers', 'at least one answer is required');
  if (answers.length > survey.questions.length) throw new ValidationError('answers', `the survey has ${survey.questions.length} questions`);
  const byId = new Map(survey.questions.map((q) => [q.questionId, q]));
  const seen = new Set<string>();
  const checked = answers.map((a, i): SurveyAnswer => {
    const at = `answers[${i}]`;
    const question = byId.get(a.questionId);
    if (!question) throw new ValidationError(`${at}.question_id`, `the survey has no question "${String(a.questionId).slice(0, 64)}"`);
    if (seen.has(a.questionId)) throw new ValidationError(`${at}.question_id`, `"${a.questionId}" is answered twice`);
    seen.add(a.questionId);
    if (a.kind !== SurveyQuestionKind.SURVEY_QUESTION_KIND_UNSPECIFIED && a.kind !== question.kind) {
      throw new ValidationError(`${at}.kind`, 'does not match the question');
    }
    if (question.kind === TEXT) {
      if (a.score !== 0) throw new ValidationError(`${at}.score`, 'a free-text question takes text, not a score');
      if (optionalLine(`${at}.text`, a.text, MAX_TEXT_ANSWER_CHARS, { multiline: true }).trim() === '') throw new ValidationError(`${at}.text`, 'is required');
      return { questionId: a.questionId, kind: TEXT, score: 0, text: a.text };
    }
    const scale = surveyScales[question.kind]!;
    if (!Number.isInteger(a.score) || a.score < scale.min || a.score > scale.max) {
      throw new ValidationError(`${at}.score`, `a ${scale.name} answer must be a whole number from ${scale.min} to ${scale.max}`);
    }
    if (a.text !== '') throw new ValidationError(`${at}.text`, 'a rating question takes a score, not text');
    return { questionId: a.questionId, kind: question.kind, score: a.score, text: '' };
  });
  const missing = survey.questions.filter((q) => q.required && !seen.has(q.questionId));
  if (missing.length > 0) throw new ValidationError('answers', `required question "${missing[0]!.questionId}" is not answered`);
  return checked;
}

const sameAnswers = (a: readonly SurveyAnswer[], b: readonly SurveyAnswer[]): boolean =>
  a.length === b.length && a.every((x, i) => x.questionId === b[i]!.questionId && x.score === b[i]!.score && x.text === b[i]!.text);

/**
 * Records the customer's answers: one response per conversation and survey.
 * Within the survey's edit window after the first answer the customer may
 * change it (each change replaces the answers: revision 2, 3, ...); after
 * the window it is closed. The same answers again change nothing.
 */
export function decideRecordSurveyResponse(command: RecordSurveyResponse, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireId('survey_id', data.surveyId);
  const conversation = requireStarted(command, state);
  const { details } = conversation;
  // Somebody else's conversation reads as missing: nothing about it leaks.
  if (command.metadata.actorId !== details.customerId) throw new NotFoundError('conversation', data.conversationId);
  const survey = (details.surveys ?? []).find((s) => s.surveyId === data.surveyId);
  if (!survey) throw new NotFoundError('survey', data.surveyId);
  const answers = checkAnswers(survey, data.answers);
  if (conversation.status !== 'resolved') throw new IllegalStateError(`conversation "${data.conversationId}" is not resolved: it was reopened`);
  if (survey.responseRevision > 0) {
    if (sameAnswers(answers, survey.answers)) return [];
    const until = survey.editableUntil;
    if (!until || command.metadata.now.getTime() > until.getTime()) {
      throw new IllegalStateError(`the answers to survey "${data.surveyId}" can no longer be changed: the edit window closed at ${until?.toISOString() ?? 'the first answer'}`);
    }
  }
  return [
    eventFrom(command, 'SurveyAnswered', {
      conversationId: data.conversationId,
      surveyId: data.surveyId,
      answers,
      respondentId: command.metadata.actorId,
      revision: survey.responseRevision + 1,
      occurredAt: occurredAt(command),
    }),
  ];
}
