/** A survey question as the widget asks it. */
export interface SurveyQuestion {
  questionId: string;
  kind: 'CSAT' | 'NPS' | 'CES' | 'TEXT';
  text: string;
  required: boolean;
  /** Ratings: the integers from min to max. */
  min: number;
  max: number;
}

export interface SurveyToAnswer {
  surveyId: string;
  title: string;
  language: string;
  questions: SurveyQuestion[];
  /** Already answered (the conversation read says so): not asked again. */
  answered: boolean;
}

/** The fixed ranges of the rating kinds (the survey contract): CSAT 1-5, NPS 0-10, CES 1-7. */
const SCALES: Record<SurveyQuestion['kind'], [number, number]> = { CSAT: [1, 5], NPS: [0, 10], CES: [1, 7], TEXT: [0, 0] };

type RawQuestion = { questionId?: string; kind?: string; text?: string; required?: boolean; scale?: { min?: number; max?: number } };
type RawSurvey = { surveyId?: string; title?: string; language?: string; questions?: RawQuestion[]; answers?: unknown[] };

/**
 * A survey from a SurveyRequested event (kinds `SURVEY_QUESTION_KIND_CSAT`)
 * or the visitor's survey list (kinds `CSAT`, with a scale), in one shape.
 * Unknown kinds are left out: the widget cannot ask what it does not know.
 */
export function surveyFrom(raw: RawSurvey): SurveyToAnswer | undefined {
  if (!raw.surveyId) return undefined;
  const questions: SurveyQuestion[] = [];
  for (const q of raw.questions ?? []) {
    const kind = (q.kind ?? '').replace(/^SURVEY_QUESTION_KIND_/, '');
    if (!q.questionId || !(kind === 'CSAT' || kind === 'NPS' || kind === 'CES' || kind === 'TEXT')) continue;
    const [min, max] = SCALES[kind];
    questions.push({ questionId: q.questionId, kind, text: q.text ?? '', required: q.required ?? false, min: q.scale?.min ?? min, max: q.scale?.max ?? max });
  }
  return { surveyId: raw.surveyId, title: raw.title ?? '', language: raw.language ?? '', questions, answered: (raw.answers?.length ?? 0) > 0 };
}

export type SurveyAnswer = { questionId: string; score?: number; text?: string };

/** The answers to send, or the ids of required questions left unanswered. */
export function answersOf(survey: SurveyToAnswer, given: Record<string, string>): { answers: SurveyAnswer[] } | { missing: string[] } {
  const answers: SurveyAnswer[] = [];
  const missing: string[] = [];
  for (const q of survey.questions) {
    const value = (given[q.questionId] ?? '').trim();
    if (value === '') {
      if (q.required) missing.push(q.questionId);
      continue;
    }
    if (q.kind === 'TEXT') answers.push({ questionId: q.questionId, text: value.slice(0, 2000) });
    else {
      const score = Number(value);
      if (Number.isInteger(score) && score >= q.min && score <= q.max) answers.push({ questionId: q.questionId, score });
      else if (q.required) missing.push(q.questionId);
    }
  }
  return missing.length > 0 ? { missing } : { answers };
}
