import { requireTenantId, unary, type AsyncService, type CallContext } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import type { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import type { SurveyServiceServer } from '@contactcenter/proto/survey/v1';
import { requireSurveyId, surveyRequest, validateSurveyDefinition } from './surveyDefinition';
import type { SurveyStore } from './surveyStore';

type SurveyCalls = Pick<
  SurveyServiceServer,
  'putSurvey' | 'getSurvey' | 'listSurveys' | 'deleteSurvey' | 'requestSurvey' | 'submitSurveyResponse'
>;

const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

function requireConversationId(value: string): string {
  if (typeof value !== 'string' || !CONVERSATION_ID.test(value)) throw new ValidationError('conversation_id', 'must be 1-128 letters, digits, "-" or "_"');
  return value;
}

/**
 * The survey half of SurveyService: definitions per tenant, a survey sent at
 * an agent's request, and the customer's answers. Answers are recorded on
 * the conversation (the conversation service checks ranges, ownership,
 * resolution and the edit window, so the rules live in one aggregate).
 */
export function surveyCalls(deps: { store: SurveyStore; conversation: ConversationServiceClient; now?: () => Date }): AsyncService<SurveyCalls> {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const { conversation } = deps;
  const tenant = (ctx: CallContext) => requireTenantId(ctx.tenantId);
  const as = (ctx: CallContext) => ({ tenantId: ctx.tenantId, actorId: ctx.actorId || 'survey', requestId: ctx.requestId });

  return {
    putSurvey: async (req, ctx) => ({ survey: await store.put(tenant(ctx), validateSurveyDefinition(req.survey), now()) }),
    getSurvey: async (req, ctx) => ({ survey: await store.require(tenant(ctx), requireSurveyId(req.surveyId)) }),
    listSurveys: async (_req, ctx) => ({ surveys: await store.list(tenant(ctx)) }),
    deleteSurvey: async (req, ctx) => {
      await store.delete(tenant(ctx), requireSurveyId(req.surveyId));
      return {};
    },
    requestSurvey: async (req, ctx) => {
      const conversationId = requireConversationId(req.conversationId);
      const survey = await store.require(tenant(ctx), requireSurveyId(req.surveyId));
      if (!survey.enabled) throw new IllegalStateError(`survey "${survey.surveyId}" is disabled`);
      const c = conversation;
      // For the customer's language; the conversation service itself refuses an unresolved conversation.
      const { conversation: found } = await unary(c, c.getConversation, { conversationId, includeNotes: false }, as(ctx));
      if (!found) throw new NotFoundError('conversation', conversationId);
      const { result } = await unary(c, c.requestSurvey, surveyRequest(survey, found, 'agent'), as(ctx));
      return { revision: result?.revision ?? 0 };
    },
    submitSurveyResponse: async (req, ctx) => {
      const conversationId = requireConversationId(req.conversationId);
      requireSurveyId(req.surveyId);
      tenant(ctx);
      const c = conversation;
      const res = await unary(c, c.recordSurveyResponse, { conversationId, surveyId: req.surveyId, answers: req.answers }, as(ctx));
      return { revision: res.result?.revision ?? 0, responseRevision: res.responseRevision, editableUntil: res.editableUntil };
    },
  };
}
