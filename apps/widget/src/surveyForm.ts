import { h } from './dom';
import type { Words } from './i18n';
import { answersOf, type SurveyAnswer, type SurveyToAnswer } from './surveyDefinition';

/**
 * A survey as a form: each rating question a group of radio buttons from its
 * scale's min to max (with the ends named), each TEXT question a text area.
 * The questions' texts are as the survey was sent, in the visitor's language.
 */
export function surveyForm(survey: SurveyToAnswer, words: Words, submit: (answers: SurveyAnswer[]) => Promise<boolean>): HTMLFormElement {
  const lang = survey.language || undefined;
  const titleId = `cc-survey-${survey.surveyId}`;
  const form = h('form', { 'data-testid': 'cc-survey', 'aria-labelledby': titleId, lang, novalidate: true });
  form.append(h('h3', { id: titleId }, survey.title || words.surveyTitle));
  for (const q of survey.questions) {
    const name = `q-${q.questionId}`;
    const label = q.text + (q.required ? ' *' : '');
    if (q.kind === 'TEXT') {
      const id = `cc-${name}`;
      form.append(h('fieldset', {}, h('label', { for: id }, label), h('textarea', { id, name, 'data-question-id': q.questionId, maxlength: '2000', 'aria-required': q.required ? 'true' : undefined })));
      continue;
    }
    const legend = h('legend', {}, label);
    const scale = h('div', { class: 'scale' });
    for (let score = q.min; score <= q.max; score++) {
      scale.append(h('label', {}, h('input', { type: 'radio', name, value: String(score), 'data-question-id': q.questionId, required: q.required && score === q.min }), h('span', {}, String(score))));
    }
    form.append(h('fieldset', {}, legend, scale, h('div', { class: 'ends', 'aria-hidden': 'true' }, h('span', {}, words.low), h('span', {}, words.high))));
  }
  const error = h('p', { class: 'notice', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'cc-survey-submit' }, words.surveySubmit);
  form.append(error, button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const given: Record<string, string> = {};
    for (const el of Array.from(form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[data-question-id]'))) {
      const id = el.getAttribute('data-question-id')!;
      if (el instanceof HTMLTextAreaElement) given[id] = el.value;
      else if (el.checked) given[id] = el.value;
    }
    const result = answersOf(survey, given);
    if ('missing' in result) {
      error.textContent = words.surveyMissing;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    button.disabled = true;
    void submit(result.answers).then((done) => {
      if (!done) button.disabled = false;
    });
  });
  return form;
}
