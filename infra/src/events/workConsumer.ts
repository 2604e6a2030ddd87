import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_STREAM, ensureEventStream } from './eventStream';

export interface WorkConsumerOptions {
  /** Durable name shared by every replica: each message goes to one of them. */
  durable: string;
  /** One subject filter (nats-server 2.9 takes one per consumer), e.g. `cc.*.conversation.MessagePosted`. */
  filterSubject: string;
  /** How long a delivery may stay unacknowledged before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries of one message in all; -1 for no limit (a handler that naks with a delay to wait). */
  maxDeliver: number;
  /** Messages in flight to this replica. */
  maxMessages?: number;
  stream?: string;
}

/**
 * A durable JetStream consumer of the events stream from now on (events
 * published before its first start are not its business), shared by the
 * replicas of a service, handing each message to `handle` one at a time.
 * The stream is created with its shared configuration when absent, so a
 * consumer may start before anything was published. `handle` acks or naks.
 *
 * @example
 *   const stop = await startWorkConsumer(nc, { durable: 'translation-worker', filterSubject: 'cc.*.conversation.MessagePosted', ackWaitMs: 30_000, maxDeliver: 5 }, (m) => work(m));
 */
export async function startWorkConsumer(nc: NatsConnection, options: WorkConsumerOptions, handle: (m: JsMsg) => Promise<void>): Promise<{ stop(): void }> {
  const stream = options.stream ?? DEFAULT_STREAM;
  const jsm = await jetstreamManager(nc);
  // Created when absent, never reconfigured: the relay owns its retention settings.
  if (!(await jsm.streams.info(stream).catch(() => undefined))) await ensureEventStream(jsm, { name: stream });
  await jsm.consumers
    .add(stream, {
      durable_name: options.durable,
      filter_subject: options.filterSubject,
      deliver_policy: DeliverPolicy.New,
      ack_policy: AckPolicy.Explicit,
      ack_wait: options.ackWaitMs * 1_000_000,
      max_deliver: options.maxDeliver,
    })
    .catch(async (err: unknown) => {
      // Another replica created it first (or it exists from an earlier run): use it.
      if (!(await jsm.consumers.info(stream, options.durable).catch(() => undefined))) throw err;
    });
  const consumer = await jetstream(nc).consumers.get(stream, options.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: options.maxMessages ?? 64 });
  void (async () => {
    for await (const m of messages) await handle(m);
  })();
  return { stop: () => void messages.stop() };
}
