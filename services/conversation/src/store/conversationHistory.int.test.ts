/**
 * Reads of a conversation's past on a real event store (embedded PGlite),
 * the stream written by the real command handler: what the gRPC methods
 * GetConversationHistory and GetConversationAt answer.
 */
import { createLogger } from '@contactcenter/infra';
import { NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AuthorKind, Channel, ConversationStatus, type GetConversationAtRequest } from '@contactcenter/proto/conversation/v1';
import type { ConversationCommand, ConversationState } from '../conversation';
import { ConversationHistory } from './conversationHistory';
import { ConversationRepository } from './conversationRepository';
import { SnapshotStore } from './snapshotStore';

let events: EventStore;
let sql: SqlClient;
let history: ConversationHistory;
const times: Date[] = [];

const run = (repository: ConversationRepository, type: string, data: object, actorId: string, now: Date) =>
  repository.handle({ type, data: { conversationId: 'c-1', ...data }, metadata: { tenantId: 'acme', actorId, now, newId: `id-${now.getTime()}` } } as unknown as ConversationCommand);

beforeAll(async () => {
  events = await createEventStore('pglite://memory');
  sql = await connectSql('pglite://memory');
  await SnapshotStore.migrate(sql);
  // Snapshots every 2 events: the past is folded from the stream, whatever snapshots exist.
  const repository = new ConversationRepository(events, new SnapshotStore<ConversationState>(sql, 1), 2, createLogger('history-test', 'silent'));
  const at = (minute: number) => {
    const t = new Date(Date.UTC(2025, 2, 4, 9, minute));
    times.push(t);
    return t;
  };
  await run(repository, 'StartConversation', { channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'en', region: '', subject: 'Late parcel', invitationId: '' }, 'cust-1', at(0));
  await run(repository, 'PostMessage', { authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: 'cust-1', text: 'Where is it?', attachments: [], clientMessageId: 'm1', language: 'en', cannedResponseId: '' }, 'cust-1', at(1));
  await run(repository, 'AddInternalNote', { agentId: 'agent-7', text: 'carrier lost it' }, 'agent-7', at(2));
  await run(repository, 'TagConversation', { add: ['shipping'], remove: [] }, 'agent-7', at(3));
  await run(repository, 'ResolveConversation', {}, 'agent-7', at(4));
  history = new ConversationHistory(events);
});

afterAll(async () => {
  await events.close();
  await sql.close();
});

const at = (point: GetConversationAtRequest['point'], includeNotes = false, tenantId = 'acme', now = new Date(Date.UTC(2025, 2, 4, 10))) =>
  history.conversationAt(tenantId, { conversationId: 'c-1', point, includeNotes }, now);

describe('GetConversationHistory', () => {
  it('lists every event with its CloudEvent type, revision, actor and times', async () => {
    const res = await history.history('acme', { conversationId: 'c-1', includeNotes: true, fromRevision: 0, pageSize: 0 });
    expect(res.revision).toBe(4);
    expect(res.nextFromRevision).toBeUndefined();
    expect(res.entries.map((e) => [e.revision, e.type, e.actorId, e.occurredAt])).toEqual([
      [0, 'contactcenter.conversation.v1.ConversationStarted', 'cust-1', times[0]],
      [1, 'contactcenter.conversation.v1.MessagePosted', 'cust-1', times[1]],
      [2, 'contactcenter.conversation.v1.InternalNoteAdded', 'agent-7', times[2]],
      [3, 'contactcenter.conversation.v1.ConversationTagged', 'agent-7', times[3]],
      [4, 'contactcenter.conversation.v1.ConversationResolved', 'agent-7', times[4]],
    ]);
    expect(res.entries[2]!.event).toEqual({ $case: 'internalNoteAdded', value: expect.objectContaining({ note: expect.objectContaining({ text: 'carrier lost it' }) }) });
    expect(res.entries.every((e) => e.recordedAt instanceof Date && e.eventId.length > 0)).toBe(true);
  });

  it('leaves internal notes out unless asked for them', async () => {
    const res = await history.history('acme', { conversationId: 'c-1', includeNotes: false, fromRevision: 0, pageSize: 0 });
    expect(res.entries.map((e) => e.revision)).toEqual([0, 1, 3, 4]);
    expect(JSON.stringify(res)).not.toContain('carrier lost it');
  });

  it('pages by revision, also across a note left out', async () => {
    const first = await history.history('acme', { conversationId: 'c-1', includeNotes: false, fromRevision: 0, pageSize: 3 });
    expect(first.entries.map((e) => e.revision)).toEqual([0, 1]);
    expect(first.nextFromRevision).toBe(3);
    const second = await history.history('acme', { conversationId: 'c-1', includeNotes: false, fromRevision: 3, pageSize: 3 });
    expect(second.entries.map((e) => e.revision)).toEqual([3, 4]);
    expect(second.nextFromRevision).toBeUndefined();
  });

  it('refuses a bad page, naming the field, and knows no other tenant\'s conversation', async () => {
    await expect(history.history('acme', { conversationId: 'c-1', includeNotes: true, fromRevision: 0, pageSize: 501 })).rejects.toMatchObject({ field: 'page_size' });
    await expect(history.history('acme', { conversationId: 'c-1', includeNotes: true, fromRevision: -1, pageSize: 0 })).rejects.toMatchObject({ field: 'from_revision' });
    await expect(history.history('other', { conversationId: 'c-1', includeNotes: true, fromRevision: 0, pageSize: 0 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('GetConversationAt', () => {
  it('folds the stream up to a revision, with the messages and (when asked) notes of then', async () => {
    const res = await at({ $case: 'atRevision', value: 2 }, true);
    expect(res.conversation).toMatchObject({ conversationId: 'c-1', tenantId: 'acme', revision: 2, status: ConversationStatus.CONVERSATION_STATUS_OPEN, tags: [], messageCount: 1 });
    expect(res.messages.map((m) => [m.text, m.revision])).toEqual([['Where is it?', 1]]);
    expect(res.notes.map((n) => n.text)).toEqual(['carrier lost it']);
    expect(res.latestRevision).toBe(4);
    expect((await at({ $case: 'atRevision', value: 2 })).notes).toEqual([]);
  });

  it('folds the stream up to a time', async () => {
    const res = await at({ $case: 'asOf', value: new Date(times[3]!.getTime() + 30_000) });
    expect(res.conversation).toMatchObject({ revision: 3, tags: ['shipping'], status: ConversationStatus.CONVERSATION_STATUS_OPEN });
    expect((await at({ $case: 'asOf', value: times[4]! })).conversation).toMatchObject({ revision: 4, status: ConversationStatus.CONVERSATION_STATUS_RESOLVED, resolvedAt: times[4] });
  });

  it.each([
    ['no point', undefined, 'point'],
    ['a revision beyond the last', { $case: 'atRevision' as const, value: 5 }, 'at_revision'],
    ['a negative revision', { $case: 'atRevision' as const, value: -1 }, 'at_revision'],
    ['a time before the start', { $case: 'asOf' as const, value: new Date(Date.UTC(2025, 2, 4, 8)) }, 'as_of'],
    ['a time after now', { $case: 'asOf' as const, value: new Date(Date.UTC(2025, 2, 4, 11)) }, 'as_of'],
  ])('refuses %s, naming the field', async (_label, point, field) => {
    const err = await at(point).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });

  it('knows no other tenant\'s conversation, nor one that does not exist', async () => {
    await expect(at({ $case: 'atRevision', value: 0 }, false, 'other')).rejects.toBeInstanceOf(NotFoundError);
    await expect(history.conversationAt('acme', { conversationId: 'c-2', point: { $case: 'atRevision', value: 0 }, includeNotes: false }, new Date())).rejects.toBeInstanceOf(NotFoundError);
  });
});
