import { AuthorKind, Priority, SurveyQuestionKind, TicketStatus, DeliveryStatus } from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import {
  assigned,
  event,
  linked,
  now,
  priorityChanged,
  queued,
  reopened,
  resolved,
  started,
  tagged,
  ticket,
  transferredToTeam,
} from './conversationFixtures';
import { conversationEventDataToJson, conversationEventFromJson } from './eventCodec';
import { conversationEventTypes, type ConversationEvent } from './events';

const oneOfEach: ConversationEvent[] = [
  started(),
  event('MessagePosted', {
    customerLanguage: 'pt-BR',
    assignedAgentId: 'agent-7',
    message: {
      messageId: 'm1',
      translations: [],
      cannedResponseId: '',
      authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
      authorId: 'cust-42',
      text: 'Olá 😀',
      attachments: [{ name: 'p.png', contentType: 'image/png', sizeBytes: 3, url: 'https://f.example/p.png' }],
      clientMessageId: 'c1',
      language: 'pt-BR',
      postedAt: now,
      revision: 1,
    },
  }),
  queued(),
  assigned(),
  event('AgentAssigned', {
    agentId: 'agent-8',
    reason: 'longest idle',
    decision: {
      strategy: 'longest_idle',
      policyVersion: 'support@2',
      queueId: 'support',
      candidates: [{ agentId: 'agent-8', load: 0, capacity: 2, idleSince: now, lastAssignedAt: undefined, rank: 1, chosen: true, viaTranslation: true }],
      eligibleCount: 4,
      excluded: { no_skill: 3, off_shift: 1 },
      effectivePriority: 2,
      waitedMs: 30_000,
      widened: true,
      regionReason: 'no eligible agent on shift in eu (22:30 Europe/Berlin); us has 1 on shift with 2 free slots (16:30 America/New_York)',
    },
    agentRegion: 'us',
  }),
  transferredToTeam('billing', 'agent-7'),
  event('InternalNoteAdded', { note: { noteId: 'n1', agentId: 'agent-7', text: 'VIP', addedAt: now } }),
  tagged(['vip'], ['spam']),
  priorityChanged(Priority.PRIORITY_URGENT),
  resolved(),
  reopened('customer called back'),
  ticket(TicketStatus.TICKET_STATUS_PENDING),
  event('TicketStatusChanged', { ticketStatus: TicketStatus.TICKET_STATUS_SOLVED, previous: TicketStatus.TICKET_STATUS_PENDING, changedBy: 'agent-7' }),
  linked('jane@example.com'),
  event('CustomerIdentityUnlinked', { customerId: 'cust-42', linkedCustomerId: 'jane@example.com', reason: 'a shared mailbox', unlinkedBy: 'agent-7' }),
  event('MessageDeliveryUpdated', { messageId: 'm1', status: DeliveryStatus.DELIVERY_STATUS_BOUNCED, providerMessageId: '<m1@shop.example>', detail: '5.1.1', willRetry: false }),
  event('MessageTranslated', { messageId: 'm1', sourceLanguage: 'pt-br', targetLanguage: 'en', text: 'Hello 😀', provider: 'apertium' }),
  event('MessageTranslationFailed', { messageId: 'm1', targetLanguage: 'de', provider: 'deepl', failure: 'timeout', detail: 'no answer in 5000 ms' }),
  event('CustomerLanguageChanged', { language: 'es', previous: 'pt-br', detected: true, changedBy: 'translation' }),
  event('SurveyRequested', {
    surveyId: 'post-chat',
    surveyVersion: 'v1',
    title: 'Encuesta',
    language: 'es',
    questions: [{ questionId: 'nps', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS, text: '¿Nos recomendaría?', required: true }],
    trigger: 'resolved',
    requestedBy: 'survey',
    editWindowSeconds: 600,
  }),
  event('SurveyAnswered', { surveyId: 'post-chat', answers: [{ questionId: 'nps', kind: SurveyQuestionKind.SURVEY_QUESTION_KIND_NPS, score: 0, text: '' }], respondentId: 'cust-42', revision: 1 }),
];

describe('event JSON codec', () => {
  it('covers every event type', () => {
    expect(new Set(oneOfEach.map((e) => e.type))).toEqual(new Set(conversationEventTypes));
  });

  it.each(oneOfEach.map((e) => [e.type, e] as const))('round-trips %s through JSON text, Dates included', (_type, e) => {
    const stored = JSON.parse(JSON.stringify(conversationEventDataToJson(e)));
    const read = conversationEventFromJson(e.type, stored, e.metadata);
    expect(read).toEqual(e);
    expect(read.data.occurredAt).toBeInstanceOf(Date);
  });

  it('writes proto3 JSON: enum names and RFC 3339 times', () => {
    expect(conversationEventDataToJson(started())).toMatchObject({ channel: 'CHANNEL_CHAT', occurredAt: now.toISOString() });
  });

  it('refuses an unknown type', () => {
    expect(() => conversationEventFromJson('ConversationExploded', {}, { tenantId: 'acme', actorId: 'x' })).toThrow(ValidationError);
    expect(() => conversationEventFromJson('toString', {}, { tenantId: 'acme', actorId: 'x' })).toThrow(ValidationError);
  });
});
