import { NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import type { EventStore, RecordedEvent } from '@contactcenter/infra/eventstore';
import type {
  ConversationHistoryEntry,
  GetConversationAtRequest,
  GetConversationAtResponse,
  GetConversationHistoryRequest,
  GetConversationHistoryResponse,
} from '@contactcenter/proto/conversation/v1';
import {
  conversationEventFromJson,
  conversationStreamId,
  conversationView,
  eventCountAt,
  foldPast,
  type ConversationEventType,
  type RecordedConversationEvent,
} from '../conversation';
import { TYPE_PREFIX } from '../relay/cloudEvent';
import { eventMetadataOf, META } from './eventMetadata';

export const DEFAULT_HISTORY_PAGE = 100;
export const MAX_HISTORY_PAGE = 500;
/** As many messages as a read of the present conversation returns (projections/queries.ts). */
const MAX_MESSAGES = 1_000;

type HistoryEvent = NonNullable<ConversationHistoryEntry['event']>;
// Fails to compile when an event type has no case in ConversationHistoryEntry's `event` oneof (or a case has no event).
const everyEventHasACase: [Uncapitalize<ConversationEventType>] extends [HistoryEvent['$case']] ? ([HistoryEvent['$case']] extends [Uncapitalize<ConversationEventType>] ? true : never) : never = true;
void everyEventHasACase;

const recordedOf = (e: RecordedEvent): RecordedConversationEvent => ({
  event: conversationEventFromJson(e.type, e.data, eventMetadataOf(e.metadata)),
  revision: e.revision,
  recordedAt: e.recordedAt,
});

/**
 * Reads of a conversation's past straight from its stream in the event store
 * (not the read models): every event as recorded, and the conversation as it
 * stood at a time or revision. The tenant is part of the stream id, so
 * another tenant's conversation is simply a stream that does not exist.
 */
export class ConversationHistory {
  constructor(private readonly events: EventStore) {}

  async history(tenantId: string, request: GetConversationHistoryRequest): Promise<GetConversationHistoryResponse> {
    const streamId = this.streamOf(tenantId, request.conversationId);
    if (request.fromRevision < 0) throw new ValidationError('from_revision', 'must be ≥ 0');
    if (request.pageSize < 0 || request.pageSize > MAX_HISTORY_PAGE) throw new ValidationError('page_size', `must be 1-${MAX_HISTORY_PAGE} (0 for ${DEFAULT_HISTORY_PAGE})`);
    const latest = await this.latestRevision(streamId, request.conversationId);
    const pageSize = request.pageSize || DEFAULT_HISTORY_PAGE;
    const page = await this.events.readStream(streamId, { fromRevision: request.fromRevision, maxCount: pageSize });
    const last = page.at(-1)?.revision;
    return {
      entries: page.filter((e) => request.includeNotes || e.type !== 'InternalNoteAdded').map(historyEntryOf),
      revision: latest,
      ...(last !== undefined && last < latest ? { nextFromRevision: last + 1 } : {}),
    };
  }

  async conversationAt(tenantId: string, request: GetConversationAtRequest, now: Date): Promise<GetConversationAtResponse> {
    const streamId = this.streamOf(tenantId, request.conversationId);
    const point = request.point;
    if (!point) throw new ValidationError('point', 'give as_of or at_revision');
    const latestRevision = await this.latestRevision(streamId, request.conversationId);
    // Up to a revision, only the events up to it; beyond the last revision, eventCountAt says so before any read.
    const maxCount = point.$case === 'atRevision' && point.value >= 0 && point.value <= latestRevision ? point.value + 1 : undefined;
    const stored = point.$case === 'atRevision' && maxCount === undefined ? [] : await this.events.readStream(streamId, maxCount === undefined ? {} : { maxCount });
    const events = stored.map(recordedOf);
    const past = foldPast(events.slice(0, eventCountAt(events, point, { latestRevision, now })), MAX_MESSAGES);
    const conversation = conversationView(past.state);
    if (!conversation) throw new NotFoundError('conversation', request.conversationId);
    return { conversation, messages: past.messages, notes: request.includeNotes ? past.notes : [], latestRevision };
  }

  private streamOf(tenantId: string, conversationId: string): string {
    if (!conversationId) throw new ValidationError('conversation_id', 'is required');
    return conversationStreamId(tenantId, conversationId); // validates both ids
  }

  private async latestRevision(streamId: string, conversationId: string): Promise<number> {
    const latest = await this.events.streamRevision(streamId);
    if (latest === undefined) throw new NotFoundError('conversation', conversationId);
    return latest;
  }
}

function historyEntryOf(e: RecordedEvent): ConversationHistoryEntry {
  const { event } = recordedOf(e);
  return {
    eventId: e.id,
    type: TYPE_PREFIX + event.type,
    revision: e.revision,
    actorId: e.metadata[META.actor] ?? '',
    occurredAt: event.data.occurredAt,
    recordedAt: e.recordedAt,
    // The case is the event type with a lower-case first letter (checked for every type above).
    event: { $case: (event.type[0]!.toLowerCase() + event.type.slice(1)) as HistoryEvent['$case'], value: event.data } as HistoryEvent,
  };
}
