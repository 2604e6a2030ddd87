import { AuthorKind, Priority, TicketStatus } from '@contactcenter/proto/conversation/v1';
import { ClientMessageIndex } from './clientMessageIndex';
import type { ConversationEvent } from './events';
import { deliveryKey, translationKey, type ConversationDetails, type ConversationState, type StartedConversation } from './state';

/**
 * Folds one event into the state. Total and forgiving: an event that cannot
 * apply (e.g. anything before ConversationStarted) leaves the state as it is,
 * but every event advances `revision`, which mirrors the stream position.
 */
export function evolve(state: ConversationState, event: ConversationEvent): ConversationState {
  const next = apply(state, event);
  if (next.status === 'initial') return { ...next, revision: state.revision + 1 };
  const at = event.data.occurredAt;
  const details = at ? { ...next.details, updatedAt: at } : next.details;
  return { ...next, details, revision: state.revision + 1 };
}

function apply(state: ConversationState, event: ConversationEvent): ConversationState {
  if (event.type === 'ConversationStarted') {
    if (state.status !== 'initial') return state;
    const { data } = event;
    const at = data.occurredAt ?? new Date(0);
    return {
      status: 'open',
      revision: state.revision,
      details: {
        conversationId: data.conversationId,
        tenantId: data.tenantId,
        channel: data.channel,
        customerId: data.customerId,
        language: data.language,
        region: data.region,
        subject: data.subject,
        invitationId: data.invitationId,
        ...(data.channelProvider ? { channelProvider: data.channelProvider } : {}),
        startedAt: at,
        updatedAt: at,
        queueId: '',
        teamId: '',
        priority: Priority.PRIORITY_NORMAL,
        tags: [],
        ticketStatus: TicketStatus.TICKET_STATUS_UNSPECIFIED,
        linkedCustomerIds: [],
        messageIdsByClientMessageId: ClientMessageIndex.empty(),
        messageLanguages: ClientMessageIndex.empty(),
        translations: ClientMessageIndex.empty(),
        messageCount: 0,
        lastMessageAt: undefined,
      },
    };
  }
  if (state.status === 'initial') return state;
  return applyToStarted(state, event);
}

function applyToStarted(state: StartedConversation, event: ConversationEvent): StartedConversation {
  const { revision, details } = state;
  const patch = (changes: Partial<ConversationDetails>): StartedConversation => ({
    ...state,
    details: { ...details, ...changes },
  });

  switch (event.type) {
    case 'ConversationStarted':
      return state;
    case 'MessagePosted': {
      const message = event.data.message;
      const at = message?.postedAt ?? event.data.occurredAt;
      let ids = details.messageIdsByClientMessageId;
      if (message && message.clientMessageId !== '') {
        // A persistent index: pure, and O(1) per message (see ClientMessageIndex).
        ids = ClientMessageIndex.from(ids).with(message.clientMessageId, message.messageId);
      }
      // Persistent indexes (see ClientMessageIndex): pure, O(1) per message. Older snapshots may lack them.
      const languages = message ? ClientMessageIndex.from(details.messageLanguages ?? new Map()).with(message.messageId, message.language) : details.messageLanguages;
      const fromCustomer = message?.authorKind === AuthorKind.AUTHOR_KIND_CUSTOMER;
      return patch({
        messageCount: details.messageCount + 1,
        lastMessageAt: at,
        messageIdsByClientMessageId: ids,
        messageLanguages: languages,
        ...(fromCustomer ? { lastCustomerMessageAt: at } : {}),
      });
    }
    case 'ConversationQueued': {
      // A queueing without a promise (an overflow) keeps the one made when the customer was first queued.
      const due = event.data.firstReplyDueAt;
      return { status: 'queued', revision, details: { ...details, queueId: event.data.queueId, ...(due ? { firstReplyDueAt: due } : {}) } };
    }
    case 'AgentAssigned':
      return { status: 'assigned', revision, details, agentId: event.data.agentId };
    case 'ConversationTransferred': {
      const { toAgentId, toTeamId } = event.data;
      if (toAgentId !== '') return { status: 'assigned', revision, details, agentId: toAgentId };
      // A team picks it up from its own queue: the old queue no longer applies.
      return { status: 'queued', revision, details: { ...details, teamId: toTeamId, queueId: '' } };
    }
    case 'InternalNoteAdded':
      return state;
    case 'ConversationTagged': {
      const removed = new Set(event.data.removed);
      const kept = details.tags.filter((tag) => !removed.has(tag));
      const added = event.data.added.filter((tag) => !kept.includes(tag));
      return patch({ tags: [...kept, ...added] });
    }
    case 'PriorityChanged':
      return patch({ priority: event.data.priority });
    case 'ConversationResolved':
      return {
        status: 'resolved',
        revision,
        details,
        resolvedAt: event.data.occurredAt ?? details.updatedAt,
        resolvedBy: event.data.resolvedBy,
        lastAgentId: state.status === 'assigned' ? state.agentId : '',
      };
    case 'ConversationReopened':
      return { status: 'open', revision, details };
    case 'ConvertedToTicket':
    case 'TicketStatusChanged':
      return patch({ ticketStatus: event.data.ticketStatus });
    case 'MessageTranslated':
      return patch({ translations: ClientMessageIndex.from(details.translations ?? new Map()).with(translationKey(event.data.messageId, event.data.targetLanguage), event.data.provider) });
    case 'MessageTranslationFailed':
      return state;
    case 'CustomerLanguageChanged':
      return patch({ language: event.data.language });
    case 'SurveyRequested': {
      const { data } = event;
      const surveys = details.surveys ?? [];
      if (surveys.some((s) => s.surveyId === data.surveyId)) return state;
      const sent = {
        surveyId: data.surveyId,
        surveyVersion: data.surveyVersion,
        title: data.title,
        language: data.language,
        questions: data.questions,
        requestedAt: data.occurredAt,
        answers: [],
        responseRevision: 0,
        firstAnsweredAt: undefined,
        editableUntil: undefined,
        editWindowSeconds: data.editWindowSeconds,
      };
      return patch({ surveys: [...surveys, sent] });
    }
    case 'SurveyAnswered': {
      const { data } = event;
      const surveys = (details.surveys ?? []).map((s) => {
        if (s.surveyId !== data.surveyId) return s;
        const firstAnsweredAt = s.firstAnsweredAt ?? data.occurredAt;
        const editableUntil = firstAnsweredAt ? new Date(firstAnsweredAt.getTime() + s.editWindowSeconds * 1000) : undefined;
        return { ...s, answers: data.answers, responseRevision: data.revision, firstAnsweredAt, editableUntil };
      });
      return patch({ surveys });
    }
    case 'CustomerIdentityUnlinked':
      return patch({ linkedCustomerIds: details.linkedCustomerIds.filter((id) => id !== event.data.linkedCustomerId) });
    case 'MessageDeliveryUpdated':
      return patch({
        deliveries: ClientMessageIndex.from(details.deliveries ?? new Map()).with(deliveryKey(event.data.messageId, event.data.status), '1'),
      });
    case 'CustomerIdentityLinked': {
      const linked = event.data.linkedCustomerId;
      return details.linkedCustomerIds.includes(linked)
        ? state
        : patch({ linkedCustomerIds: [...details.linkedCustomerIds, linked] });
    }
    default: {
      // An event type this code does not know yet (a newer writer): skip it.
      const _unknown: never = event;
      return state;
    }
  }
}
