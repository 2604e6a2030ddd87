import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeCloudEvent, type CloudEvent } from './cloudEvent';
import { DEFAULT_STREAM } from './eventStream';

export interface StoredEventMessage<E extends CloudEvent = CloudEvent> {
  /** JetStream stream sequence. */
  seq: number;
  subject: string;
  event: E;
}

/**
 * Replays what the stream holds now (optionally one subject filter, e.g.
 * `cc.acme.>`), in stream order, through an ordered consumer: for audits,
 * integrators' backfills and tests.
 *
 * @example
 *   const all = await readEvents(nc, { filter: 'cc.acme.conversation.MessagePosted' });
 */
export async function readEvents<E extends CloudEvent = CloudEvent>(
  nc: NatsConnection,
  options: { stream?: string; filter?: string; batch?: number } = {},
): Promise<StoredEventMessage<E>[]> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(options.stream ?? DEFAULT_STREAM, {
    deliver_policy: DeliverPolicy.All,
    ...(options.filter ? { filter_subjects: options.filter } : {}),
  });
  const out: StoredEventMessage<E>[] = [];
  try {
    for (;;) {
      const messages = await consumer.fetch({ max_messages: options.batch ?? 1_000, expires: 1_000 });
      let received = 0;
      let drained = false;
      for await (const m of messages) {
        received++;
        out.push({ seq: m.seq, subject: m.subject, event: decodeCloudEvent(m) as E });
        // `pending` counts what the consumer has still to deliver after this message.
        if (m.info.pending === 0) {
          drained = true;
          break;
        }
      }
      if (received === 0 || drained) return out;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
