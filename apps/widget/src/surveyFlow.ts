import type { ContactCenterClient } from '@contactcenter/client';
import { h } from './dom';
import type { RetryingCalls } from './retrying';
import { sleep } from './retrying';
import type { SavedChatStore } from './savedChat';
import { surveyFrom, type SurveyAnswer, type SurveyToAnswer } from './surveyDefinition';
import { surveyForm } from './surveyForm';
import type { WidgetView } from './view';

/**
 * The survey at the end of a conversation: shown from its SurveyRequested
 * event, or found in the conversation's survey list (a request that came
 * before a reload, or before the socket was live); answered once, then
 * thanks.
 */
export class SurveyFlow {
  private shown: string | undefined;

  constructor(
    private readonly client: ContactCenterClient,
    private readonly view: WidgetView,
    private readonly saved: SavedChatStore,
    private readonly calls: RetryingCalls,
  ) {}

  reset(): void {
    this.shown = undefined;
  }

  /** Looks for a survey a few times: the request often follows the resolution by a moment. */
  async find(conversationId: string, current: () => string | undefined): Promise<void> {
    for (let attempt = 0; attempt < 3 && this.shown === undefined && current() === conversationId; attempt++) {
      const list = await this.calls.retrying(() => this.client.GET('/v1/visitor/conversations/{conversationId}/surveys', { params: { path: { conversationId } } }));
      if (!list.ok || current() !== conversationId) return;
      for (const raw of list.value.surveys ?? []) this.show(conversationId, surveyFrom(raw));
      if (this.shown === undefined) await sleep(2_000 * (attempt + 1));
    }
  }

  show(conversationId: string, survey: SurveyToAnswer | undefined): void {
    if (!survey || this.shown !== undefined || survey.questions.length === 0) return;
    this.shown = survey.surveyId;
    const answered = survey.answered || (this.saved.get().answeredSurveys ?? []).includes(survey.surveyId);
    const slot = this.view.surveySlot;
    slot.replaceChildren(answered ? this.thanks() : surveyForm(survey, this.view.words(), (answers) => this.answer(conversationId, survey, answers)));
    slot.hidden = false;
  }

  private async answer(conversationId: string, survey: SurveyToAnswer, answers: SurveyAnswer[]): Promise<boolean> {
    const done = await this.calls.retrying(() =>
      this.client.PUT('/v1/visitor/conversations/{conversationId}/surveys/{surveyId}/response', { params: { path: { conversationId, surveyId: survey.surveyId } }, body: { answers } }),
    );
    if (!done.ok) return false;
    this.saved.update({ answeredSurveys: [...(this.saved.get().answeredSurveys ?? []), survey.surveyId] });
    const thanks = this.thanks();
    this.view.surveySlot.replaceChildren(thanks);
    thanks.focus();
    return true;
  }

  private thanks(): HTMLElement {
    return h('p', { role: 'status', tabindex: '-1' }, this.view.words().surveyThanks);
  }
}
