import type { Logger } from '@contactcenter/infra';
import { DEFAULT_STREAM, decodeCloudEvent, follow, parseEventSubject, type Follower } from '@contactcenter/infra/events';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstreamManager, type ConsumerConfig, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_RETRY_SCHEDULE_MS, retryDelayMs } from './backoff';
import { nextDeliveryRecord } from './deliveryRecord';
import type { DeliveryJob, DeliveryQueue } from './deliveryQueue';
import type { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { DEFAULT_DELIVERY_TIMEOUT_MS, postCloudEvent } from './httpDelivery';
import { WebhookCache } from './webhookCache';
import { matchesEventType } from './webhookRules';
import { deliveryIdOf, type Webhook, type WebhookStore } from './webhookStore';
import { SpanKind, withSpan } from '@contactcenter/infra/tracing';

export interface DeliveryEngineOptions {
  nats: NatsConnection;
  logger: Logger;
  store: WebhookStore;
  queue: DeliveryQueue;
  /** Which addresses deliveries may connect to (checked on the address dialled). */
  policy: OutboundAddressPolicy;
  /** Waits between attempts (default 1 s, 5 s, 30 s, 2 min, 10 min). */
  retryScheduleMs?: readonly number[];
  /** ±fraction of each wait, so that retries after an outage spread out (default 0.1). */
  retryJitter?: number;
  timeoutMs?: number;
  /** HTTP attempts in flight per replica (default 32). */
  concurrency?: number;
  eventsStream?: string;
  /** Durable consumer of the events stream, shared by replicas (default `gateway-webhooks`). */
  fanOutConsumer?: string;
  /** Durable consumer of the delivery queue, shared by replicas (default `gateway-webhook-deliveries`). */
  deliveryConsumer?: string;
}

const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Delivers the tenants' CloudEvents to their webhooks, in two steps, each a
 * durable pull consumer shared by every gateway replica:
 *
 * 1. fan-out: reads `cc.>` from the events stream (new events only, from the
 *    consumer's creation), matches each event against the tenant's webhooks
 *    (cached, see WebhookCache) and enqueues one delivery job per match; acks
 *    the event once the jobs are stored. It never waits for an endpoint.
 * 2. delivery: takes jobs (up to `concurrency` at once), POSTs them, acks on
 *    2xx; otherwise naks the job with the next backoff delay, so JetStream
 *    holds it and redelivers it later to whichever replica is free; after the
 *    last attempt the delivery is kept as failed in KV for listing and replay.
 *
 * Guarantees: at least once per (event, webhook). `Webhook-Id` is stable, so
 * receivers can drop repeats (a crash after the POST but before the ack
 * repeats it). No ordering between events: retries overtake.
 */
export class WebhookDeliveryEngine {
  private readonly cache: WebhookCache;
  private readonly schedule: readonly number[];
  private readonly loops: Promise<void>[] = [];
  private readonly open = new Set<Follower>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  private constructor(private readonly o: DeliveryEngineOptions) {
    this.cache = new WebhookCache(o.nats, o.store.kv, o.logger);
    this.schedule = o.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  }

  /** Loads the webhook definitions, then starts both consumers (each restarts itself after an error). */
  static async start(options: DeliveryEngineOptions): Promise<WebhookDeliveryEngine> {
    const engine = new WebhookDeliveryEngine(options);
    await engine.cache.start();
    engine.loops.push(engine.runLoop('fan-out', () => engine.fanOutOnce()), engine.runLoop('delivery', () => engine.deliverOnce()));
    return engine;
  }

  /** The definitions the engine matches against now (tests wait on it after creating a webhook). */
  webhooksOf(tenantId: string): Webhook[] {
    return this.cache.forTenant(tenantId);
  }

  /** Stops pulling, lets attempts in flight finish (they are ≤ timeout), closes the watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const feed of this.open) feed.stop();
    await Promise.all(this.loops);
    await Promise.all(this.inFlight);
    await this.cache.stop();
  }

  private async runLoop(name: string, once: () => Promise<void>): Promise<void> {
    let wait = 500;
    while (!this.stopped) {
      try {
        await once();
        wait = 500;
      } catch (err) {
        if (this.stopped) break;
        this.o.logger.warn({ err, consumer: name }, 'webhook consumer stopped; restarting');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 15_000);
    }
  }

  /** The durable consumer (created when absent), followed through NATS restarts (see follow.ts). */
  private async consumerMessages(stream: string, config: Partial<ConsumerConfig> & { durable_name: string }, maxMessages: number): Promise<Follower> {
    const jsm = await jetstreamManager(this.o.nats);
    try {
      await jsm.consumers.info(stream, config.durable_name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
      // Two replicas may race here: the same config makes the second add a no-op.
      await jsm.consumers.add(stream, config);
    }
    const messages = follow(this.o.nats, { name: config.durable_name, stream, consumer: { durable: config.durable_name }, logger: this.o.logger, maxMessages });
    this.open.add(messages);
    if (this.stopped) messages.stop();
    return messages;
  }

  private async fanOutOnce(): Promise<void> {
    const messages = await this.consumerMessages(
      this.o.eventsStream ?? DEFAULT_STREAM,
      { durable_name: this.o.fanOutConsumer ?? 'gateway-webhooks', filter_subject: 'cc.>', deliver_policy: DeliverPolicy.New, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_deliver: -1 },
      128,
    );
    try {
      for await (const m of messages) await this.fanOut(m);
    } finally {
      this.open.delete(messages);
    }
  }

  private async fanOut(m: JsMsg): Promise<void> {
    const tenantId = parseEventSubject(m.subject)?.tenantId ?? '';
    let event;
    try {
      event = decodeCloudEvent(m);
    } catch (err) {
      this.o.logger.warn({ err, subject: m.subject, seq: m.seq }, 'skipping an event that is not a CloudEvent');
      return m.term();
    }
    if (!TENANT_RE.test(tenantId) || (event.tenantid !== undefined && event.tenantid !== tenantId)) {
      this.o.logger.warn({ subject: m.subject, seq: m.seq }, 'skipping an event whose tenant is unclear');
      return m.term();
    }
    const matching = this.cache.forTenant(tenantId).filter((w) => matchesEventType(w.eventTypes, event.type));
    try {
      const enqueuedAt = new Date().toISOString();
      await Promise.all(matching.map((w) => this.o.queue.enqueue({ tenantId, webhookId: w.webhookId, deliveryId: deliveryIdOf(w.webhookId, event.id), event, enqueuedAt })));
      m.ack();
    } catch (err) {
      // Jobs already stored are deduplicated by their msg id when the event comes back.
      this.o.logger.warn({ err, seq: m.seq }, 'could not enqueue webhook deliveries; will retry the event');
      m.nak(1_000);
    }
  }

  private async deliverOnce(): Promise<void> {
    const concurrency = this.o.concurrency ?? 32;
    const timeout = this.o.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
    const messages = await this.consumerMessages(
      this.o.queue.stream,
      // ack_wait outlives one attempt: a job is only redelivered early when its replica died.
      { durable_name: this.o.deliveryConsumer ?? 'gateway-webhook-deliveries', deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit, ack_wait: nanos(Math.max(30_000, timeout * 3)), max_deliver: -1, max_ack_pending: 10_000 },
      concurrency,
    );
    try {
      for await (const m of messages) {
        while (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
        const p: Promise<void> = this.deliver(m, timeout)
          .catch((err: unknown) => this.o.logger.error({ err }, 'webhook delivery crashed'))
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    } finally {
      this.open.delete(messages);
    }
  }

  private async deliver(m: JsMsg, timeoutMs: number): Promise<void> {
    let job: DeliveryJob;
    try {
      job = m.json<DeliveryJob>();
    } catch (err) {
      this.o.logger.warn({ err, seq: m.seq }, 'dropping an unreadable webhook delivery job');
      return m.term();
    }
    // The cache may lag a webhook created a moment ago on another replica: ask KV before giving up.
    const webhook = this.cache.get(job.tenantId, job.webhookId) ?? (await this.o.store.get(job.tenantId, job.webhookId).catch(() => undefined));
    if (!webhook) return m.ack(); // deleted: its pending retries end here
    const attempt = m.info.deliveryCount;
    // Continues the trace of the command behind the event (its `traceparent` extension, kept in the job).
    const parent = typeof job.event.traceparent === 'string' ? job.event.traceparent : '';
    const outcome = await withSpan('webhook deliver', { kind: SpanKind.CLIENT, parent, attributes: { 'webhook.id': job.webhookId, 'webhook.attempt': attempt, 'messaging.message.id': job.deliveryId } }, async (span) => {
      const result = await postCloudEvent(webhook, job.deliveryId, job.event, { policy: this.o.policy, timeoutMs });
      if (result.statusCode !== undefined) span.setAttribute('http.response.status_code', result.statusCode);
      if (!result.ok) span.setAttribute('error.type', String(result.error ?? result.statusCode));
      return result;
    });
    const log = { tenantId: job.tenantId, webhookId: job.webhookId, deliveryId: job.deliveryId, attempt, statusCode: outcome.statusCode, error: outcome.error, ...(outcome.cause !== undefined ? { cause: String(outcome.cause) } : {}) };
    const delay = outcome.ok ? undefined : retryDelayMs(attempt, this.schedule, this.o.retryJitter ?? 0.1);
    if (delay !== undefined) {
      this.o.logger.debug(log, 'webhook delivery failed; retrying later');
      return m.nak(delay);
    }
    if (!outcome.ok || job.replay) {
      try {
        const previous = job.replay ? await this.o.store.findDelivery(job.tenantId, job.deliveryId) : undefined;
        await this.o.store.putDelivery(nextDeliveryRecord(job, previous, attempt, outcome));
      } catch (err) {
        this.o.logger.warn({ err, ...log }, 'could not keep the delivery outcome; will try again');
        return m.nak(5_000);
      }
    }
    if (!outcome.ok) this.o.logger.info(log, 'webhook delivery failed for good; kept for replay');
    m.ack();
  }
}
