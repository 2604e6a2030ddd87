import type { SqlClient } from '@contactcenter/infra/sql';

/** Read-model tables of the conversation service; `cv_` keeps them apart from the event store's. */
export const READ_MODEL_TABLES = ['cv_conversations', 'cv_messages', 'cv_notes', 'cv_customer_links'] as const;

export async function migrateReadModels(sql: SqlClient): Promise<void> {
  await sql.query(`CREATE TABLE IF NOT EXISTS cv_conversations (
    tenant_id text NOT NULL,
    conversation_id text NOT NULL,
    customer_id text NOT NULL,
    status int NOT NULL,
    queue_id text NOT NULL,
    assigned_agent_id text NOT NULL,
    started_at timestamptz NOT NULL,
    revision bigint NOT NULL,
    view jsonb NOT NULL,
    state jsonb NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
  )`);
  await sql.query('CREATE INDEX IF NOT EXISTS cv_conversations_by_start ON cv_conversations (tenant_id, started_at DESC, conversation_id DESC)');
  await sql.query('CREATE INDEX IF NOT EXISTS cv_conversations_by_status ON cv_conversations (tenant_id, status, started_at DESC, conversation_id DESC)');
  await sql.query('CREATE INDEX IF NOT EXISTS cv_conversations_by_queue ON cv_conversations (tenant_id, queue_id, started_at DESC, conversation_id DESC)');
  await sql.query('CREATE INDEX IF NOT EXISTS cv_conversations_by_agent ON cv_conversations (tenant_id, assigned_agent_id, started_at DESC, conversation_id DESC)');
  await sql.query('CREATE INDEX IF NOT EXISTS cv_conversations_by_customer ON cv_conversations (tenant_id, customer_id, started_at DESC)');
  await sql.query(`CREATE TABLE IF NOT EXISTS cv_messages (
    tenant_id text NOT NULL,
    conversation_id text NOT NULL,
    revision bigint NOT NULL,
    message jsonb NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, revision)
  )`);
  await sql.query(`CREATE TABLE IF NOT EXISTS cv_notes (
    tenant_id text NOT NULL,
    conversation_id text NOT NULL,
    revision bigint NOT NULL,
    note jsonb NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, revision)
  )`);
  await sql.query(`CREATE TABLE IF NOT EXISTS cv_customer_links (
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    linked_customer_id text NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, linked_customer_id)
  )`);
  await sql.query(`CREATE TABLE IF NOT EXISTS cv_checkpoints (
    name text PRIMARY KEY,
    position text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`);
}
