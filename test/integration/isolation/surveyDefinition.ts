/** A survey definition (proto3 JSON of SurveyDefinition) sent only on request. */
export function surveyDefinition(title: string, question = 'How satisfied are you?') {
  return {
    titles: { en: title },
    defaultLanguage: 'en',
    questions: [{ questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', required: true, texts: { en: question } }],
    sendOnResolveChannels: [],
    delaySeconds: 0,
    editWindowSeconds: 3600,
    enabled: true,
  };
}
