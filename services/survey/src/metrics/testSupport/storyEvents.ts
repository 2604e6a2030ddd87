/**
 * Hand-written conversations as the events the services would publish, for
 * tests whose figures are known in advance.
 *
 * @example
 *   const a = new StoryEvents('sofia', 'sa-1', 'c-a').start('2026-03-19T13:00:00Z').customer('2026-03-19T13:00:05Z');
 *   await publishHistory(nc, a.events);
 */
import {
  AgentAssigned,
  AuthorKind,
  Channel,
  ConversationQueued,
  ConversationReopened,
  ConversationResolved,
  ConversationStarted,
  ConversationTagged,
  MessagePosted,
  SurveyAnswered,
  SurveyQuestionKind,
} from '@contactcenter/proto/conversation/v1';
import type { HistoryEvent } from './eventHistory';

type Json = Record<string, unknown>;

export class StoryEvents {
  readonly events: HistoryEvent[] = [];
  private revision = 0;

  constructor(
    readonly tenantId: string,
    readonly region: string,
    readonly conversationId: string,
  ) {}

  start(at: string, channel = Channel.CHANNEL_CHAT) {
    return this.add('ConversationStarted', at, ConversationStarted.toJSON({ conversationId: this.conversationId, tenantId: this.tenantId, channel, customerId: 'cust', language: 'pt-BR', region: this.region, subject: '', invitationId: '', occurredAt: new Date(at) }));
  }
  customer(at: string) {
    return this.message(at, AuthorKind.AUTHOR_KIND_CUSTOMER, 'cust');
  }
  agent(at: string, agentId = 'ana') {
    return this.message(at, AuthorKind.AUTHOR_KIND_AGENT, agentId);
  }
  queue(at: string, queueId = 'q-sales', teamId = 'team-sales') {
    return this.add('ConversationQueued', at, ConversationQueued.toJSON({ conversationId: this.conversationId, queueId, teamId, occurredAt: new Date(at) }));
  }
  assign(at: string, agentId = 'ana') {
    return this.add('AgentAssigned', at, AgentAssigned.toJSON({ conversationId: this.conversationId, agentId, reason: 'longest idle', occurredAt: new Date(at), decision: undefined }));
  }
  tag(at: string, tag: string) {
    return this.add('ConversationTagged', at, ConversationTagged.toJSON({ conversationId: this.conversationId, added: [tag], removed: [], taggedBy: 'ana', occurredAt: new Date(at) }));
  }
  resolve(at: string) {
    return this.add('ConversationResolved', at, ConversationResolved.toJSON({ conversationId: this.conversationId, resolvedBy: 'ana', occurredAt: new Date(at) }));
  }
  reopen(at: string) {
    return this.add('ConversationReopened', at, ConversationReopened.toJSON({ conversationId: this.conversationId, reopenedBy: 'cust', reason: '', occurredAt: new Date(at) }));
  }
  csat(at: string, score: number, revision: number) {
    const answers = [{ questionId: 'csat', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT, score, text: '' }];
    return this.add('SurveyAnswered', at, SurveyAnswered.toJSON({ conversationId: this.conversationId, surveyId: 'post-chat', answers, respondentId: 'cust', revision, occurredAt: new Date(at) }));
  }

  private message(at: string, authorKind: AuthorKind, authorId: string) {
    const message = { messageId: `m${this.revision}`, authorKind, authorId, text: 'olá', attachments: [], clientMessageId: '', language: 'pt-BR', postedAt: new Date(at), revision: this.revision, translations: [], cannedResponseId: '' };
    return this.add('MessagePosted', at, MessagePosted.toJSON({ conversationId: this.conversationId, message, occurredAt: new Date(at), customerLanguage: 'pt-BR', assignedAgentId: '' }));
  }

  private add(type: string, at: string, data: unknown) {
    const revision = this.revision++;
    this.events.push({ id: `${this.tenantId}-${this.conversationId}-${revision}`, context: 'conversation', type, tenantId: this.tenantId, region: this.region, subject: this.conversationId, revision, time: new Date(at), data: data as Json });
    return this;
  }
}

/** A proactive invitation, sent and (optionally) accepted into a conversation. */
export function invitationEvents(tenantId: string, region: string, invitationId: string, sentAt: string, accepted?: { at: string; conversationId: string }): HistoryEvent[] {
  const base = { context: 'engagement' as const, tenantId, region, subject: invitationId };
  const out: HistoryEvent[] = [{ ...base, id: `invitation:${tenantId}:${invitationId}:InvitationSent`, type: 'InvitationSent', time: new Date(sentAt), data: { invitationId, customerId: 'cust', ruleId: 'r' } }];
  if (accepted) {
    out.push({ ...base, id: `invitation:${tenantId}:${invitationId}:InvitationAccepted`, type: 'InvitationAccepted', time: new Date(accepted.at), data: { invitationId, customerId: 'cust', ruleId: 'r', conversationId: accepted.conversationId } });
  }
  return out;
}
