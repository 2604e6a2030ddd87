/**
 * The durable side of the ledger, read at the end: how many times each
 * message (by clientMessageId) is in the event store (the es_events table of
 * the test database, read directly) and in the JetStream stream CC_EVENTS.
 */
import { readEvents } from '@contactcenter/infra/events';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';

export type Counts = Map<string, number>;

export async function storeCounts(eventStoreUrl: string, tenant: string): Promise<Counts> {
  const client = new pg.Client({ connectionString: eventStoreUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const res = await client.query<{ key: string | null; n: string }>(
      `SELECT data->'message'->>'clientMessageId' AS key, count(*) AS n FROM es_events
        WHERE type = 'MessagePosted' AND stream_id LIKE $1 GROUP BY 1`,
      [`conversation-${tenant}:%`],
    );
    return new Map(res.rows.filter((r) => r.key).map((r) => [r.key!, Number(r.n)]));
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function streamCounts(nc: NatsConnection, tenant: string): Promise<Counts> {
  const counts: Counts = new Map();
  for (const { event } of await readEvents(nc, { filter: `cc.${tenant}.conversation.MessagePosted.>` })) {
    const key = (event.data as { message?: { clientMessageId?: string } } | undefined)?.message?.clientMessageId;
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
