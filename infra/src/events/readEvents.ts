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
 *   const all = await readEvents(nc, { filter: 'cc.acme.conversation.MessagePosted.>' });
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

/**
 * The events of the stream with `afterSeq < seq <= throughSeq` matching
 * `filter`, in stream order: what a resuming client missed up to the point
 * where its live feed took over. Stops at the first message past
 * `throughSeq` or when nothing matching is left, without waiting for more,
 * or after `maxMessages` (read the rest from the last one's sequence).
 *
 * @example
 *   const missed = await readEventRange(nc, { filter: 'cc.acme.*.*.c-42', afterSeq: 120, throughSeq: 180 });
 */
export async function readEventRange<E extends CloudEvent = CloudEvent>(
  nc: NatsConnection,
  options: { stream?: string; filter: string; afterSeq: number; throughSeq: number; batch?: number; maxMessages?: number },
): Promise<StoredEventMessage<E>[]> {
  const out: StoredEventMessage<E>[] = [];
  if (options.throughSeq <= options.afterSeq) return out;
  const js = jetstream(nc);
  const consumer = await js.consumers.get(options.stream ?? DEFAULT_STREAM, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: options.afterSeq + 1,
    filter_subjects: options.filter,
  });
  try {
    // Asked before fetching: nothing matching after the start means nothing to wait for.
    if ((await consumer.info(true)).num_pending === 0) return out;
    for (;;) {
      const messages = await consumer.fetch({ max_messages: options.batch ?? 500, expires: 1_000 });
      let received = 0;
      for await (const m of messages) {
        received++;
        if (m.seq > options.throughSeq) return out;
        try {
          out.push({ seq: m.seq, subject: m.subject, event: decodeCloudEvent(m) as E });
        } catch {
          // Not a CloudEvent: nobody can be shown it (the live feed skips it too).
        }
        if (m.seq === options.throughSeq || m.info.pending === 0 || out.length === options.maxMessages) return out;
      }
      if (received === 0) return out;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
