import { AuthorKind, MessagePosted, SurveyAnswered, SurveyQuestionKind } from '@contactcenter/proto/conversation/v1';
import { factOf, isMetricsSubject, type MetricsFact } from './eventFacts';
import { emptyTimeline, foldTimeline } from './timeline';

const T = '2026-03-29T10:00:00.000Z';
const entryOf = (f: MetricsFact | undefined) => (f?.kind === 'conversation' ? f.entry : undefined);
const envelope = (type: string, data: unknown, over: Record<string, unknown> = {}) => ({ type: `contactcenter.conversation.v1.${type}`, tenantid: 'acme', subject: 'c-1', time: T, sequence: '3', data, ...over });

describe('factOf', () => {
  it('reads conversation events with the generated proto3-JSON codecs', () => {
    const data = MessagePosted.toJSON({
      conversationId: 'c-1',
      customerLanguage: 'en',
      assignedAgentId: 'ann',
      message: { messageId: 'm', authorKind: AuthorKind.AUTHOR_KIND_AGENT, authorId: 'ann', text: 'hi', attachments: [], clientMessageId: '', language: 'en', postedAt: new Date(T), revision: 3, translations: [], cannedResponseId: '' },
      occurredAt: new Date(T),
    });
    expect(factOf(envelope('MessagePosted', data))).toEqual({ kind: 'conversation', tenantId: 'acme', conversationId: 'c-1', sequence: 3, entry: { k: 'msg', t: Date.parse(T), by: 'agent' } });
    expect(entryOf(factOf(envelope('ConversationStarted', { conversationId: 'c-1', channel: 'CHANNEL_EMAIL', region: 'eu-1', occurredAt: T })))).toEqual({ k: 'start', t: Date.parse(T), channel: 'email', region: 'eu-1' });
  });

  it('keeps the first-reply due time of a queueing, only when the queue promised one', () => {
    const due = '2026-03-29T14:00:00.000Z';
    expect(entryOf(factOf(envelope('ConversationQueued', { conversationId: 'c-1', queueId: 'q-email', teamId: '', occurredAt: T, firstReplyDueAt: due })))).toEqual({ k: 'queue', t: Date.parse(T), queue: 'q-email', team: '', due: Date.parse(due) });
    expect(entryOf(factOf(envelope('ConversationQueued', { conversationId: 'c-1', queueId: 'q-chat', teamId: 't', occurredAt: T })))).toEqual({ k: 'queue', t: Date.parse(T), queue: 'q-chat', team: 't' });
  });

  it('keeps valid ratings only, and the answer revision', () => {
    const data = SurveyAnswered.toJSON({
      conversationId: 'c-1',
      surveyId: 's',
      respondentId: 'cust',
      revision: 2,
      occurredAt: new Date(T),
      answers: [
        { questionId: 'q1', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT, score: 4, text: '' },
        { questionId: 'q2', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS, score: 11, text: '' },
        { questionId: 'q3', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_TEXT, score: 0, text: 'great' },
        { questionId: 'q4', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CES, score: 7, text: '' },
      ],
    });
    expect(entryOf(factOf(envelope('SurveyAnswered', data)))).toEqual({ k: 'answer', t: Date.parse(T), survey: 's', rev: 2, ratings: [{ kind: 'csat', score: 4 }, { kind: 'ces', score: 7 }] });
  });

  it('takes the CloudEvent time when the data has none, and the subject as conversation id', () => {
    expect(factOf(envelope('ConversationResolved', {}, { time: '2026-03-29T11:00:00Z' }))).toMatchObject({ conversationId: 'c-1', entry: { k: 'resolve', t: Date.parse('2026-03-29T11:00:00Z') } });
  });

  it('reads the gateway’s invitation events', () => {
    const sent = { type: 'contactcenter.engagement.v1.InvitationSent', tenantid: 'acme', subject: 'inv-1', time: T, data: { invitationId: 'inv-1', customerId: 'v', ruleId: 'r' } };
    const accepted = { ...sent, type: 'contactcenter.engagement.v1.InvitationAccepted', data: { invitationId: 'inv-1', customerId: 'v', ruleId: 'r', conversationId: 'c-9' } };
    expect(factOf(sent)).toEqual({ kind: 'invitation', tenantId: 'acme', invitationId: 'inv-1', sentAt: Date.parse(T), conversationId: '' });
    expect(factOf(accepted)).toEqual({ kind: 'invitation', tenantId: 'acme', invitationId: 'inv-1', acceptedAt: Date.parse(T), conversationId: 'c-9' });
  });

  it('skips what the figures do not use', () => {
    expect(factOf(envelope('InternalNoteAdded', { conversationId: 'c-1', occurredAt: T }))).toBeUndefined();
    expect(factOf(envelope('MessagePosted', { conversationId: 'c-1', message: { authorKind: 'AUTHOR_KIND_SYSTEM' }, occurredAt: T }))).toBeUndefined();
    expect(factOf({ type: 'contactcenter.presence.v1.AgentStatusChanged', tenantid: 'acme', time: T, data: {} })).toBeUndefined();
  });

  it('tells from the subject alone which events can become facts, so the rest are never decoded', () => {
    for (const used of ['cc.acme.conversation.MessagePosted', 'cc.acme.conversation.SurveyAnswered', 'cc.acme.engagement.InvitationAccepted']) expect(isMetricsSubject(used)).toBe(true);
    for (const unused of ['cc.acme.conversation.InternalNoteAdded', 'cc.acme.conversation.MessageTranslated', 'cc.acme.presence.AgentStatusChanged', 'cc.acme.routing.OfferMade', 'cc.acme.engagement.Other', 'cc.acme']) {
      expect(isMetricsSubject(unused)).toBe(false);
    }
  });

  it('takes the tenant from the NATS subject when the header is missing', () => {
    expect(factOf(envelope('ConversationResolved', { conversationId: 'c-1', occurredAt: T }, { tenantid: undefined }), 'cc.globex.conversation.ConversationResolved')).toMatchObject({ tenantId: 'globex' });
  });

  it('throws on an event without any time', () => {
    expect(() => factOf(envelope('ConversationResolved', { conversationId: 'c-1' }, { time: undefined }))).toThrow(/no time/);
  });
});

describe('foldTimeline', () => {
  it('appends in order and drops republished revisions', () => {
    const entry = (t: number) => ({ k: 'resolve', t }) as const;
    const once = foldTimeline(emptyTimeline('acme', 'c'), [
      { sequence: 0, entry: entry(0) },
      { sequence: 1, entry: entry(1) },
      { sequence: 1, entry: entry(1) },
    ]);
    expect(once.entries).toHaveLength(2);
    const again = foldTimeline(once, [
      { sequence: 1, entry: entry(1) },
      { sequence: 2, entry: entry(2) },
    ]);
    expect(again).toMatchObject({ seq: 2, entries: [entry(0), entry(1), entry(2)] });
    expect(foldTimeline(again, [{ sequence: 0, entry: entry(0) }])).toBe(again);
  });
});
