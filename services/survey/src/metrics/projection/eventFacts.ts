/**
 * From a CloudEvent on CC_EVENTS to the fact the metrics keep, or nothing.
 * Conversation events are read with the generated proto3-JSON codecs; the
 * gateway's engagement events (InvitationSent, InvitationAccepted) are
 * plain JSON documented in its AsyncAPI.
 */
import { parseEventSubject } from '@contactcenter/infra/events';
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
} from '@contactcenter/proto/conversation/v1';
import { isValidRating, type Author, type Rating, type RatingKind, type TimelineEntry } from './timeline';

/** The parts of a decoded CloudEvent (infra's `decodeCloudEvent`) that matter here. */
export interface EventEnvelope {
  type: string;
  data: unknown;
  tenantid?: unknown;
  subject?: unknown;
  time?: unknown;
  /** Extension set by the conversation relay: the event's revision in its conversation. */
  sequence?: unknown;
}

export type MetricsFact =
  | { kind: 'conversation'; tenantId: string; conversationId: string; sequence: number | undefined; entry: TimelineEntry }
  | { kind: 'invitation'; tenantId: string; invitationId: string; sentAt?: number; acceptedAt?: number; conversationId: string };

const CONVERSATION = 'contactcenter.conversation.v1.';
const ENGAGEMENT = 'contactcenter.engagement.v1.';

/** Channel names as the REST API spells them; also the CHANNEL group values. */
export const CHANNEL_NAMES: Record<number, string> = {
  [Channel.CHANNEL_CHAT]: 'chat',
  [Channel.CHANNEL_EMAIL]: 'email',
  [Channel.CHANNEL_SOCIAL]: 'social',
  [Channel.CHANNEL_PHONE]: 'phone',
};

const AUTHORS: Partial<Record<AuthorKind, Author>> = {
  [AuthorKind.AUTHOR_KIND_CUSTOMER]: 'customer',
  [AuthorKind.AUTHOR_KIND_AGENT]: 'agent',
  [AuthorKind.AUTHOR_KIND_BOT]: 'bot',
};

const RATING_KINDS: Partial<Record<SurveyQuestionKind, RatingKind>> = {
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CSAT]: 'csat',
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS]: 'nps',
  [SurveyQuestionKind.SURVEY_QUESTION_KIND_CES]: 'ces',
};

type Builder = (data: unknown, t: (occurredAt: Date | undefined) => number) => { conversationId: string; entry: TimelineEntry | undefined };

/** One builder per conversation event the figures use; every other type is skipped. */
const conversationBuilders: Record<string, Builder> = {
  ConversationStarted: (data, t) => {
    const e = ConversationStarted.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'start', t: t(e.occurredAt), channel: CHANNEL_NAMES[e.channel] ?? '', region: e.region } };
  },
  MessagePosted: (data, t) => {
    const e = MessagePosted.fromJSON(data);
    const by = AUTHORS[e.message?.authorKind ?? AuthorKind.AUTHOR_KIND_UNSPECIFIED];
    // System messages (joins, notices) are nobody's question and nobody's answer.
    return { conversationId: e.conversationId, entry: by ? { k: 'msg', t: t(e.occurredAt ?? e.message?.postedAt), by } : undefined };
  },
  ConversationQueued: (data, t) => {
    const e = ConversationQueued.fromJSON(data);
    const due = e.firstReplyDueAt ? { due: e.firstReplyDueAt.getTime() } : {};
    return { conversationId: e.conversationId, entry: { k: 'queue', t: t(e.occurredAt), queue: e.queueId, team: e.teamId, ...due } };
  },
  AgentAssigned: (data, t) => {
    const e = AgentAssigned.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'assign', t: t(e.occurredAt), agent: e.agentId } };
  },
  ConversationTransferred: (data, t) => {
    const e = ConversationTransferred.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'transfer', t: t(e.occurredAt), toAgent: e.toAgentId, toTeam: e.toTeamId } };
  },
  ConversationTagged: (data, t) => {
    const e = ConversationTagged.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'tags', t: t(e.occurredAt), add: e.added, remove: e.removed } };
  },
  ConversationResolved: (data, t) => {
    const e = ConversationResolved.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'resolve', t: t(e.occurredAt) } };
  },
  ConversationReopened: (data, t) => {
    const e = ConversationReopened.fromJSON(data);
    return { conversationId: e.conversationId, entry: { k: 'reopen', t: t(e.occurredAt) } };
  },
  SurveyAnswered: (data, t) => {
    const e = SurveyAnswered.fromJSON(data);
    const ratings: Rating[] = [];
    for (const a of e.answers) {
      const kind = RATING_KINDS[a.kind];
      if (kind && isValidRating({ kind, score: a.score })) ratings.push({ kind, score: a.score });
    }
    return { conversationId: e.conversationId, entry: { k: 'answer', t: t(e.occurredAt), survey: e.surveyId, rev: e.revision, ratings } };
  },
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The fact an event contributes, or undefined when the figures do not use it.
 * @throws Error when the event lacks a time or its data is not what its type says.
 *
 * @example
 *   factOf({ type: 'contactcenter.conversation.v1.ConversationResolved', tenantid: 'acme', sequence: '7', data: { conversationId: 'c-1', occurredAt: '2026-03-29T10:00:00Z' } });
 *   // { kind: 'conversation', tenantId: 'acme', conversationId: 'c-1', sequence: 7, entry: { k: 'resolve', t: 1774778400000 } }
 */
const ENGAGEMENT_TYPES = new Set(['InvitationSent', 'InvitationAccepted']);

/**
 * Whether an event on `cc.<tenant>.<context>.<Type>` can become a fact:
 * read off the subject, so the projection decodes only what it uses (the
 * stream also carries presence, routing and conversation events no figure needs).
 */
export function isMetricsSubject(natsSubject: string): boolean {
  const parsed = parseEventSubject(natsSubject);
  if (parsed?.context === 'conversation') return Object.hasOwn(conversationBuilders, parsed.eventType);
  return parsed?.context === 'engagement' && ENGAGEMENT_TYPES.has(parsed.eventType);
}

export function factOf(event: EventEnvelope, natsSubject = ''): MetricsFact | undefined {
  const tenantId = str(event.tenantid) || parseEventSubject(natsSubject)?.tenantId || '';
  const ceTime = Date.parse(str(event.time));
  const timeOf = (occurredAt: Date | undefined): number => {
    const t = occurredAt ? occurredAt.getTime() : ceTime;
    if (!Number.isFinite(t)) throw new Error(`event ${event.type} has no time`);
    return t;
  };
  if (event.type.startsWith(CONVERSATION)) {
    const build = conversationBuilders[event.type.slice(CONVERSATION.length)];
    if (!build || !tenantId) return undefined;
    const { conversationId, entry } = build(event.data, timeOf);
    const id = conversationId || str(event.subject);
    if (!entry || !id) return undefined;
    const sequence = /^\d+$/.test(str(event.sequence)) ? Number(event.sequence) : undefined;
    return { kind: 'conversation', tenantId, conversationId: id, sequence, entry };
  }
  if (event.type.startsWith(ENGAGEMENT)) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const invitationId = str(data.invitationId) || str(event.subject);
    if (!invitationId || !tenantId) return undefined;
    const at = timeOf(undefined);
    const type = event.type.slice(ENGAGEMENT.length);
    if (type === 'InvitationSent') return { kind: 'invitation', tenantId, invitationId, sentAt: at, conversationId: '' };
    if (type === 'InvitationAccepted') return { kind: 'invitation', tenantId, invitationId, acceptedAt: at, conversationId: str(data.conversationId) };
  }
  return undefined;
}
