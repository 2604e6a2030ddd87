import { ValidationError } from '@contactcenter/infra/errors';
import { Channel, SurveyQuestionKind as Kind } from '@contactcenter/proto/conversation/v1';
import type { SurveyDefinition } from '@contactcenter/proto/survey/v1';
import { sendsOnResolve, surveyFor, textIn, validateSurveyDefinition } from './surveyDefinition';

const definition = (overrides: Partial<SurveyDefinition> = {}): SurveyDefinition => ({
  surveyId: 'post-chat',
  version: '',
  titles: { en: 'How did we do?', es: '¿Qué tal?', 'pt-BR': 'Como foi?' },
  questions: [
    { questionId: 'csat', kind: Kind.SURVEY_QUESTION_KIND_CSAT, required: true, texts: { en: 'Satisfied?', es: '¿Satisfecho?', 'pt-BR': 'Satisfeito?' } },
    { questionId: 'nps', kind: Kind.SURVEY_QUESTION_KIND_NPS, required: false, texts: { en: 'Recommend us?', es: '¿Nos recomendaría?' } },
  ],
  defaultLanguage: 'en',
  sendOnResolveChannels: [Channel.CHANNEL_CHAT],
  delaySeconds: 60,
  editWindowSeconds: 600,
  enabled: true,
  updatedAt: undefined,
  ...overrides,
});

const rejects = (d: SurveyDefinition, field: string) => {
  try {
    validateSurveyDefinition(d);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
    return;
  }
  throw new Error(`expected ${field} to be rejected`);
};

describe('survey definitions', () => {
  it('keeps a valid definition, language tags in lower case', () => {
    const valid = validateSurveyDefinition(definition());
    expect(Object.keys(valid.questions[0]!.texts)).toEqual(['en', 'es', 'pt-br']);
    expect(valid.titles['pt-br']).toBe('Como foi?');
  });

  it.each([
    ['survey.survey_id', { surveyId: 'has space' }],
    ['survey.questions', { questions: [] }],
    ['survey.questions[0].kind', { questions: [{ questionId: 'q', kind: Kind.SURVEY_QUESTION_KIND_UNSPECIFIED, required: false, texts: { en: 'x' } }] }],
    ['survey.questions[0].texts', { questions: [{ questionId: 'q', kind: Kind.SURVEY_QUESTION_KIND_CES, required: false, texts: {} }] }],
    ['survey.questions[0].texts', { questions: [{ questionId: 'q', kind: Kind.SURVEY_QUESTION_KIND_CES, required: false, texts: { es: 'sin inglés' } }] }],
    ['survey.questions[0].texts[en]', { questions: [{ questionId: 'q', kind: Kind.SURVEY_QUESTION_KIND_CES, required: false, texts: { en: 'bell\u0007' } }] }],
    ['survey.default_language', { defaultLanguage: '' }],
    ['survey.delay_seconds', { delaySeconds: -5 }],
    ['survey.edit_window_seconds', { editWindowSeconds: 1.5 }],
    ['survey.send_on_resolve_channels', { sendOnResolveChannels: [Channel.CHANNEL_UNSPECIFIED] }],
  ])('rejects a bad %s', (field, overrides) => rejects(definition(overrides as Partial<SurveyDefinition>), field));

  it('picks the exact tag, then the primary language, then a regional variant, then the default', () => {
    const texts = { en: 'Hi', es: 'Hola', 'pt-br': 'Oi' };
    expect(textIn(texts, 'es', 'en')).toEqual({ text: 'Hola', language: 'es' });
    expect(textIn(texts, 'es-MX', 'en')).toEqual({ text: 'Hola', language: 'es' });
    expect(textIn(texts, 'pt-PT', 'en')).toEqual({ text: 'Oi', language: 'pt-br' });
    expect(textIn(texts, 'de', 'en')).toEqual({ text: 'Hi', language: 'en' });
  });

  it('sends a survey in one language: the customer\'s when every question has it, else the default', () => {
    const valid = validateSurveyDefinition(definition());
    expect(surveyFor(valid, 'es-AR')).toMatchObject({ language: 'es', title: '¿Qué tal?', questions: [{ text: '¿Satisfecho?' }, { text: '¿Nos recomendaría?' }] });
    // Portuguese lacks the NPS question: the whole survey goes out in English rather than mixed.
    expect(surveyFor(valid, 'pt-BR')).toMatchObject({ language: 'en', title: 'How did we do?', questions: [{ text: 'Satisfied?' }, { text: 'Recommend us?' }] });
  });

  it('is sent on resolution only on its channels, only when enabled, after its delay', () => {
    const at = new Date('2026-03-29T10:00:00Z');
    expect(sendsOnResolve(definition(), Channel.CHANNEL_CHAT, at)?.toISOString()).toBe('2026-03-29T10:01:00.000Z');
    expect(sendsOnResolve(definition(), Channel.CHANNEL_EMAIL, at)).toBeUndefined();
    expect(sendsOnResolve(definition({ enabled: false }), Channel.CHANNEL_CHAT, at)).toBeUndefined();
  });
});
