import type { SqlClient } from '@contactcenter/infra/sql';

/**
 * The metrics' own tables (the survey service's database; `survey_metrics_`
 * keeps them apart should it share a server):
 * - conversations: one timeline per conversation (JSON as text: PostgreSQL
 *   never looks inside, and parsing jsonb on every rewrite cost ~15% of replay speed);
 * - activity: which conversations had an event on which UTC day, so a query
 *   loads only the timelines that can touch its range;
 * - invitations: sent and accepted times of proactive invitations;
 * - checkpoints: the JetStream sequence each projection has applied,
 *   written in the same transaction as the facts.
 */
export const METRICS_TABLES = ['survey_metrics_conversations', 'survey_metrics_activity', 'survey_metrics_invitations', 'survey_metrics_checkpoints'] as const;

export async function migrateMetricsSchema(sql: SqlClient): Promise<void> {
  await sql.query(`CREATE TABLE IF NOT EXISTS survey_metrics_conversations (
    tenant_id text NOT NULL,
    conversation_id text NOT NULL,
    seq bigint NOT NULL,
    timeline text NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
  )`);
  await sql.query(`CREATE TABLE IF NOT EXISTS survey_metrics_activity (
    tenant_id text NOT NULL,
    day date NOT NULL,
    conversation_id text NOT NULL,
    PRIMARY KEY (tenant_id, day, conversation_id)
  )`);
  await sql.query(`CREATE TABLE IF NOT EXISTS survey_metrics_invitations (
    tenant_id text NOT NULL,
    invitation_id text NOT NULL,
    sent_at timestamptz,
    accepted_at timestamptz,
    conversation_id text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, invitation_id)
  )`);
  await sql.query('CREATE INDEX IF NOT EXISTS survey_metrics_invitations_by_sent ON survey_metrics_invitations (tenant_id, sent_at)');
  await sql.query(`CREATE TABLE IF NOT EXISTS survey_metrics_checkpoints (
    name text PRIMARY KEY,
    stream_seq bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`);
}
