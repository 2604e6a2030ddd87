import { AckPolicy, DeliverPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger';
import { decodeCloudEvent } from './cloudEvent';
import { DEFAULT_STREAM, ensureEventStream } from './eventStream';
import { parseEventSubject } from './eventSubject';
import { follow } from './follow';

export interface WorkConsumerOptions {
  /** Durable name shared by every replica: each message goes to one of them. */
  durable: string;
  /** One subject filter (nats-server 2.9 takes one per consumer), e.g. `cc.*.conversation.MessagePosted`. */
  filterSubject: string;
  /** How long a delivery may stay unacknowledged before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries of one message in all; -1 for no limit (a handler that waits with `{ retryInMs }`). */
  maxDeliver: number;
  /** Waits before the 2nd, 3rd, … delivery of work that failed or asked to be retried (the last repeats). */
  retryDelaysMs: readonly number[];
  logger: Logger;
  /** What is not done yet when an attempt fails, for the log line, e.g. "message not translated". */
  pending: string;
  /** Messages in flight to this replica. */
  maxMessages?: number;
  stream?: string;
}

/** One event to work on: its tenant, its CloudEvent `data`, and which delivery this is (1 = the first). */
export interface WorkItem {
  tenantId: string;
  data: unknown;
  attempt: number;
}

/** `done` acknowledges; `retry` redelivers after the next backoff delay; `{ retryInMs }` after exactly that long. */
export type WorkOutcome = 'done' | 'retry' | { retryInMs: number };

/**
 * A durable JetStream consumer of the events stream from now on (events
 * published before its first start are not its business), shared by the
 * replicas of a service, handing each event to `work` one at a time. The
 * stream is created with its shared configuration when absent, so a
 * consumer may start before anything was published. An event is
 * acknowledged only when `work` says it is done; a thrown error is logged
 * and the event redelivered on the backoff schedule.
 *
 * @example
 *   const consumer = await startWorkConsumer(nc, { durable: 'translation-worker', filterSubject: 'cc.*.conversation.MessagePosted', ackWaitMs: 30_000, maxDeliver: 5, retryDelaysMs: [2_000, 10_000], logger, pending: 'message not translated' }, async (item) => ((await translate(item)) ? 'done' : 'retry'));
 */
export async function startWorkConsumer(nc: NatsConnection, options: WorkConsumerOptions, work: (item: WorkItem) => Promise<WorkOutcome>): Promise<{ stop(): void }> {
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
  // Followed through a NATS restart at once (see follow.ts), not after missed heartbeats.
  const deliveries = follow(nc, { name: options.durable, stream, consumer: { durable: options.durable }, logger: options.logger, maxMessages: options.maxMessages ?? 64 });
  void (async () => {
    for await (const m of deliveries) await handle(m, options, work);
  })();
  return { stop: () => deliveries.stop() };
}

async function handle(m: JsMsg, options: WorkConsumerOptions, work: (item: WorkItem) => Promise<WorkOutcome>): Promise<void> {
  const attempt = m.info.deliveryCount;
  const backoff = options.retryDelaysMs[Math.min(attempt - 1, options.retryDelaysMs.length - 1)] ?? 0;
  let tenantId = parseEventSubject(m.subject)?.tenantId ?? '';
  let data: unknown;
  try {
    const event = decodeCloudEvent(m);
    tenantId = String(event.tenantid ?? tenantId);
    data = event.data;
    const outcome = await work({ tenantId, data, attempt });
    if (outcome === 'done') m.ack();
    else m.nak(outcome === 'retry' ? backoff : outcome.retryInMs);
  } catch (err) {
    const conversationId = (data as { conversationId?: unknown } | undefined)?.conversationId;
    options.logger.warn({ err, tenant_id: tenantId, conversation_id: conversationId, attempt }, `${options.pending} yet; retried later`);
    m.nak(backoff);
  }
}
