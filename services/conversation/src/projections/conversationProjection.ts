import type { SqlClient } from '@contactcenter/infra/sql';
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { Conversation, InternalNote, Message } from '@contactcenter/proto/conversation/v1';
import {
  conversationDecider,
  conversationEventFromJson,
  conversationView,
  parseConversationStreamId,
  type ConversationState,
} from '../conversation';
import { stateFromJSON, stateToJSON } from '../store/stateCodec';
import { eventMetadataOf } from '../store/eventMetadata';
import { RecentConversations } from '../store/recentConversations';
import type { ProjectBatch } from './projector';

/**
 * Folds conversation events into the read-model tables. The conversation row
 * is the aggregate's own `conversationView` of its state, so the read model
 * cannot disagree with the rules of the aggregate; messages, notes and
 * customer links get rows of their own for the queries.
 *
 * The state kept in the row drops the client-message-id index (only commands
 * need it), so folding a long conversation here stays cheap.
 *
 * A batch costs a few statements whatever its size: one read of every
 * conversation it touches, one insert of its new messages and one upsert of
 * the conversation rows (a statement per event and per conversation made the
 * projector the conversation service's largest cost under load). The rare
 * changes to rows already written (a translation or a delivery receipt joins
 * its message, a link or unlink) run as statements of their own, after the
 * inserts queued before them, so every statement sees what came earlier.
 *
 * With `remembered`, a conversation this projector wrote
 * recently is folded onto the state it wrote, instead of reading its row
 * back; the returned function, called once the transaction has committed,
 * remembers what this batch wrote.
 */
export async function projectBatch(tx: SqlClient, events: RecordedEvent[], remembered?: RecentConversations): Promise<() => void> {
  const touched = await loadTouched(tx, events, remembered);
  const messages = new PendingInserts('cv_messages', 'message');
  const notes = new PendingInserts('cv_notes', 'note');
  const flushInserts = async () => {
    await messages.flush(tx);
    await notes.flush(tx);
  };
  for (const recorded of events) {
    if (!recorded.streamId.startsWith('conversation-')) continue;
    const { tenantId, conversationId } = parseConversationStreamId(recorded.streamId);
    const entry = touched.get(touchedKey(tenantId, conversationId))!;
    // Replays after a crash between commit and checkpoint are skipped by revision.
    if (recorded.revision <= entry.revision) continue;
    const event = conversationEventFromJson(recorded.type, recorded.data, eventMetadataOf(recorded.metadata));
    entry.state = conversationDecider.evolve(entry.state, event);
    entry.revision = recorded.revision;
    entry.changed = true;
    if (event.type === 'MessagePosted' && event.data.message) {
      messages.add(tenantId, conversationId, recorded.revision, JSON.stringify(Message.toJSON({ ...event.data.message, revision: recorded.revision })));
    } else if (event.type === 'InternalNoteAdded' && event.data.note) {
      notes.add(tenantId, conversationId, recorded.revision, JSON.stringify(InternalNote.toJSON(event.data.note)));
    } else if (event.type === 'MessageTranslated') {
      await flushInserts();
      // The translation joins its message; one per language (a replay replaces it with the same).
      const { messageId, targetLanguage, text, provider } = event.data;
      await updateMessage(tx, tenantId, conversationId, messageId, (message) => {
        message.translations = [...message.translations.filter((t) => t.language !== targetLanguage), { language: targetLanguage, text, provider }];
      });
    } else if (event.type === 'MessageDeliveryUpdated') {
      await flushInserts();
      // The decider already refused receipts that would move a message back.
      const { messageId, status, detail, willRetry, occurredAt } = event.data;
      await updateMessage(tx, tenantId, conversationId, messageId, (message) => {
        message.delivery = { status, detail, willRetry, updatedAt: occurredAt };
      });
    } else if (event.type === 'CustomerIdentityUnlinked') {
      const { customerId, linkedCustomerId } = event.data;
      await tx.query(
        `DELETE FROM cv_customer_links WHERE tenant_id = $1 AND ((customer_id = $2 AND linked_customer_id = $3) OR (customer_id = $3 AND linked_customer_id = $2))`,
        [tenantId, customerId, linkedCustomerId],
      );
    } else if (event.type === 'CustomerIdentityLinked') {
      const { customerId, linkedCustomerId } = event.data;
      await tx.query(
        `INSERT INTO cv_customer_links (tenant_id, customer_id, linked_customer_id) VALUES ($1, $2, $3), ($1, $3, $2) ON CONFLICT DO NOTHING`,
        [tenantId, customerId, linkedCustomerId],
      );
    }
  }
  // Built before the writes: a transaction holds back the event store's followers from its first write to its commit.
  const rows = conversationRows(touched.values());
  await flushInserts();
  await upsertConversationRows(tx, rows);
  return () => {
    if (!remembered) return;
    for (const [key, entry] of touched) if (entry.state.status !== 'initial') remembered.remember(key, { state: entry.state, revision: entry.revision });
  };
}

/**
 * Makes the projection for the Projector: it remembers the states it wrote
 * for up to `rememberConversations` conversations (0: none; every batch
 * reads its conversations' rows back), and forgets them when the read
 * models are emptied.
 */
export function conversationProjection(rememberConversations: number): ProjectBatch {
  // The projector's own (slim) states, kept as the command side keeps its own: least recently used first out.
  // A state and its revision are always a fold of the log up to that revision, so they hold whatever another
  // replica's projector wrote meanwhile (it folds the same events); events at or below it are skipped as before.
  const remembered = rememberConversations > 0 ? new RecentConversations(rememberConversations) : undefined;
  return Object.assign((tx: SqlClient, events: RecordedEvent[]) => projectBatch(tx, events, remembered), { forget: () => remembered?.clear() });
}

type Touched = { tenantId: string; conversationId: string; state: ConversationState; revision: number; changed: boolean };

const touchedKey = (tenantId: string, conversationId: string) => `${tenantId}\u0000${conversationId}`;

/**
 * Every conversation the batch touches, as this projector last wrote it or
 * else as its read-model row has it (initial state and revision -1 when it
 * has none).
 */
async function loadTouched(tx: SqlClient, events: RecordedEvent[], remembered: RecentConversations | undefined): Promise<Map<string, Touched>> {
  const touched = new Map<string, Touched>();
  const entries: Touched[] = [];
  for (const recorded of events) {
    if (!recorded.streamId.startsWith('conversation-')) continue;
    const { tenantId, conversationId } = parseConversationStreamId(recorded.streamId);
    const key = touchedKey(tenantId, conversationId);
    if (touched.has(key)) continue;
    const known = remembered?.get(key);
    const entry = { tenantId, conversationId, state: known?.state ?? conversationDecider.initialState(), revision: known?.revision ?? -1, changed: false };
    touched.set(key, entry);
    // Its first event in the batch is its first ever (a new conversation): it has no row to read.
    if (!known && recorded.revision > 0) entries.push(entry);
  }
  if (entries.length === 0) return touched;
  const { rows } = await tx.query<{ tenant_id: string; conversation_id: string; state: unknown; revision: string }>(
    `SELECT c.tenant_id, c.conversation_id, c.state, c.revision::text AS revision
     FROM cv_conversations c JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, conversation_id) USING (tenant_id, conversation_id)`,
    [entries.map((e) => e.tenantId), entries.map((e) => e.conversationId)],
  );
  for (const row of rows) {
    const entry = touched.get(touchedKey(row.tenant_id, row.conversation_id))!;
    entry.state = stateFromJSON<ConversationState>(typeof row.state === 'string' ? JSON.parse(row.state) : row.state);
    entry.revision = Number(row.revision);
  }
  return touched;
}

/** Rows of one append-only table (messages, notes), written together in one statement. */
class PendingInserts {
  private tenantIds: string[] = [];
  private conversationIds: string[] = [];
  private revisions: string[] = [];
  private bodies: string[] = [];

  constructor(
    private readonly table: 'cv_messages' | 'cv_notes',
    private readonly column: 'message' | 'note',
  ) {}

  add(tenantId: string, conversationId: string, revision: number, body: string): void {
    this.tenantIds.push(tenantId);
    this.conversationIds.push(conversationId);
    this.revisions.push(String(revision));
    this.bodies.push(body);
  }

  async flush(tx: SqlClient): Promise<void> {
    if (this.tenantIds.length === 0) return;
    const params = [this.tenantIds, this.conversationIds, this.revisions, this.bodies];
    this.tenantIds = [];
    this.conversationIds = [];
    this.revisions = [];
    this.bodies = [];
    await tx.query(
      `INSERT INTO ${this.table} (tenant_id, conversation_id, revision, ${this.column})
       SELECT r.tenant_id, r.conversation_id, r.revision::bigint, r.body::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(tenant_id, conversation_id, revision, body)
       ON CONFLICT DO NOTHING`,
      params,
    );
  }
}

/**
 * The rows of every conversation the batch changed, as the upsert's
 * parameters (one array per column). Each entry's state becomes the slim
 * state its row stores, which is what a later batch folds onto.
 */
function conversationRows(touched: Iterable<Touched>): string[][] {
  const columns: string[][] = [[], [], [], [], [], [], [], [], [], []];
  for (const entry of touched) {
    const { tenantId, conversationId, state, revision, changed } = entry;
    if (!changed) continue;
    const view = conversationView(state);
    if (!view || state.status === 'initial') continue;
    const slim: ConversationState = {
      ...state,
      details: { ...state.details, messageIdsByClientMessageId: new Map(), messageLanguages: new Map(), translations: new Map(), deliveries: new Map() },
    };
    entry.state = slim;
    const row = { ...view, revision };
    const values = [
      tenantId,
      conversationId,
      row.customerId,
      String(row.status),
      row.queueId,
      // Only a conversation an agent holds now is "by agent"; a resolved one keeps its last agent in the view.
      state.status === 'assigned' ? state.agentId : '',
      row.startedAt instanceof Date ? row.startedAt.toISOString() : String(row.startedAt),
      String(revision),
      JSON.stringify(Conversation.toJSON(row)),
      JSON.stringify(stateToJSON(slim)),
    ];
    values.forEach((value, i) => columns[i]!.push(value));
  }
  return columns;
}

async function upsertConversationRows(tx: SqlClient, columns: string[][]): Promise<void> {
  if (columns[0]!.length === 0) return;
  await tx.query(
    `INSERT INTO cv_conversations (tenant_id, conversation_id, customer_id, status, queue_id, assigned_agent_id, started_at, revision, view, state)
     SELECT r.tenant_id, r.conversation_id, r.customer_id, r.status::int, r.queue_id, r.assigned_agent_id, r.started_at::timestamptz, r.revision::bigint, r.view::jsonb, r.state::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       AS r(tenant_id, conversation_id, customer_id, status, queue_id, assigned_agent_id, started_at, revision, view, state)
     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
       queue_id = EXCLUDED.queue_id, assigned_agent_id = EXCLUDED.assigned_agent_id, revision = EXCLUDED.revision,
       view = EXCLUDED.view, state = EXCLUDED.state`,
    columns,
  );
}

/** Rewrites one message's row (a translation or a delivery receipt joins it). */
async function updateMessage(tx: SqlClient, tenantId: string, conversationId: string, messageId: string, change: (message: Message) => void): Promise<void> {
  const { rows } = await tx.query<{ revision: string; message: unknown }>(
    `SELECT revision, message FROM cv_messages WHERE tenant_id = $1 AND conversation_id = $2 AND message->>'messageId' = $3`,
    [tenantId, conversationId, messageId],
  );
  for (const row of rows) {
    const message = Message.fromJSON(typeof row.message === 'string' ? JSON.parse(row.message) : row.message);
    change(message);
    await tx.query('UPDATE cv_messages SET message = $4 WHERE tenant_id = $1 AND conversation_id = $2 AND revision = $3', [
      tenantId,
      conversationId,
      row.revision,
      JSON.stringify(Message.toJSON(message)),
    ]);
  }
}
