import { SurveyQuestionKind as Kind, type SurveyAnswer } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { assigned, command, customerId, event, now, reopened, resolved, started } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);

const questions = [
  { questionId: 'csat', kind: Kind.SURVEY_QUESTION_KIND_CSAT, text: '¿Qué tan satisfecha está?', required: true },
  { questionId: 'nps', kind: Kind.SURVEY_QUESTION_KIND_NPS, text: '¿Nos recomendaría?', required: false },
  { questionId: 'ces', kind: Kind.SURVEY_QUESTION_KIND_CES, text: '¿Fue fácil?', required: false },
  { questionId: 'comment', kind: Kind.SURVEY_QUESTION_KIND_TEXT, text: '¿Algo más?', required: false },
];
const requestData = { surveyId: 'post-chat', surveyVersion: 'v3', title: 'Encuesta', language: 'es', questions, trigger: 'resolved', editWindowSeconds: 600 };
const requested = (at = now) => event('SurveyRequested', { ...requestData, requestedBy: 'survey', occurredAt: at });
const request = (overrides: Partial<typeof requestData> = {}) => command('RequestSurvey', { ...requestData, ...overrides }, { actorId: 'survey' });

const answer = (questionId: string, score: number, text = ''): SurveyAnswer => ({ questionId, kind: Kind.SURVEY_QUESTION_KIND_UNSPECIFIED, score, text });
const respond = (answers: SurveyAnswer[], at = now, actorId = customerId) => command('RecordSurveyResponse', { surveyId: 'post-chat', answers }, { actorId, now: at });
const answered = (answers: SurveyAnswer[], revision: number, at = now) =>
  event('SurveyAnswered', { surveyId: 'post-chat', answers, respondentId: customerId, revision, occurredAt: at }, { actorId: customerId });
const normalised = (questionId: string, kind: Kind, score: number, text = ''): SurveyAnswer => ({ questionId, kind, score, text });

describe('RequestSurvey', () => {
  it('records the survey as sent, with its questions in the customer language', () => {
    spec.given([started(), assigned(), resolved()]).when(request()).then([{ ...requested(), metadata: { tenantId: 'acme', actorId: 'survey' } }]);
  });

  it('sends a survey once: the same survey again changes nothing', () => {
    spec.given([started(), resolved(), requested()]).when(request({ trigger: 'agent' })).then([]);
  });

  it.each([
    ['open', [started()]],
    ['assigned', [started(), assigned()]],
    ['reopened', [started(), resolved(), reopened()]],
  ])('refuses a conversation that is %s', (_status, given) => {
    spec.given(given).when(request()).thenThrows(IllegalStateError, 'is not resolved');
  });

  it.each([
    ['questions', { questions: [] }],
    ['questions[0].kind', { questions: [{ ...questions[0]!, kind: Kind.SURVEY_QUESTION_KIND_UNSPECIFIED }] }],
    ['questions[1].question_id', { questions: [questions[0]!, questions[0]!] }],
    ['questions[0].text', { questions: [{ ...questions[0]!, text: '  ' }] }],
    ['language', { language: 'not a tag' }],
    ['trigger', { trigger: 'whenever' }],
    ['edit_window_seconds', { editWindowSeconds: -1 }],
  ])('rejects a bad %s', (field, overrides) => {
    spec.given([started(), resolved()]).when(request(overrides as Partial<typeof requestData>)).thenRejectsField(field);
  });
});

describe('RecordSurveyResponse', () => {
  const given = [started(), assigned(), resolved(), requested()];

  it('records the first answers as revision 1, kinds taken from the questions', () => {
    spec
      .given(given)
      .when(respond([answer('csat', 5), answer('nps', 9), answer('ces', 6), answer('comment', 0, 'Muy amable')]))
      .then([
        answered(
          [
            normalised('csat', Kind.SURVEY_QUESTION_KIND_CSAT, 5),
            normalised('nps', Kind.SURVEY_QUESTION_KIND_NPS, 9),
            normalised('ces', Kind.SURVEY_QUESTION_KIND_CES, 6),
            normalised('comment', Kind.SURVEY_QUESTION_KIND_TEXT, 0, 'Muy amable'),
          ],
          1,
        ),
      ]);
  });

  it('lets the customer change the answers within the edit window (revision 2)', () => {
    const first = answered([normalised('csat', Kind.SURVEY_QUESTION_KIND_CSAT, 2)], 1);
    const later = new Date(now.getTime() + 599_000);
    spec.given([...given, first]).when(respond([answer('csat', 4)], later)).then([answered([normalised('csat', Kind.SURVEY_QUESTION_KIND_CSAT, 4)], 2, later)]);
  });

  it('refuses a change after the edit window', () => {
    const first = answered([normalised('csat', Kind.SURVEY_QUESTION_KIND_CSAT, 2)], 1);
    spec.given([...given, first]).when(respond([answer('csat', 4)], new Date(now.getTime() + 601_000))).thenThrows(IllegalStateError, 'edit window closed');
  });

  it('takes the same answers again as a retry: nothing new', () => {
    const first = answered([normalised('csat', Kind.SURVEY_QUESTION_KIND_CSAT, 2)], 1);
    spec.given([...given, first]).when(respond([answer('csat', 2)], new Date(now.getTime() + 3_600_000))).then([]);
  });

  it.each([
    ['CSAT 0', [answer('csat', 0)], 'answers[0].score'],
    ['CSAT 6', [answer('csat', 6)], 'answers[0].score'],
    ['NPS 11', [answer('csat', 3), answer('nps', 11)], 'answers[1].score'],
    ['NPS -1', [answer('csat', 3), answer('nps', -1)], 'answers[1].score'],
    ['CES 8', [answer('csat', 3), answer('ces', 8)], 'answers[1].score'],
    ['a fraction', [answer('csat', 4.5)], 'answers[0].score'],
    ['an unknown question', [answer('csat', 3), answer('mood', 3)], 'answers[1].question_id'],
    ['a question answered twice', [answer('csat', 3), answer('csat', 4)], 'answers[1].question_id'],
    ['text on a rating', [answer('csat', 3, 'great')], 'answers[0].text'],
    ['an empty free text', [answer('csat', 3), answer('comment', 0, ' ')], 'answers[1].text'],
    ['a missing required answer', [answer('nps', 8)], 'answers'],
    ['no answers', [], 'answers'],
  ])('rejects %s and records nothing', (_case, answers, field) => {
    spec.given(given).when(respond(answers)).thenRejectsField(field);
  });

  it('refuses a conversation that was reopened', () => {
    spec.given([...given, reopened()]).when(respond([answer('csat', 5)])).thenThrows(IllegalStateError, 'not resolved');
  });

  it('refuses a survey that was never sent in this conversation', () => {
    spec.given([started(), resolved()]).when(respond([answer('csat', 5)])).thenThrows(NotFoundError, 'survey');
  });

  it('answers somebody else as if the conversation did not exist', () => {
    spec.given(given).when(respond([answer('csat', 5)], now, 'cust-other')).thenThrows(NotFoundError, 'conversation');
  });
});
