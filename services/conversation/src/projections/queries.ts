import type { SqlClient } from '@contactcenter/infra/sql';
import { ValidationError } from '@contactcenter/infra/errors';
import { Conversation, ConversationStatus, InternalNote, Message } from '@contactcenter/proto/conversation/v1';

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

export const MAX_MESSAGES_PER_READ = 1_000;
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const RECENT_IN_TIMELINE = 3;
const MAX_LINKED_IDENTITIES = 50;

type Cursor = { t: string; id: string };

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(token: string): Cursor | undefined {
  if (!token) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.t === 'string' && typeof c.id === 'string' && !Number.isNaN(Date.parse(c.t))) return { t: c.t, id: c.id };
  } catch {
    // fall through
  }
  throw new ValidationError('page_token', 'is not a token this service issued');
}

export function pageSizeOf(n: number): number {
  if (n < 0) throw new ValidationError('page_size', 'must not be negative');
  return n === 0 ? DEFAULT_PAGE : Math.min(n, MAX_PAGE);
}

/** Queries of the conversation read models; every one is scoped to a tenant. */
export class ConversationQueries {
  constructor(private readonly sql: SqlClient) {}

  async revisionOf(tenantId: string, conversationId: string): Promise<number | undefined> {
    const { rows } = await this.sql.query<{ revision: string }>('SELECT revision FROM cv_conversations WHERE tenant_id = $1 AND conversation_id = $2', [
      tenantId,
      conversationId,
    ]);
    return rows[0] ? Number(rows[0].revision) : undefined;
  }

  async conversation(tenantId: string, conversationId: string, includeNotes: boolean) {
    const { rows } = await this.sql.query<{ view: unknown }>('SELECT view FROM cv_conversations WHERE tenant_id = $1 AND conversation_id = $2', [
      tenantId,
      conversationId,
    ]);
    if (!rows[0]) return undefined;
    const messages = await this.sql.query<{ message: unknown }>(
      `SELECT message FROM (SELECT message, revision FROM cv_messages WHERE tenant_id = $1 AND conversation_id = $2
       ORDER BY revision DESC LIMIT ${MAX_MESSAGES_PER_READ}) m ORDER BY revision`,
      [tenantId, conversationId],
    );
    const notes = includeNotes
      ? await this.sql.query<{ note: unknown }>('SELECT note FROM cv_notes WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY revision', [tenantId, conversationId])
      : { rows: [] };
    return {
      conversation: Conversation.fromJSON(parse(rows[0].view)),
      messages: messages.rows.map((r) => Message.fromJSON(parse(r.message))),
      notes: notes.rows.map((r) => InternalNote.fromJSON(parse(r.note))),
    };
  }

  async list(tenantId: string, filter: { status: ConversationStatus; queueId: string; assignedAgentId: string; pageSize: number; pageToken: string }) {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.status !== ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED) {
      if (!Object.values(ConversationStatus).includes(filter.status) || filter.status === ConversationStatus.UNRECOGNIZED) {
        throw new ValidationError('status', 'is not a known conversation status');
      }
      add('status = ?', filter.status);
    }
    if (filter.queueId) add('queue_id = ?', filter.queueId);
    if (filter.assignedAgentId) add('assigned_agent_id = ?', filter.assignedAgentId);
    const cursor = decodeCursor(filter.pageToken);
    if (cursor) {
      params.push(cursor.t, cursor.id);
      where.push(`(started_at, conversation_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    const size = pageSizeOf(filter.pageSize);
    const { rows } = await this.sql.query<{ view: unknown; conversation_id: string; started_at: Date | string }>(
      `SELECT view, conversation_id, started_at FROM cv_conversations WHERE ${where.join(' AND ')}
       ORDER BY started_at DESC, conversation_id DESC LIMIT ${size + 1}`,
      params,
    );
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      conversations: page.map((r) => Conversation.fromJSON(parse(r.view))),
      nextPageToken: rows.length > size && last ? encodeCursor({ t: new Date(last.started_at).toISOString(), id: last.conversation_id }) : '',
    };
  }

  /** Every identity linked to `customerId`, transitively (bounded). */
  async linkedIdentities(tenantId: string, customerId: string): Promise<string[]> {
    const seen = new Set([customerId]);
    let frontier = [customerId];
    while (frontier.length && seen.size < MAX_LINKED_IDENTITIES) {
      const { rows } = await this.sql.query<{ linked_customer_id: string }>(
        'SELECT linked_customer_id FROM cv_customer_links WHERE tenant_id = $1 AND customer_id = ANY($2::text[])',
        [tenantId, frontier],
      );
      frontier = rows.map((r) => r.linked_customer_id).filter((id) => !seen.has(id));
      for (const id of frontier) seen.add(id);
    }
    return [...seen];
  }

  async timeline(tenantId: string, customerId: string, pageSize: number, pageToken: string) {
    const ids = await this.linkedIdentities(tenantId, customerId);
    const params: unknown[] = [tenantId, ids];
    let after = '';
    const cursor = decodeCursor(pageToken);
    if (cursor) {
      params.push(cursor.t, cursor.id);
      after = 'AND (started_at, conversation_id) < ($3::timestamptz, $4)';
    }
    const size = pageSizeOf(pageSize);
    const { rows } = await this.sql.query<{ view: unknown; conversation_id: string; started_at: Date | string }>(
      `SELECT view, conversation_id, started_at FROM cv_conversations WHERE tenant_id = $1 AND customer_id = ANY($2::text[]) ${after}
       ORDER BY started_at DESC, conversation_id DESC LIMIT ${size + 1}`,
      params,
    );
    const page = rows.slice(0, size);
    const entries = [];
    for (const r of page) {
      const recent = await this.sql.query<{ message: unknown }>(
        `SELECT message FROM (SELECT message, revision FROM cv_messages WHERE tenant_id = $1 AND conversation_id = $2
         ORDER BY revision DESC LIMIT ${RECENT_IN_TIMELINE}) m ORDER BY revision`,
        [tenantId, r.conversation_id],
      );
      entries.push({ conversation: Conversation.fromJSON(parse(r.view)), recentMessages: recent.rows.map((m) => Message.fromJSON(parse(m.message))) });
    }
    const last = page[page.length - 1];
    return {
      entries,
      customerIds: ids,
      nextPageToken: rows.length > size && last ? encodeCursor({ t: new Date(last.started_at).toISOString(), id: last.conversation_id }) : '',
    };
  }
}
