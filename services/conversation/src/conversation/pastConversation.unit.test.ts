import { ConversationStatus, Priority } from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import { conversationView } from './conversationView';
import { assigned, customerMessage, event, priorityChanged, queued, resolved, started, tagged } from './conversationFixtures';
import type { ConversationEvent } from './events';
import { evolve } from './evolve';
import { eventCountAt, foldPast, type PastPoint, type RecordedConversationEvent } from './pastConversation';
import { initialState } from './state';

const t = (minute: number) => new Date(Date.UTC(2025, 2, 4, 5, minute));
const at = <E extends ConversationEvent>(e: E, minute: number): E => ({ ...e, data: { ...e.data, occurredAt: t(minute) } });
/** Events as the store hands them back: revisions 0, 1, …, recorded a second after they happened. */
const recorded = (...events: ConversationEvent[]): RecordedConversationEvent[] =>
  events.map((event, revision) => ({ event, revision, recordedAt: new Date((event.data.occurredAt ?? t(0)).getTime() + 1000) }));

// 05:00 started, 05:01 queued, 05:02 message, 05:03 assigned, 05:04 tagged + translated, 05:05 note, 05:06 resolved.
const stream = recorded(
  at(started(t(0)), 0),
  at(queued(), 1),
  at(customerMessage('m-1', 'c-1', 2, 'Olá'), 2),
  at(assigned('agent-7'), 3),
  at(tagged(['vip']), 4),
  at(event('MessageTranslated', { messageId: 'm-1', sourceLanguage: 'pt', targetLanguage: 'en', text: 'Hello', provider: 'apertium' }), 4),
  at(event('InternalNoteAdded', { note: { noteId: 'n-1', agentId: 'agent-7', text: 'asks about a refund', addedAt: t(5) } }), 5),
  at(resolved('agent-7'), 6),
);
const now = t(30);
const latestRevision = stream.length - 1;
const countAt = (point: PastPoint) => eventCountAt(stream, point, { latestRevision, now });
const pastAt = (point: PastPoint) => foldPast(stream.slice(0, countAt(point)));

describe('the conversation at a revision', () => {
  it('is the fold of the events up to and including that revision, with the aggregate\'s own evolve', () => {
    for (let revision = 0; revision <= latestRevision; revision++) {
      const expected = stream.slice(0, revision + 1).reduce((s, r) => evolve(s, r.event), initialState());
      expect(pastAt({ $case: 'atRevision', value: revision }).state).toEqual(expected);
    }
  });

  it('shows what was true then and nothing of what came later', () => {
    const view = conversationView(pastAt({ $case: 'atRevision', value: 3 }).state)!;
    expect(view).toMatchObject({ status: ConversationStatus.CONVERSATION_STATUS_ASSIGNED, assignedAgentId: 'agent-7', revision: 3, messageCount: 1, tags: [], queueId: 'support-pt' });
    expect(view.resolvedAt).toBeUndefined();
    const past = pastAt({ $case: 'atRevision', value: 3 });
    // The translation came at revision 5: not there yet.
    expect(past.messages).toEqual([expect.objectContaining({ messageId: 'm-1', text: 'Olá', revision: 2, translations: [] })]);
    expect(past.notes).toEqual([]);
  });

  it('carries the translations and notes recorded by then, each message stamped with its revision', () => {
    const past = pastAt({ $case: 'atRevision', value: 6 });
    expect(past.messages).toEqual([expect.objectContaining({ messageId: 'm-1', revision: 2, translations: [{ language: 'en', text: 'Hello', provider: 'apertium' }] })]);
    expect(past.notes).toEqual([expect.objectContaining({ noteId: 'n-1', text: 'asks about a refund' })]);
    expect(conversationView(past.state)).toMatchObject({ tags: ['vip'], status: ConversationStatus.CONVERSATION_STATUS_ASSIGNED });
  });

  it('at the last revision is the conversation as it is now', () => {
    const view = conversationView(pastAt({ $case: 'atRevision', value: latestRevision }).state)!;
    expect(view).toMatchObject({ status: ConversationStatus.CONVERSATION_STATUS_RESOLVED, revision: latestRevision, resolvedAt: t(6) });
  });

  it.each([
    [-1, /integer ≥ 0/],
    [1.5, /integer ≥ 0/],
    [latestRevision + 1, `beyond the conversation's last revision (${latestRevision})`],
  ])('refuses revision %s, naming at_revision', (value, reason) => {
    expect(() => countAt({ $case: 'atRevision', value })).toThrow(ValidationError);
    try {
      countAt({ $case: 'atRevision', value });
    } catch (err) {
      expect((err as ValidationError).field).toBe('at_revision');
      expect((err as ValidationError).message).toMatch(reason);
    }
  });
});

describe('the conversation as of a time', () => {
  it('includes every event that happened at or before the time', () => {
    expect(countAt({ $case: 'asOf', value: t(0) })).toBe(1);
    expect(countAt({ $case: 'asOf', value: new Date(t(2).getTime() + 30_000) })).toBe(3);
    expect(countAt({ $case: 'asOf', value: t(4) })).toBe(6);
    expect(countAt({ $case: 'asOf', value: t(29) })).toBe(stream.length);
    expect(conversationView(pastAt({ $case: 'asOf', value: t(1) }).state)).toMatchObject({ status: ConversationStatus.CONVERSATION_STATUS_QUEUED, revision: 1 });
  });

  it('stops at the first event that happened later, even when a later revision carries an earlier time', () => {
    // A command that lost a race keeps the time it was given: revision 2 at 05:09, revision 3 at 05:08.
    const raced = recorded(at(started(t(0)), 0), at(queued(), 1), at(priorityChanged(Priority.PRIORITY_HIGH), 9), at(tagged(['late']), 8));
    const asOf8 = eventCountAt(raced, { $case: 'asOf', value: t(8) }, { latestRevision: 3, now });
    expect(asOf8).toBe(2);
    expect(eventCountAt(raced, { $case: 'asOf', value: t(9) }, { latestRevision: 3, now })).toBe(4);
  });

  it.each([
    ['in the future', new Date(now.getTime() + 1), /in the future/],
    ['before the conversation existed', new Date(t(0).getTime() - 1), /before the conversation existed \(it started at 2025-03-04T05:00:00.000Z\)/],
    ['not a time', new Date(Number.NaN), /must be a time/],
  ])('refuses a time %s, naming as_of', (_label, value, reason) => {
    try {
      countAt({ $case: 'asOf', value });
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('as_of');
      expect((err as ValidationError).message).toMatch(reason);
    }
  });

  it('falls back to the recorded time for an event without its own', () => {
    const untimed = recorded(at(started(t(0)), 0), { ...queued(), data: { ...queued().data, occurredAt: undefined } });
    untimed[1]!.recordedAt = t(3);
    expect(eventCountAt(untimed, { $case: 'asOf', value: t(2) }, { latestRevision: 1, now })).toBe(1);
    expect(eventCountAt(untimed, { $case: 'asOf', value: t(3) }, { latestRevision: 1, now })).toBe(2);
  });
});

describe('foldPast', () => {
  it('keeps the newest messages when asked for at most some', () => {
    const many = recorded(at(started(t(0)), 0), ...[1, 2, 3].map((i) => at(customerMessage(`m-${i}`, `c-${i}`, i, `text ${i}`), i)));
    expect(foldPast(many, 2).messages.map((m) => m.messageId)).toEqual(['m-2', 'm-3']);
    expect(foldPast(many, 2).state).toMatchObject({ details: { messageCount: 3 } });
  });

  it('of no events is the initial state', () => {
    expect(foldPast([])).toEqual({ state: initialState(), messages: [], notes: [] });
  });
});
