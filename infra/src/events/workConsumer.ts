import { AckPolicy, DeliverPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger';
import { decodeCloudEvent } from './cloudEvent';
import { DEFAULT_STREAM, ensureEventStream } from './eventStream';
import { parseEventSubject } from './eventSubject';
import { follow } from './follow';
import { endSpan, runInSpan, SpanKind, startSpan } from '../tracing/spans';
import { traceparentOfMessage } from '../tracing/natsHeaders';

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
 *   const consumer = await startWorkConsumer(nc, { durable: 'translation-worker', filterSubject: eventFilter({ context: 'conversation', eventType: 'MessagePosted' }), ackWaitMs: 30_000, maxDeliver: 5, retryDelaysMs: [2_000, 10_000], logger, pending: 'message not translated' }, async (item) => ((await translate(item)) ? 'done' : 'retry'));
 */
export async function startWorkConsumer(nc: NatsConnection, options: WorkConsumerOptions, work: (item: WorkItem) => Promise<WorkOutcome>): Promise<{ stop(): void }> {
  const stream = options.stream ?? DEFAULT_STREAM;
  const jsm = await jetstreamManager(nc);
  // Created when absent, never reconfigured: the relay owns its retention settings.
  if (!(await jsm.streams.info(stream).catch(() => undefined))) await ensureEventStream(jsm, { name: stream });
  const config = {
    durable_name: options.durable,
    filter_subject: options.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: options.ackWaitMs * 1_000_000,
    max_deliver: options.maxDeliver,
  };
  await jsm.consumers.add(stream, { ...config, deliver_policy: DeliverPolicy.New }).catch(async (err: unknown) => {
    // Another replica created it first (or it exists from an earlier run): use it.
    const existing = await jsm.consumers.info(stream, options.durable).catch(() => undefined);
    if (!existing) throw err;
    if (existing.config.filter_subject === options.filterSubject) return;
    // Made by an earlier version with another filter (event subjects gained their aggregate token):
    // the same durable again, from the first event it has not acknowledged, so nothing is skipped.
    options.logger.warn({ durable: options.durable, from: existing.config.filter_subject, to: options.filterSubject }, 'work consumer filter changed; recreating it from its acknowledged position');
    await jsm.consumers.delete(stream, options.durable).catch(() => undefined);
    await jsm.consumers
      .add(stream, { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: existing.ack_floor.stream_seq + 1 })
      .catch(async (again: unknown) => {
        if (!(await jsm.consumers.info(stream, options.durable).catch(() => undefined))) throw again; // another replica recreated it
      });
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
  // The publisher's trace continues here: gRPC calls `work` makes carry this span as their parent.
  const span = startSpan(`${options.durable} process`, {
    kind: SpanKind.CONSUMER,
    parent: traceparentOfMessage(m) ?? '',
    attributes: { 'messaging.system': 'nats', 'messaging.consumer.group.name': options.durable, 'messaging.destination.name': m.subject, 'messaging.nats.delivery_count': attempt },
  });
  try {
    const event = decodeCloudEvent(m);
    tenantId = String(event.tenantid ?? tenantId);
    data = event.data;
    span.setAttribute('messaging.message.id', event.id);
    const outcome = await runInSpan(span, () => work({ tenantId, data, attempt }));
    span.setAttribute('work.outcome', outcome === 'done' || outcome === 'retry' ? outcome : 'retry_later');
    if (outcome === 'done') m.ack();
    else m.nak(outcome === 'retry' ? backoff : outcome.retryInMs);
    endSpan(span);
  } catch (err) {
    const conversationId = (data as { conversationId?: unknown } | undefined)?.conversationId;
    options.logger.warn({ err, tenant_id: tenantId, conversation_id: conversationId, attempt }, `${options.pending} yet; retried later`);
    m.nak(backoff);
    endSpan(span, err);
  }
}
