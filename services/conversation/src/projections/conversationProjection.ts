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

/**
 * Folds conversation events into the read-model tables. The conversation row
 * is the aggregate's own `conversationView` of its state, so the read model
 * cannot disagree with the rules of the aggregate; messages, notes and
 * customer links get rows of their own for the queries.
 *
 * The state kept in the row drops the client-message-id index (only commands
 * need it), so folding a long conversation here stays cheap.
 */
export async function projectBatch(tx: SqlClient, events: RecordedEvent[]): Promise<void> {
  const touched = new Map<string, { tenantId: string; conversationId: string; state: ConversationState; revision: number }>();
  for (const recorded of events) {
    if (!recorded.streamId.startsWith('conversation-')) continue;
    const { tenantId, conversationId } = parseConversationStreamId(recorded.streamId);
    const key = `${tenantId}\u0000${conversationId}`;
    let entry = touched.get(key);
    if (!entry) {
      const { rows } = await tx.query<{ state: unknown; revision: string }>(
        'SELECT state, revision FROM cv_conversations WHERE tenant_id = $1 AND conversation_id = $2',
        [tenantId, conversationId],
      );
      const row = rows[0];
      const stored = row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : undefined;
      entry = {
        tenantId,
        conversationId,
        state: stored ? stateFromJSON<ConversationState>(stored) : conversationDecider.initialState(),
        revision: row ? Number(row.revision) : -1,
      };
      touched.set(key, entry);
    }
    // Replays after a crash between commit and checkpoint are skipped by revision.
    if (recorded.revision <= entry.revision) continue;
    const event = conversationEventFromJson(recorded.type, recorded.data, eventMetadataOf(recorded.metadata));
    entry.state = conversationDecider.evolve(entry.state, event);
    entry.revision = recorded.revision;
    if (event.type === 'MessagePosted' && event.data.message) {
      const message = { ...event.data.message, revision: recorded.revision };
      await tx.query('INSERT INTO cv_messages (tenant_id, conversation_id, revision, message) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        tenantId,
        conversationId,
        recorded.revision,
        JSON.stringify(Message.toJSON(message)),
      ]);
    } else if (event.type === 'InternalNoteAdded' && event.data.note) {
      await tx.query('INSERT INTO cv_notes (tenant_id, conversation_id, revision, note) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        tenantId,
        conversationId,
        recorded.revision,
        JSON.stringify(InternalNote.toJSON(event.data.note)),
      ]);
    } else if (event.type === 'MessageTranslated') {
      // The translation joins its message; one per language (a replay replaces it with the same).
      const { messageId, targetLanguage, text, provider } = event.data;
      await updateMessage(tx, tenantId, conversationId, messageId, (message) => {
        message.translations = [...message.translations.filter((t) => t.language !== targetLanguage), { language: targetLanguage, text, provider }];
      });
    } else if (event.type === 'MessageDeliveryUpdated') {
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
  for (const { tenantId, conversationId, state, revision } of touched.values()) {
    const view = conversationView(state);
    if (!view || state.status === 'initial') continue;
    const slim: ConversationState = {
      ...state,
      details: { ...state.details, messageIdsByClientMessageId: new Map(), messageLanguages: new Map(), translations: new Map(), deliveries: new Map() },
    };
    const row = { ...view, revision };
    await tx.query(
      `INSERT INTO cv_conversations (tenant_id, conversation_id, customer_id, status, queue_id, assigned_agent_id, started_at, revision, view, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
         queue_id = EXCLUDED.queue_id, assigned_agent_id = EXCLUDED.assigned_agent_id, revision = EXCLUDED.revision,
         view = EXCLUDED.view, state = EXCLUDED.state`,
      [
        tenantId,
        conversationId,
        row.customerId,
        row.status,
        row.queueId,
        // Only a conversation an agent holds now is "by agent"; a resolved one keeps its last agent in the view.
        state.status === 'assigned' ? state.agentId : '',
        row.startedAt,
        revision,
        JSON.stringify(Conversation.toJSON(row)),
        JSON.stringify(stateToJSON(slim)),
      ],
    );
  }
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
