import type { InternalNote, Message } from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import type { ConversationEvent } from './events';
import { evolve } from './evolve';
import { initialState, type ConversationState } from './state';

/** A point in a conversation's past: a time, or a revision of its stream. */
export type PastPoint = { $case: 'asOf'; value: Date } | { $case: 'atRevision'; value: number };

/** An event as read back from the conversation's stream. */
export interface RecordedConversationEvent {
  event: ConversationEvent;
  /** Its revision in the stream: 0 for the first event, then one more per event. */
  revision: number;
  /** When the event store recorded it. */
  recordedAt: Date;
}

/** The conversation as it stood at a point: the folded state, and the messages and notes written by then. */
export interface PastConversation {
  state: ConversationState;
  /** Messages in revision order, each with the translations recorded by then (the newest `maxMessages` when there are more). */
  messages: Message[];
  notes: InternalNote[];
}

/**
 * When an event happened: its own time (what the conversation shows as
 * `startedAt`, `postedAt`, `updatedAt`), or when it was recorded if it has none.
 */
export const eventTime = (recorded: RecordedConversationEvent): Date => recorded.event.data.occurredAt ?? recorded.recordedAt;

/**
 * How many events, from the first, make up the conversation at `point`.
 *
 * A revision `r` is the state right after event `r`: `r + 1` events. A time
 * is the longest run of events, from the first, that all happened at or
 * before it. Events' own times come from the writers' clocks and a command
 * that lost a race keeps its time, so a later revision may carry an earlier
 * time: a run rather than a filter keeps the answer a state the stream
 * really passed through, and never goes back as the time moves forward.
 *
 * @param events the stream from revision 0, in order (at least the events up to the point)
 * @param latestRevision the stream's last revision now
 * @param now the clock of the caller: a time after it is refused
 * @throws ValidationError naming `as_of` (in the future, or before the conversation started)
 *   or `at_revision` (negative, not an integer, beyond the last revision)
 *
 * @example
 *   eventCountAt(events, { $case: 'atRevision', value: 0 }, { latestRevision: 5, now });            // 1
 *   eventCountAt(events, { $case: 'asOf', value: new Date('2025-03-04T05:07:00Z') }, { latestRevision: 5, now }); // the events of 05:07 and before
 */
export function eventCountAt(
  events: readonly RecordedConversationEvent[],
  point: PastPoint,
  { latestRevision, now }: { latestRevision: number; now: Date },
): number {
  if (point.$case === 'atRevision') {
    const revision = point.value;
    if (!Number.isInteger(revision) || revision < 0) throw new ValidationError('at_revision', 'must be a revision: an integer ≥ 0');
    if (revision > latestRevision) throw new ValidationError('at_revision', `is beyond the conversation's last revision (${latestRevision})`);
    if (events.length <= revision) throw new Error(`eventCountAt: ${events.length} events given, revision ${revision} needs ${revision + 1}`);
    return revision + 1;
  }
  const asOf = point.value;
  if (Number.isNaN(asOf.getTime())) throw new ValidationError('as_of', 'must be a time');
  if (asOf.getTime() > now.getTime()) throw new ValidationError('as_of', `is in the future (now is ${now.toISOString()})`);
  const first = events[0];
  if (!first || eventTime(first).getTime() > asOf.getTime()) {
    const started = first ? ` (it started at ${eventTime(first).toISOString()})` : '';
    throw new ValidationError('as_of', `is before the conversation existed${started}`);
  }
  let count = 0;
  while (count < events.length && eventTime(events[count]!).getTime() <= asOf.getTime()) count++;
  return count;
}

/**
 * Folds events (from revision 0, in order) into the conversation they make:
 * the state with the aggregate's own `evolve`, as a command handler would
 * load it, and the messages and notes as the read model would show them.
 *
 * @example
 *   const past = foldPast(events.slice(0, eventCountAt(events, point, { latestRevision, now })));
 *   conversationView(past.state); // the Conversation as it stood then
 */
export function foldPast(events: readonly RecordedConversationEvent[], maxMessages = Number.POSITIVE_INFINITY): PastConversation {
  let state = initialState();
  const messages: Message[] = [];
  const byId = new Map<string, Message>();
  const notes: InternalNote[] = [];
  for (const { event, revision } of events) {
    state = evolve(state, event);
    if (event.type === 'MessagePosted' && event.data.message) {
      // Stamped with its stream revision, as the read model stamps it.
      const message: Message = { ...event.data.message, revision, translations: [...event.data.message.translations] };
      messages.push(message);
      byId.set(message.messageId, message);
    } else if (event.type === 'MessageTranslated') {
      const { messageId, targetLanguage, text, provider } = event.data;
      const message = byId.get(messageId);
      if (message) message.translations = [...message.translations.filter((t) => t.language !== targetLanguage), { language: targetLanguage, text, provider }];
    } else if (event.type === 'InternalNoteAdded' && event.data.note) {
      notes.push(event.data.note);
    }
  }
  return { state, messages: messages.length > maxMessages ? messages.slice(messages.length - maxMessages) : messages, notes };
}
