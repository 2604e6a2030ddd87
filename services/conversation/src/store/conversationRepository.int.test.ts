/**
 * Two repositories over one event store, as two conversation replicas are:
 * each remembers the conversations it touched, and what the other wrote in
 * between must still decide every command (the remembered state is only a
 * guess the append's expected revision checks).
 */
import { createLogger } from '@contactcenter/infra';
import { ConcurrencyError, IllegalStateError, UnavailableError } from '@contactcenter/infra/errors';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { command, startData, tenantId } from '../conversation/conversationFixtures';
import { conversationStreamId } from '../conversation';
import { ConversationRepository, MAX_WAITING_PER_CONVERSATION } from './conversationRepository';
import { SnapshotStore } from './snapshotStore';
import type { ConversationState } from '../conversation';

describe('ConversationRepository with remembered conversations, two replicas', () => {
  let events: EventStore;
  let sql: SqlClient;
  let a: ConversationRepository;
  let b: ConversationRepository;
  let reads = 0;
  let appends = 0;
  let n = 0;

  beforeAll(async () => {
    events = await createEventStore('pglite://memory');
    sql = await connectSql('pglite://memory');
    await SnapshotStore.migrate(sql);
    const counted = new Proxy(events, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'readStream' && typeof value === 'function') return (...args: unknown[]) => (reads++, (value as (...a: unknown[]) => unknown).apply(target, args));
        if (prop === 'appendToStream' && typeof value === 'function') return (...args: unknown[]) => (appends++, (value as (...a: unknown[]) => unknown).apply(target, args));
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const logger = createLogger('repository-test', 'silent');
    const snapshots = new SnapshotStore<ConversationState>(sql, 1);
    a = new ConversationRepository(counted, snapshots, 100, logger, 100);
    b = new ConversationRepository(counted, snapshots, 100, logger, 100);
  });
  afterAll(async () => {
    await events.close();
    await sql.close();
  });

  const fresh = () => `conv-cache-${++n}`;
  const started = (repo: ConversationRepository, conversationId: string) => repo.handle(command('StartConversation', { ...startData, conversationId }));
  const post = (conversationId: string, text: string, clientMessageId = '') =>
    command('PostMessage', { conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: '', text, attachments: [], clientMessageId, language: 'en' }, { newId: `m-${text}` });
  const revisionInStore = async (conversationId: string) => (await events.streamRevision(conversationStreamId(tenantId, conversationId))) ?? -1;

  it('appends a command on a remembered conversation without reading the stream first', async () => {
    const id = fresh();
    await started(a, id);
    const before = reads;
    const handled = await a.handle(post(id, 'one'));
    expect(handled.events.map((e) => e.type)).toEqual(['MessagePosted']);
    expect(reads).toBe(before);
    expect(handled.revision).toBe(await revisionInStore(id));
  });

  it('starts a new conversation without reading its (empty) stream; a retried start reads it and answers as the first did', async () => {
    const id = fresh();
    const before = reads;
    const first = await started(a, id);
    expect(first.events.map((e) => e.type)).toEqual(['ConversationStarted']);
    expect(reads).toBe(before);
    // The other replica has never seen it: its guess of a new conversation loses the append's 'no_stream' check, and the store answers.
    const appendsBefore = appends;
    const again = await started(b, id);
    expect(again.events).toEqual([]);
    expect(again.revision).toBe(first.revision);
    expect(reads).toBe(before + 1);
    expect(appends).toBe(appendsBefore + 1);
    expect(await revisionInStore(id)).toBe(0);
  });

  it('decides again on fresh state when the other replica wrote in between', async () => {
    const id = fresh();
    await started(a, id);
    await a.handle(post(id, 'from-a-1'));
    await b.handle(post(id, 'from-b')); // a's memory is now one event behind
    const handled = await a.handle(post(id, 'from-a-2'));
    expect(handled.events).toHaveLength(1);
    expect(handled.revision).toBe(await revisionInStore(id));
    expect(handled.state.status !== 'initial' && handled.state.details.messageCount).toBe(3);
    expect(handled.revision).toBe(3);
  });

  it('does not answer "already done" from stale memory: a retry the other replica already took is a no-op, a new one is appended', async () => {
    const id = fresh();
    await started(a, id);
    await a.handle(post(id, 'x', 'client-1'));
    await b.handle(command('ResolveConversation', { conversationId: id }));
    await b.handle(command('ReopenConversation', { conversationId: id, reason: 'customer came back' }));
    // a remembers the conversation open; it was resolved and reopened meanwhile: resolving must append.
    await a.handle(command('ResolveConversation', { conversationId: id }));
    const resolvedAgain = await b.handle(post(id, 'x', 'client-1')); // a retry of the first message: nothing new
    expect(resolvedAgain.events).toHaveLength(0);
    expect((await b.load(tenantId, id)).state.status).toBe('resolved');
  });

  it('does not refuse from stale memory: a command the fresh state allows goes through', async () => {
    const id = fresh();
    await started(a, id);
    await a.handle(command('ResolveConversation', { conversationId: id }));
    await b.handle(command('ReopenConversation', { conversationId: id, reason: '' }));
    // a remembers it resolved, where reopening is allowed and resolving is not; the store says the opposite.
    await expect(a.handle(command('ResolveConversation', { conversationId: id }))).resolves.toMatchObject({ events: [expect.objectContaining({ type: 'ConversationResolved' })] });
    await expect(a.handle(command('ResolveConversation', { conversationId: id }))).rejects.toBeInstanceOf(IllegalStateError);
  });

  it('honours a pinned revision against the store, not against memory', async () => {
    const id = fresh();
    await started(a, id);
    await b.handle(post(id, 'moved'));
    const current = await revisionInStore(id);
    await expect(a.handle(post(id, 'pinned-ok'), { expectedRevision: current })).resolves.toMatchObject({ revision: current + 1 });
    await expect(b.handle(post(id, 'pinned-stale'), { expectedRevision: current })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('writes nothing once its caller stopped waiting', async () => {
    const id = fresh();
    await started(a, id);
    const before = await revisionInStore(id);
    await expect(a.handle(post(id, 'late'), { signal: AbortSignal.abort() })).rejects.toThrow(/stopped waiting/);
    expect(await revisionInStore(id)).toBe(before);
  });

  it('runs concurrent commands on one conversation in turn: each appended once, no race lost, none read back', async () => {
    const id = fresh();
    await started(a, id);
    const before = { reads, appends, revision: await revisionInStore(id) };
    const handled = await Promise.all(Array.from({ length: 40 }, (_, i) => a.handle(post(id, `burst-${i}`))));
    // In arrival order, one revision each: nobody lost a race and decided again.
    expect(handled.map((h) => h.revision)).toEqual(Array.from({ length: 40 }, (_, i) => before.revision + 1 + i));
    expect(appends - before.appends).toBe(40);
    expect(reads - before.reads).toBe(0);
  });

  it('still decides right when the other replica writes between turns', async () => {
    const id = fresh();
    await started(a, id);
    const [fromA, fromB] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, (_, i) => a.handle(post(id, `a-${i}`)))),
      Promise.all(Array.from({ length: 10 }, (_, i) => b.handle(post(id, `b-${i}`)))),
    ]);
    const revisions = [...fromA, ...fromB].map((h) => h.revision).sort((x, y) => x - y);
    expect(new Set(revisions).size).toBe(20);
    expect(await revisionInStore(id)).toBe(revisions[19]);
  });

  it('refuses a command at once when too many wait on one conversation, and writes nothing for it', async () => {
    const id = fresh();
    await started(a, id);
    const before = await revisionInStore(id);
    const burst = Array.from({ length: MAX_WAITING_PER_CONVERSATION + 5 }, (_, i) => a.handle(post(id, `flood-${i}`)).then(() => 'written', (err: Error) => err));
    const outcomes = await Promise.all(burst);
    const refused = outcomes.filter((o): o is Error => o instanceof Error);
    expect(refused).toHaveLength(5);
    expect(refused[0]).toBeInstanceOf(UnavailableError);
    expect(refused[0]!.message).toMatch(/changes waiting to be written; retry/);
    expect(await revisionInStore(id)).toBe(before + MAX_WAITING_PER_CONVERSATION);
  });
});
