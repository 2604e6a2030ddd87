/**
 * The read model does not depend on how the log is cut into batches: a
 * history folded one event at a time, all at once, or all at once twice (a
 * crash between a batch's commit and its checkpoint replays it) leaves the
 * same rows. The history is written by the real command handler, so it has
 * what the projector meets in production: messages, a translation and a
 * note joining earlier rows, assignments, identity links and unlinks.
 */
import { createLogger } from '@contactcenter/infra';
import { createEventStore, type EventStore, type RecordedEvent } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { command, startData } from '../conversation/conversationFixtures';
import type { ConversationState } from '../conversation';
import { ConversationRepository } from '../store/conversationRepository';
import { SnapshotStore } from '../store/snapshotStore';
import { conversationProjection, projectBatch } from './conversationProjection';
import { migrateReadModels, READ_MODEL_TABLES } from './schema';

let events: EventStore;
let history: RecordedEvent[];
const databases: SqlClient[] = [];

async function readModel(): Promise<SqlClient> {
  const sql = await connectSql('pglite://memory');
  databases.push(sql);
  await migrateReadModels(sql);
  return sql;
}

async function dump(sql: SqlClient): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const { rows } = await sql.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
    tables[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return tables;
}

const project = (sql: SqlClient, batch: RecordedEvent[]) => sql.transaction((tx) => projectBatch(tx, batch));

/** As the Projector runs a projection: the batch in one transaction, then what it returned once committed. */
async function projectWith(projection: ReturnType<typeof conversationProjection>, sql: SqlClient, batch: RecordedEvent[]): Promise<void> {
  const committed = await sql.transaction((tx) => projection(tx, batch));
  committed?.();
}

beforeAll(async () => {
  events = await createEventStore('pglite://memory');
  const snapshotsDb = await connectSql('pglite://memory');
  databases.push(snapshotsDb);
  await SnapshotStore.migrate(snapshotsDb);
  const repo = new ConversationRepository(events, new SnapshotStore<ConversationState>(snapshotsDb, 1), 100, createLogger('projection-test', 'silent'), 0);
  let n = 0;
  const post = (conversationId: string, authorKind: AuthorKind, text: string) =>
    repo.handle(command('PostMessage', { conversationId, authorKind, authorId: authorKind === AuthorKind.AUTHOR_KIND_AGENT ? 'agent-7' : '', text, attachments: [], clientMessageId: '', language: 'en' }, { newId: `m-${++n}` }));
  for (const conversationId of ['conv-a', 'conv-b']) {
    await repo.handle(command('StartConversation', { ...startData, conversationId }));
    await repo.handle(command('QueueConversation', { conversationId, queueId: 'support' }));
    await post(conversationId, AuthorKind.AUTHOR_KIND_CUSTOMER, `hello from ${conversationId}`);
  }
  await repo.handle(command('RecordTranslation', { conversationId: 'conv-a', messageId: 'm-1', sourceLanguage: 'en', targetLanguage: 'es', text: 'hola', provider: 'apertium', failure: '', detail: '' }));
  await repo.handle(command('AddInternalNote', { conversationId: 'conv-a', agentId: 'agent-7', text: 'VIP' }, { newId: 'note-1' }));
  await repo.handle(command('AssignAgent', { conversationId: 'conv-a', agentId: 'agent-7', reason: 'least busy' }));
  await post('conv-a', AuthorKind.AUTHOR_KIND_AGENT, 'how can I help?');
  await repo.handle(command('LinkCustomerIdentity', { conversationId: 'conv-a', linkedCustomerId: 'cust-email', method: 'agent' }));
  await repo.handle(command('LinkCustomerIdentity', { conversationId: 'conv-b', linkedCustomerId: 'cust-phone', method: 'agent' }));
  await repo.handle(command('UnlinkCustomerIdentity', { conversationId: 'conv-b', linkedCustomerId: 'cust-phone', reason: 'wrong person' }));
  await repo.handle(command('RecordTranslation', { conversationId: 'conv-a', messageId: 'm-3', sourceLanguage: 'en', targetLanguage: 'es', text: '¿cómo puedo ayudar?', provider: 'apertium', failure: '', detail: '' }));
  await repo.handle(command('ResolveConversation', { conversationId: 'conv-b' }));
  history = await events.readAll();
});
afterAll(async () => {
  await events?.close();
  for (const db of databases) await db.close();
});

it('leaves the same rows whether the log is folded one event at a time, all at once, or replayed', async () => {
  expect(new Set(history.map((e) => e.type))).toEqual(
    new Set(['ConversationStarted', 'ConversationQueued', 'MessagePosted', 'MessageTranslated', 'InternalNoteAdded', 'AgentAssigned', 'CustomerIdentityLinked', 'CustomerIdentityUnlinked', 'ConversationResolved']),
  );
  const oneByOne = await readModel();
  for (const e of history) await project(oneByOne, [e]);
  const atOnce = await readModel();
  await project(atOnce, history);
  const replayed = await readModel();
  await project(replayed, history.slice(0, 7));
  await project(replayed, history); // the first seven again: skipped by revision

  const expected = await dump(oneByOne);
  expect(await dump(atOnce)).toEqual(expected);
  expect(await dump(replayed)).toEqual(expected);
});

it('leaves the same rows when it folds onto the states it remembers writing instead of reading its rows back', async () => {
  const expected = await dump(await (async () => {
    const sql = await readModel();
    await project(sql, history);
    return sql;
  })());
  const remembering = conversationProjection(100);
  const oneByOne = await readModel();
  for (const e of history) await projectWith(remembering, oneByOne, [e]);
  expect(await dump(oneByOne)).toEqual(expected);

  // A batch whose transaction rolled back is not remembered: retried, it writes what it failed to write.
  const retried = await readModel();
  const again = conversationProjection(100);
  await projectWith(again, retried, history.slice(0, 7));
  await expect(retried.transaction(async (tx) => (await again(tx, history.slice(7)), Promise.reject(new Error('commit failed'))))).rejects.toThrow('commit failed');
  await projectWith(again, retried, history.slice(7));
  expect(await dump(retried)).toEqual(expected);

  // Emptied and folded again (a rebuild), it forgets what it wrote before.
  await oneByOne.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
  remembering.forget?.();
  for (const e of history) await projectWith(remembering, oneByOne, [e]);
  expect(await dump(oneByOne)).toEqual(expected);

  // Remembering one conversation at a time, the other is read back: the same rows.
  const small = await readModel();
  const one = conversationProjection(1);
  for (const e of history) await projectWith(one, small, [e]);
  expect(await dump(small)).toEqual(expected);
});

it('folds the history into what the queries read: messages with their translations, the note, the links, each conversation at its last revision', async () => {
  const sql = await readModel();
  await project(sql, history);
  const { rows: conversations } = await sql.query<{ conversation_id: string; status: number; assigned_agent_id: string; revision: string }>(
    'SELECT conversation_id, status, assigned_agent_id, revision::text AS revision FROM cv_conversations ORDER BY conversation_id',
  );
  const last = (id: string) => String(Math.max(...history.filter((e) => e.streamId.endsWith(id)).map((e) => e.revision)));
  expect(conversations).toEqual([
    expect.objectContaining({ conversation_id: 'conv-a', assigned_agent_id: 'agent-7', revision: last('conv-a') }),
    expect.objectContaining({ conversation_id: 'conv-b', assigned_agent_id: '', revision: last('conv-b') }),
  ]);
  const { rows: messages } = await sql.query<{ message: { messageId: string; text: string; translations?: { language: string; text: string }[] } }>(
    `SELECT message FROM cv_messages WHERE conversation_id = 'conv-a' ORDER BY revision`,
  );
  const parsed = messages.map((r) => (typeof r.message === 'string' ? JSON.parse(r.message) : r.message) as (typeof messages)[number]['message']);
  expect(parsed.map((m) => [m.messageId, m.text, m.translations?.map((t) => `${t.language}:${t.text}`)])).toEqual([
    ['m-1', 'hello from conv-a', ['es:hola']],
    ['m-3', 'how can I help?', ['es:¿cómo puedo ayudar?']],
  ]);
  expect((await sql.query('SELECT * FROM cv_notes')).rows).toHaveLength(1);
  const { rows: links } = await sql.query<{ customer_id: string; linked_customer_id: string }>('SELECT customer_id, linked_customer_id FROM cv_customer_links ORDER BY customer_id');
  expect(links).toEqual([
    { customer_id: startData.customerId, linked_customer_id: 'cust-email' },
    { customer_id: 'cust-email', linked_customer_id: startData.customerId },
  ]);
});
