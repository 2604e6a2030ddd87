import { unary } from '@contactcenter/infra';
import { SurveyQuestionKind, type ConversationSurvey } from '@contactcenter/proto/conversation/v1';
import { SurveyDefinition } from '@contactcenter/proto/survey/v1';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff, requireVisitor } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import { conversationIdParam } from '../schemas/conversation';
import { fieldValidationError, protoBodySchema } from '../schemas/protoBodies';
import { ownConversation, requireOwn } from './ownConversation';
import type { ConversationOwners } from '../realtime/conversationOwners';

const problem = { $ref: 'problem#' } as const;
const idPattern = '^[A-Za-z0-9_-]{1,64}$';
const surveyParams = {
  type: 'object',
  required: ['conversationId', 'surveyId'],
  additionalProperties: false,
  properties: { conversationId: { type: 'string', pattern: idPattern }, surveyId: { type: 'string', pattern: idPattern } },
} as const;
const surveyIdParam = { type: 'object', required: ['surveyId'], additionalProperties: false, properties: { surveyId: { type: 'string', pattern: idPattern } } } as const;
/** A definition as GET returned it may be sent back: `version` and `updatedAt` are accepted and ignored (the service sets them). */
const definitionBody = protoBodySchema('contactcenter.survey.v1.SurveyDefinition', { fromPath: ['surveyId'], serverSet: ['version', 'updatedAt'] });

const KIND_NAMES: Record<number, string> = {
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT]: 'CSAT',
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS]: 'NPS',
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CES]: 'CES',
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_TEXT]: 'TEXT',
};
const SCALES: Record<string, { min: number; max: number } | undefined> = { CSAT: { min: 1, max: 5 }, NPS: { min: 0, max: 10 }, CES: { min: 1, max: 7 } };

const surveyView = (s: ConversationSurvey) => ({
  surveyId: s.surveyId,
  title: s.title,
  language: s.language,
  questions: s.questions.map((q) => {
    const kind = KIND_NAMES[q.kind] ?? 'UNKNOWN';
    return { questionId: q.questionId, kind, text: q.text, required: q.required, ...(SCALES[kind] ? { scale: SCALES[kind] } : {}) };
  }),
  requestedAt: s.requestedAt?.toISOString(),
  answers: s.answers.map((a) => (a.kind === SurveyQuestionKind.SURVEY_QUESTION_KIND_TEXT ? { questionId: a.questionId, text: a.text } : { questionId: a.questionId, score: a.score })),
  responseRevision: s.responseRevision,
  editableUntil: s.editableUntil?.toISOString() ?? null,
});

const surveySchema = {
  type: 'object',
  properties: {
    surveyId: { type: 'string' },
    title: { type: 'string' },
    language: { type: 'string' },
    questions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          questionId: { type: 'string' },
          kind: { type: 'string', enum: ['CSAT', 'NPS', 'CES', 'TEXT', 'UNKNOWN'] },
          text: { type: 'string' },
          required: { type: 'boolean' },
          scale: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } },
        },
      },
    },
    requestedAt: { type: 'string', format: 'date-time' },
    answers: { type: 'array', items: { type: 'object', properties: { questionId: { type: 'string' }, score: { type: 'integer' }, text: { type: 'string' } } } },
    responseRevision: { type: 'integer' },
    editableUntil: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

type AnswerBody = { answers: { questionId: string; score?: number; text?: string }[] };
const answersBody = {
  type: 'object',
  required: ['answers'],
  additionalProperties: false,
  properties: {
    answers: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        required: ['questionId'],
        additionalProperties: false,
        properties: {
          questionId: { type: 'string', pattern: idPattern },
          score: { type: 'integer', minimum: -1000, maximum: 1000 },
          text: { type: 'string', maxLength: 4000 },
        },
      },
    },
  },
} as const;

/**
 * Surveys over REST. Visitors see the surveys sent in their own
 * conversations and answer them (again within the edit window); agents send
 * a survey in a resolved conversation; admins keep the definitions (proto3
 * JSON of `SurveyDefinition`: texts per language, channels that send it on
 * resolution, delay, edit window). Ranges, ownership and the edit window are
 * checked by the services; their errors come back as problem JSON.
 */
export async function surveyRoutes(app: FastifyInstance, opts: { peers: Peers; owners: ConversationOwners }) {
  const { conversation, survey } = opts.peers;

  app.get<{ Params: { conversationId: string } }>(
    '/visitor/conversations/:conversationId/surveys',
    { schema: { operationId: 'listVisitorSurveys', tags: ['visitors'], security: [{ visitorToken: [] }], params: conversationIdParam, response: { 200: { type: 'object', properties: { surveys: { type: 'array', items: surveySchema } } }, '4xx': problem } } },
    async (request) => {
      const p = await requireVisitor(request);
      const { conversation: found } = await ownConversation(conversation, request, p, request.params.conversationId);
      return { surveys: found.surveys.map(surveyView) };
    },
  );

  app.put<{ Params: { conversationId: string; surveyId: string }; Body: AnswerBody }>(
    '/visitor/conversations/:conversationId/surveys/:surveyId/response',
    {
      schema: {
        operationId: 'answerSurvey',
        tags: ['visitors'],
        security: [{ visitorToken: [] }],
        params: surveyParams,
        body: answersBody,
        response: { 200: { type: 'object', properties: { responseRevision: { type: 'integer' }, editableUntil: { type: ['string', 'null'], format: 'date-time' } } }, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireVisitor(request);
      const { conversationId, surveyId } = request.params;
      await requireOwn(opts.owners, p, conversationId);
      const answers = request.body.answers.map((a) => ({ questionId: a.questionId, kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_UNSPECIFIED, score: a.score ?? 0, text: a.text ?? '' }));
      const res = await unary(survey, survey.submitSurveyResponse, { conversationId, surveyId, answers }, callOptions(request, p));
      return { responseRevision: res.responseRevision, editableUntil: res.editableUntil?.toISOString() ?? null };
    },
  );

  app.post<{ Params: { conversationId: string }; Body: { surveyId: string } }>(
    '/conversations/:conversationId/surveys',
    idempotent({
      schema: {
        operationId: 'requestSurvey',
        tags: ['conversations'],
        security: [{ agentToken: [] }],
        params: conversationIdParam,
        body: { type: 'object', required: ['surveyId'], additionalProperties: false, properties: { surveyId: { type: 'string', pattern: idPattern } } },
        response: { 200: { type: 'object', properties: { revision: { type: 'integer' } } }, '4xx': problem },
      },
    }),
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(survey, survey.requestSurvey, { conversationId: request.params.conversationId, surveyId: request.body.surveyId }, callOptions(request, p));
      return { revision: Number(res.revision) };
    },
  );

  const admin = { tags: ['admin'], security: [{ agentToken: [] }] };
  app.put<{ Params: { surveyId: string }; Body: Record<string, unknown> }>(
    '/admin/surveys/:surveyId',
    { schema: { operationId: 'putSurvey', ...admin, params: surveyIdParam, body: definitionBody, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const definition = SurveyDefinition.fromJSON({ ...request.body, surveyId: request.params.surveyId, version: undefined, updatedAt: undefined });
      const res = await unary(survey, survey.putSurvey, { survey: definition }, callOptions(request, p));
      return { survey: SurveyDefinition.toJSON(res.survey!) };
    },
  );

  app.get('/admin/surveys', { schema: { operationId: 'listSurveys', ...admin, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin', 'supervisor']);
    return { surveys: (await unary(survey, survey.listSurveys, {}, callOptions(request, p))).surveys.map((s) => SurveyDefinition.toJSON(s)) };
  });

  app.get<{ Params: { surveyId: string } }>('/admin/surveys/:surveyId', { schema: { operationId: 'getSurvey', ...admin, params: surveyIdParam, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin', 'supervisor']);
    return { survey: SurveyDefinition.toJSON((await unary(survey, survey.getSurvey, { surveyId: request.params.surveyId }, callOptions(request, p))).survey!) };
  });

  app.delete<{ Params: { surveyId: string } }>('/admin/surveys/:surveyId', { schema: { operationId: 'deleteSurvey', ...admin, params: surveyIdParam, response: { '4xx': problem } } }, async (request, reply) => {
    const p = await requireStaff(request, ['admin']);
    await unary(survey, survey.deleteSurvey, { surveyId: request.params.surveyId }, callOptions(request, p));
    return reply.code(204).send();
  });
}
