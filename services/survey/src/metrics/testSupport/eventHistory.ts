/**
 * A deterministic, realistic history of conversation and engagement events
 * for tests and the benchmark: conversations across tenants, channels,
 * queues and agents, with customer and bot messages, queueing, assignment,
 * agent replies, transfers, tags, resolutions, reopens days later, surveys
 * with edits, and proactive invitations (accepted ones lead to a
 * conversation). Events come out in time order, as the relay publishes them.
 *
 * @example
 *   for (const e of eventHistory({ events: 1_000, seed: 7 })) publish(e);
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
  ConversationTransferred,
  MessagePosted,
  SurveyAnswered,
  SurveyQuestionKind,
  SurveyRequested,
} from '@contactcenter/proto/conversation/v1';
import { TimeHeap } from './timeHeap';

/** One event as the relay (conversation) or the gateway (engagement) publishes it. */
export interface HistoryEvent {
  id: string;
  /** 'conversation' or 'engagement'. */
  context: 'conversation' | 'engagement';
  /** The event type, e.g. MessagePosted. */
  type: string;
  tenantId: string;
  region: string;
  /** Conversation id (conversation events) or invitation id (engagement events). */
  subject: string;
  /** Revision within the conversation (conversation events). */
  revision?: number;
  time: Date;
  /** proto3 JSON (conversation events) or the gateway's JSON (engagement events). */
  data: Record<string, unknown>;
}

export interface HistoryOptions {
  /** Stop after this many events. */
  events: number;
  seed?: number;
  /** First conversation start (default Monday 2026-03-02T00:00Z, so four weeks cross Europe's DST change). */
  startAt?: Date;
  /** Days the conversations' starts are spread over (default 28). */
  days?: number;
  /** Average events per conversation, used to spread the starts (default 11, what the mix below produces). */
  eventsPerConversation?: number;
}

export const HISTORY_TENANTS = [
  { tenantId: 'acme', region: 'eu-1' },
  { tenantId: 'globex', region: 'sa-1' },
  { tenantId: 'initech', region: 'us-1' },
  { tenantId: 'umbrella', region: 'eu-1' },
] as const;
export const HISTORY_QUEUES = [
  { queue: 'q-sales', team: 'team-sales' },
  { queue: 'q-support', team: 'team-support' },
  { queue: 'q-billing', team: 'team-billing' },
] as const;
const AGENTS = 24;
const CHANNELS: [Channel, number][] = [
  [Channel.CHANNEL_CHAT, 0.7],
  [Channel.CHANNEL_EMAIL, 0.15],
  [Channel.CHANNEL_SOCIAL, 0.1],
  [Channel.CHANNEL_PHONE, 0.05],
];
const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** mulberry32: small, fast, good enough for test data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}


export function* eventHistory(options: HistoryOptions): Generator<HistoryEvent> {
  const rnd = random(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const expMs = (meanMs: number) => Math.max(S, Math.round(-Math.log(1 - rnd()) * meanMs));
  const startAt = (options.startAt ?? new Date('2026-03-02T00:00:00Z')).getTime();
  const conversationsExpected = options.events / (options.eventsPerConversation ?? 11);
  const meanGap = ((options.days ?? 28) * DAY) / Math.max(1, conversationsExpected);
  const heap = new TimeHeap<HistoryEvent>();
  let emitted = 0;
  let nextStart = startAt;
  let invitationNo = 0;

  for (let c = 0; emitted < options.events; c++) {
    nextStart += expMs(meanGap);
    while (heap.size > 0 && heap.peekTime() <= nextStart && emitted < options.events) {
      emitted++;
      yield heap.pop();
    }
    if (emitted >= options.events) break;
    const { tenantId, region } = pick(HISTORY_TENANTS);
    const conversationId = `conv-${c}`;
    let revision = 0;
    const conversation = (type: string, t: number, data: Record<string, unknown>) =>
      heap.push({ id: `evt-${tenantId}-${conversationId}-${revision}`, context: 'conversation', type, tenantId, region, subject: conversationId, revision: revision++, time: new Date(t), data });
    const message = (t: number, kind: AuthorKind, authorId: string) =>
      conversation(
        'MessagePosted',
        t,
        MessagePosted.toJSON({
          conversationId,
          occurredAt: new Date(t),
          customerLanguage: 'en',
          assignedAgentId: '',
          message: { messageId: `${conversationId}-m${revision}`, authorKind: kind, authorId, text: 'hello, about my order', attachments: [], clientMessageId: '', language: 'en', postedAt: new Date(t), revision, translations: [], cannedResponseId: '' },
        }) as Record<string, unknown>,
      );

    let t = nextStart;
    const roll = rnd();
    let acc = 0;
    const channel = CHANNELS.find(([, p]) => (acc += p) > roll)?.[0] ?? Channel.CHANNEL_CHAT;
    const customer = `cust-${Math.floor(rnd() * 50_000)}`;
    if (channel === Channel.CHANNEL_CHAT && chance(0.2)) {
      const invitationId = `inv-${invitationNo++}`;
      const engagement = (type: string, at: number, data: Record<string, unknown>) =>
        heap.push({ id: `invitation:${tenantId}:${invitationId}:${type}`, context: 'engagement', type, tenantId, region, subject: invitationId, time: new Date(at), data: { invitationId, customerId: customer, ruleId: 'cart-60s', ...data } });
      engagement('InvitationSent', t - 45 * S, { url: 'https://shop.example/pricing', timeOnPageSeconds: 60, cartValue: 120, currency: 'EUR' });
      // Half the invitations are ignored; the others start this conversation.
      if (chance(0.5)) {
        const ignored = `inv-${invitationNo++}`;
        heap.push({ id: `invitation:${tenantId}:${ignored}:InvitationSent`, context: 'engagement', type: 'InvitationSent', tenantId, region, subject: ignored, time: new Date(t - 2 * MIN), data: { invitationId: ignored, customerId: `cust-x${c}`, ruleId: 'cart-60s' } });
      }
      engagement('InvitationAccepted', t, { conversationId });
    }
    conversation('ConversationStarted', t, ConversationStarted.toJSON({ conversationId, tenantId, channel, customerId: customer, language: 'en', region, subject: '', invitationId: '', occurredAt: new Date(t) }) as Record<string, unknown>);
    t += 5 * S;
    message(t, AuthorKind.AUTHOR_KIND_CUSTOMER, customer);
    if (chance(0.25)) message((t += 3 * S), AuthorKind.AUTHOR_KIND_BOT, 'faq-bot');
    const { queue, team } = pick(HISTORY_QUEUES);
    conversation('ConversationQueued', (t += 2 * S), ConversationQueued.toJSON({ conversationId, queueId: queue, teamId: team, occurredAt: new Date(t) }) as Record<string, unknown>);
    let agent = `agent-${Math.floor(rnd() * AGENTS)}`;
    t += expMs(40 * S);
    conversation('AgentAssigned', t, AgentAssigned.toJSON({ conversationId, agentId: agent, reason: 'longest idle', occurredAt: new Date(t), decision: undefined }) as Record<string, unknown>);
    message((t += expMs(20 * S)), AuthorKind.AUTHOR_KIND_AGENT, agent);
    const exchanges = 1 + Math.floor(rnd() * 2);
    for (let i = 0; i < exchanges; i++) {
      message((t += expMs(60 * S)), AuthorKind.AUTHOR_KIND_CUSTOMER, customer);
      if (chance(0.3)) message((t += expMs(20 * S)), AuthorKind.AUTHOR_KIND_CUSTOMER, customer);
      message((t += expMs(45 * S)), AuthorKind.AUTHOR_KIND_AGENT, agent);
    }
    if (chance(0.08)) {
      const toAgent = `agent-${Math.floor(rnd() * AGENTS)}`;
      conversation('ConversationTransferred', (t += expMs(30 * S)), ConversationTransferred.toJSON({ conversationId, fromAgentId: agent, toAgentId: toAgent, toTeamId: '', reason: 'billing question', transferredBy: agent, occurredAt: new Date(t) }) as Record<string, unknown>);
      agent = toAgent;
      message((t += expMs(40 * S)), AuthorKind.AUTHOR_KIND_AGENT, agent);
    }
    if (chance(0.25)) {
      const tag = chance(0.6) ? 'sale' : 'refund';
      conversation('ConversationTagged', (t += 10 * S), ConversationTagged.toJSON({ conversationId, added: [tag], removed: [], taggedBy: agent, occurredAt: new Date(t) }) as Record<string, unknown>);
    }
    if (chance(0.93)) {
      conversation('ConversationResolved', (t += expMs(2 * MIN)), ConversationResolved.toJSON({ conversationId, resolvedBy: agent, occurredAt: new Date(t) }) as Record<string, unknown>);
      if (chance(0.4)) survey(t);
      if (chance(0.06)) {
        t += chance(0.5) ? expMs(3 * HOUR) : expMs(5 * DAY);
        conversation('ConversationReopened', t, ConversationReopened.toJSON({ conversationId, reopenedBy: customer, reason: 'still broken', occurredAt: new Date(t) }) as Record<string, unknown>);
        message((t += 30 * S), AuthorKind.AUTHOR_KIND_CUSTOMER, customer);
        message((t += expMs(5 * MIN)), AuthorKind.AUTHOR_KIND_AGENT, agent);
        conversation('ConversationResolved', (t += expMs(10 * MIN)), ConversationResolved.toJSON({ conversationId, resolvedBy: agent, occurredAt: new Date(t) }) as Record<string, unknown>);
      }
    }

    function survey(resolvedAt: number) {
      const questions = [
        { questionId: 'csat', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT, text: 'How satisfied are you?', required: true },
        { questionId: 'nps', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS, text: 'Would you recommend us?', required: false },
        { questionId: 'ces', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CES, text: 'How easy was it?', required: false },
      ];
      let at = resolvedAt + 1 * S;
      conversation('SurveyRequested', at, SurveyRequested.toJSON({ conversationId, surveyId: 'post-chat', surveyVersion: '3', title: 'Your opinion', language: 'en', questions, trigger: 'resolved', requestedBy: 'survey', editWindowSeconds: 86_400, occurredAt: new Date(at) }) as Record<string, unknown>);
      const answer = (rev: number, when: number) => {
        const answers = [
          { questionId: 'csat', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT, score: 1 + Math.floor(rnd() * 5), text: '' },
          { questionId: 'nps', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS, score: Math.floor(rnd() * 11), text: '' },
          { questionId: 'ces', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_CES, score: 1 + Math.floor(rnd() * 7), text: '' },
        ];
        conversation('SurveyAnswered', when, SurveyAnswered.toJSON({ conversationId, surveyId: 'post-chat', answers, respondentId: customer, revision: rev, occurredAt: new Date(when) }) as Record<string, unknown>);
      };
      answer(1, (at += expMs(10 * MIN)));
      if (chance(0.1)) answer(2, (at += expMs(2 * HOUR)));
    }
  }
  while (heap.size > 0 && emitted < options.events) {
    emitted++;
    yield heap.pop();
  }
}
