import { describe, expect, it } from '@jest/globals';
import { answersOf, surveyFrom } from './surveyDefinition';

describe('surveyFrom', () => {
  it('reads the event kinds and the fixed scales', () => {
    const s = surveyFrom({
      surveyId: 's1',
      language: 'es',
      questions: [
        { questionId: 'a', kind: 'SURVEY_QUESTION_KIND_CSAT', text: '¿Satisfecho?', required: true },
        { questionId: 'b', kind: 'NPS', text: '¿Recomendarías?' },
        { questionId: 'c', kind: 'SURVEY_QUESTION_KIND_CES', text: '¿Fácil?' },
        { questionId: 'd', kind: 'UNKNOWN', text: '?' },
      ],
    });
    expect(s?.questions.map((q) => [q.questionId, q.kind, q.min, q.max])).toEqual([
      ['a', 'CSAT', 1, 5],
      ['b', 'NPS', 0, 10],
      ['c', 'CES', 1, 7],
    ]);
  });

  it('takes the scale the list gives', () => {
    expect(surveyFrom({ surveyId: 's1', questions: [{ questionId: 'a', kind: 'CSAT', scale: { min: 1, max: 3 } }] })?.questions[0]).toMatchObject({ min: 1, max: 3 });
  });
});

describe('answersOf', () => {
  const survey = surveyFrom({ surveyId: 's1', questions: [{ questionId: 'a', kind: 'CSAT', required: true }, { questionId: 'b', kind: 'NPS' }, { questionId: 'c', kind: 'TEXT' }] })!;

  it('names required questions left out', () => {
    expect(answersOf(survey, { b: '9' })).toEqual({ missing: ['a'] });
  });

  it('gives scores and text, leaving out what was not answered', () => {
    expect(answersOf(survey, { a: '5', c: ' Great ' })).toEqual({ answers: [{ questionId: 'a', score: 5 }, { questionId: 'c', text: 'Great' }] });
  });

  it('refuses a score outside the scale', () => {
    expect(answersOf(survey, { a: '6' })).toEqual({ missing: ['a'] });
  });
});
