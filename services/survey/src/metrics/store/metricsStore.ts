import { ConcurrencyError } from '@contactcenter/infra/errors';
import { connectSql, migrateUnderLock, type SqlClient } from '@contactcenter/infra/sql';
import type { InvitationRecord } from '../figures/metricsTable';
import type { MetricsFact } from '../projection/eventFacts';
import { emptyTimeline, foldTimeline, type ConversationTimeline, type TimelineEntry, type TimelineEvent } from '../projection/timeline';
import { METRICS_TABLES, migrateMetricsSchema } from './metricsSchema';

/** What a query reads: the timelines that can touch its range, the invitations sent in it, and how far the projection had read. */
export interface QueryData {
  timelines: { conversationId: string; entries: TimelineEntry[] }[];
  invitations: InvitationRecord[];
  projectedThrough: number;
}

type InvitationFact = Extract<MetricsFact, { kind: 'invitation' }>;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const keyOf = (tenantId: string, conversationId: string) => `${tenantId}\u0000${conversationId}`;
const dateOrNull = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
const msOf = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : v instanceof Date ? v.getTime() : Date.parse(String(v)));

/**
 * The metrics' database: PostgreSQL or PGlite through infra's SQL client.
 * Writes come in batches (one transaction: facts and checkpoint together);
 * reads take one snapshot, so the figures and `projectedThrough` agree.
 *
 * @example
 *   const store = await MetricsStore.open('pglite://memory');
 *   const seq = await store.checkpoint('survey-metrics');
 *   await store.applyBatch('survey-metrics', seq, seq + facts.length, facts);
 */
export class MetricsStore {
  private constructor(readonly sql: SqlClient) {}

  static async open(url: string): Promise<MetricsStore> {
    const sql = await connectSql(url, { poolSize: 4 });
    try {
      await migrateUnderLock(sql, 'survey metrics', migrateMetricsSchema);
    } catch (err) {
      await sql.close().catch(() => undefined);
      throw err;
    }
    return new MetricsStore(sql);
  }

  /** The last stream sequence applied by projection `name` (0: none yet). */
  async checkpoint(name: string): Promise<number> {
    await this.sql.query('INSERT INTO survey_metrics_checkpoints (name, stream_seq) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [name]);
    const { rows } = await this.sql.query<{ stream_seq: string | number }>('SELECT stream_seq FROM survey_metrics_checkpoints WHERE name = $1', [name]);
    return Number(rows[0]?.stream_seq ?? 0);
  }

  /**
   * Applies the facts of the stream messages (fromSeq, toSeq] and moves the
   * checkpoint from `fromSeq` to `toSeq`, all or nothing.
   * @throws ConcurrencyError when the checkpoint is no longer `fromSeq` (another writer moved it).
   */
  async applyBatch(name: string, fromSeq: number, toSeq: number, facts: readonly MetricsFact[]): Promise<void> {
    const byConversation = new Map<string, { tenantId: string; conversationId: string; events: TimelineEvent[] }>();
    const invitations = new Map<string, InvitationFact>();
    for (const f of facts) {
      if (f.kind === 'conversation') {
        const key = keyOf(f.tenantId, f.conversationId);
        let group = byConversation.get(key);
        if (!group) byConversation.set(key, (group = { tenantId: f.tenantId, conversationId: f.conversationId, events: [] }));
        group.events.push({ sequence: f.sequence, entry: f.entry });
      } else {
        const key = keyOf(f.tenantId, f.invitationId);
        const seen = invitations.get(key);
        invitations.set(key, seen ? mergeInvitation(seen, f) : f);
      }
    }
    await this.sql.transaction(async (tx) => {
      // Read and fold before the first write: a transaction holds its transaction id from its first write to its
      // commit, and until it commits the event store's followers (the relay) may not read past any later append in
      // the cluster (statements.ts). So the writes come last, one after the other.
      const timelines = byConversation.size > 0 ? await this.foldTimelines(tx, [...byConversation.values()]) : undefined;
      // The checkpoint first among the writes: a concurrent writer waits on this row, then finds it moved, and
      // nothing it folded from what it read is written.
      const moved = await tx.query('UPDATE survey_metrics_checkpoints SET stream_seq = $3, updated_at = now() WHERE name = $1 AND stream_seq = $2 RETURNING name', [name, fromSeq, toSeq]);
      if (moved.rows.length === 0) {
        // Another writer moved the checkpoint: say where to, so the log shows how far ahead it is.
        const { rows } = await tx.query<{ stream_seq: string }>('SELECT stream_seq FROM survey_metrics_checkpoints WHERE name = $1', [name]);
        throw new ConcurrencyError(`metrics projection ${name}`, String(fromSeq), rows[0]?.stream_seq ?? 'no checkpoint');
      }
      if (timelines) await writeTimelines(tx, timelines);
      if (invitations.size > 0) await writeInvitations(tx, [...invitations.values()]);
    });
  }

  /** The timelines the batch changes, folded onto what is stored, and the days they were active on. */
  private async foldTimelines(tx: SqlClient, groups: { tenantId: string; conversationId: string; events: TimelineEvent[] }[]): Promise<FoldedTimelines> {
    const { rows } = await tx.query<{ tenant_id: string; conversation_id: string; seq: string | number; timeline: string }>(
      `SELECT c.tenant_id, c.conversation_id, c.seq, c.timeline FROM survey_metrics_conversations c
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, conversation_id) USING (tenant_id, conversation_id)`,
      [groups.map((g) => g.tenantId), groups.map((g) => g.conversationId)],
    );
    const stored = new Map<string, ConversationTimeline>();
    for (const r of rows) stored.set(keyOf(r.tenant_id, r.conversation_id), { tenantId: r.tenant_id, conversationId: r.conversation_id, seq: Number(r.seq), entries: JSON.parse(r.timeline) as TimelineEntry[] });

    const changed: ConversationTimeline[] = [];
    const activity = new Map<string, [string, string, string]>();
    for (const g of groups) {
      const before = stored.get(keyOf(g.tenantId, g.conversationId)) ?? emptyTimeline(g.tenantId, g.conversationId);
      const after = foldTimeline(before, g.events);
      if (after === before) continue;
      changed.push(after);
      for (const e of after.entries.slice(before.entries.length)) {
        const day = utcDay(e.t);
        activity.set(`${keyOf(g.tenantId, g.conversationId)}\u0000${day}`, [g.tenantId, day, g.conversationId]);
      }
    }
    return { timelines: [changed.map((c) => c.tenantId), changed.map((c) => c.conversationId), changed.map((c) => c.seq), changed.map((c) => JSON.stringify(c.entries))], days: [...activity.values()] };
  }

  /**
   * The data of a query over [fromMs, toMs) as of `asOfMs`, read in one
   * snapshot: timelines with an event on a UTC day the range touches (every
   * figure is counted at one of its conversation's event times) plus those
   * of accepted invitations sent in the range.
   */
  async loadForQuery(projection: string, tenantId: string, fromMs: number, toMs: number, asOfMs: number): Promise<QueryData> {
    const endMs = Math.min(toMs, asOfMs + 1);
    return this.sql.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const checkpoint = await tx.query<{ stream_seq: string | number }>('SELECT stream_seq FROM survey_metrics_checkpoints WHERE name = $1', [projection]);
      const projectedThrough = Number(checkpoint.rows[0]?.stream_seq ?? 0);
      if (endMs <= fromMs) return { timelines: [], invitations: [], projectedThrough };
      const range = [tenantId, new Date(fromMs), new Date(endMs)];
      const invitations = await tx.query<{ invitation_id: string; sent_at: unknown; accepted_at: unknown; conversation_id: string }>(
        `SELECT invitation_id, sent_at, accepted_at, conversation_id FROM survey_metrics_invitations
         WHERE tenant_id = $1 AND sent_at >= $2 AND sent_at < $3`,
        range,
      );
      // The accepted invitations' conversations come from the rows just read, not a second scan of the table.
      const accepted = [...new Set(invitations.rows.map((r) => r.conversation_id).filter((id) => id !== ''))];
      const timelines = await tx.query<{ conversation_id: string; timeline: string }>(
        `SELECT conversation_id, timeline FROM survey_metrics_conversations
         WHERE tenant_id = $1 AND conversation_id IN (
           SELECT conversation_id FROM survey_metrics_activity WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date
           UNION
           SELECT unnest($4::text[]))`,
        [tenantId, utcDay(fromMs), utcDay(endMs - 1), accepted],
      );
      return {
        projectedThrough,
        timelines: timelines.rows.map((r) => ({ conversationId: r.conversation_id, entries: JSON.parse(r.timeline) as TimelineEntry[] })),
        invitations: invitations.rows.map((r) => ({ invitationId: r.invitation_id, sentAt: msOf(r.sent_at), acceptedAt: msOf(r.accepted_at), conversationId: r.conversation_id })),
      };
    });
  }

  /** Forgets every fact and every checkpoint: the next projection start rebuilds from the first event. */
  async reset(): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(`TRUNCATE ${METRICS_TABLES.join(', ')}`);
    });
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

/** Parameters of the timeline and activity upserts, built before the transaction writes anything. */
type FoldedTimelines = { timelines: [string[], string[], number[], string[]]; days: [string, string, string][] };

async function writeTimelines(tx: SqlClient, { timelines, days }: FoldedTimelines): Promise<void> {
  if (timelines[0].length === 0) return;
  await tx.query(
    `INSERT INTO survey_metrics_conversations (tenant_id, conversation_id, seq, timeline)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET seq = EXCLUDED.seq, timeline = EXCLUDED.timeline`,
    timelines,
  );
  await tx.query(
    `INSERT INTO survey_metrics_activity (tenant_id, day, conversation_id)
     SELECT * FROM unnest($1::text[], $2::date[], $3::text[]) ON CONFLICT DO NOTHING`,
    [days.map((d) => d[0]), days.map((d) => d[1]), days.map((d) => d[2])],
  );
}

/** Sent and accepted of one invitation in the same batch: one row. */
function mergeInvitation(a: InvitationFact, b: InvitationFact): InvitationFact {
  return { ...a, sentAt: a.sentAt ?? b.sentAt, acceptedAt: a.acceptedAt ?? b.acceptedAt, conversationId: a.conversationId || b.conversationId };
}

async function writeInvitations(tx: SqlClient, rows: InvitationFact[]): Promise<void> {
  // The first time seen stays: a republished event changes nothing.
  await tx.query(
    `INSERT INTO survey_metrics_invitations AS i (tenant_id, invitation_id, sent_at, accepted_at, conversation_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[])
     ON CONFLICT (tenant_id, invitation_id) DO UPDATE SET
       sent_at = COALESCE(i.sent_at, EXCLUDED.sent_at),
       accepted_at = COALESCE(i.accepted_at, EXCLUDED.accepted_at),
       conversation_id = CASE WHEN i.conversation_id = '' THEN EXCLUDED.conversation_id ELSE i.conversation_id END`,
    [rows.map((r) => r.tenantId), rows.map((r) => r.invitationId), rows.map((r) => dateOrNull(r.sentAt)), rows.map((r) => dateOrNull(r.acceptedAt)), rows.map((r) => r.conversationId)],
  );
}
