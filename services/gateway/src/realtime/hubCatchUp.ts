import { eventFilter, parseEventSubject, readEventRange, type StoredEventMessage } from '@contactcenter/infra/events';
import type { NatsConnection } from '@nats-io/transport-node';
import { toHubEvent, type HubEvent } from './interest';

/**
 * What a resuming client reads back, filtered on the server: a visitor only
 * their conversations' events (`cc.<tenant>.conversation.*.<conversation>`,
 * one short-lived consumer each), staff and integrations their tenant's.
 */
export type CatchUpScope = { kind: 'tenant' } | { kind: 'conversations'; conversationIds: readonly string[] };

/** Events read back per consumer: a client far behind is caught up page by page, never all in memory at once. */
const PAGE = 1_000;

/**
 * Hands `take` the events of `scope` with `after < seq <= through`, in stream
 * order, page by page (the listener's interest decides which it wants);
 * resolves once all were handed over.
 */
export async function catchUp(
  nc: NatsConnection,
  o: { stream: string; tenantId: string; after: number; through: number; scope: CatchUpScope },
  take: (events: HubEvent[]) => boolean,
): Promise<void> {
  const toHub = (read: StoredEventMessage[]) => {
    const out: HubEvent[] = [];
    for (const m of read) {
      const parsed = parseEventSubject(m.subject);
      if (!parsed || parsed.tenantId !== o.tenantId) continue;
      out.push(toHubEvent(m.seq, parsed.tenantId, parsed.context, parsed.eventType, parsed.aggregateId, m.event));
    }
    return out;
  };
  /** The range of one filter, a page of at most PAGE events at a time. */
  async function* pages(filter: string): AsyncGenerator<StoredEventMessage[]> {
    for (let after = o.after; after < o.through; ) {
      const page = await readEventRange(nc, { stream: o.stream, filter, afterSeq: after, throughSeq: o.through, maxMessages: PAGE });
      yield page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }
  if (o.scope.kind === 'tenant') {
    for await (const page of pages(eventFilter({ tenantId: o.tenantId }))) if (!take(toHub(page))) return; // the listener went away
    return;
  }
  // A visitor's few conversations, each its own filter, merged in stream order.
  const read: StoredEventMessage[] = [];
  for (const c of new Set(o.scope.conversationIds)) {
    for await (const page of pages(eventFilter({ tenantId: o.tenantId, context: 'conversation', aggregateId: c }))) read.push(...page);
  }
  read.sort((a, b) => a.seq - b.seq);
  take(toHub(read));
}
