import type { Logger } from '@contactcenter/infra';
import { ConcurrencyError } from '@contactcenter/infra/errors';
import { decodeCloudEvent, DEFAULT_STREAM, follow, type Follower } from '@contactcenter/infra/events';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MetricsStore } from '../store/metricsStore';
import { factOf, isMetricsSubject, type MetricsFact } from './eventFacts';

export interface MetricsProjectionOptions {
  nc: NatsConnection;
  store: MetricsStore;
  logger: Logger;
  /** Checkpoint name in the database (default `survey-metrics`). */
  name?: string;
  /** JetStream stream of the events (default CC_EVENTS). */
  stream?: string;
  /** Events per transaction while catching up (default 2,000). */
  batchSize?: number;
}

/** A batch that is not full is written after this long even if the stream says more is coming. */
const IDLE_FLUSH_MS = 200;
/**
 * Once the stream has nothing more pending, the batch is written this long after: live events show up
 * within it, and at a few hundred messages a second they share a transaction instead of one each (a
 * transaction per event made the metrics database a fifth of the stack's CPU in bench:e2e).
 */
const LIVE_LINGER_MS = 50;

/**
 * Follows CC_EVENTS into the metrics database. The position lives in the
 * database, committed with the facts of each batch, so a restart resumes
 * exactly after the last committed event: nothing skipped, nothing counted
 * twice. On the JetStream side this is an ordered consumer started at that
 * position (one filter, `cc.>` being the whole stream, which nats-server 2.9
 * allows): a durable consumer would hold a second position that can
 * disagree with the database's, and an ordered consumer detects gaps and
 * recreates itself after a server restart on its own.
 *
 * Batches: up to `batchSize` events, written when full or, once the stream
 * has nothing more pending, LIVE_LINGER_MS later (so live events show up
 * within it). A failed batch
 * is never skipped: the consumer is dropped and the projection resumes from
 * the database's checkpoint after a pause. An event that is not a readable
 * CloudEvent is logged and passed over (it can never become readable).
 *
 * @example
 *   const projection = new MetricsProjection({ nc, store, logger });
 *   await projection.start();
 *   await projection.caughtUp(10_000);
 *   await projection.stop();
 */
/** The projection's default checkpoint name in the metrics database. */
export const METRICS_PROJECTION = 'survey-metrics';

export class MetricsProjection {
  readonly name: string;
  private readonly stream: string;
  private readonly batchSize: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private messages: Follower | undefined;
  private applied = 0;
  private readonly waiters = new Set<() => void>();
  private readonly pauses = new Set<() => void>();

  constructor(private readonly options: MetricsProjectionOptions) {
    this.name = options.name ?? METRICS_PROJECTION;
    this.stream = options.stream ?? DEFAULT_STREAM;
    this.batchSize = options.batchSize ?? 2_000;
  }

  /** The last stream sequence committed to the database by this process. */
  get projectedThrough(): number {
    return this.applied;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.applied = await this.options.store.checkpoint(this.name);
    this.running = true;
    this.loop = this.run();
  }

  /** Stops following; a batch being written is finished first, unwritten ones are read again on the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.messages?.stop();
    for (const wake of [...this.pauses, ...this.waiters]) wake();
    await this.loop;
  }

  /** Empties the metrics database and projects again from the first event the stream holds. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.options.store.reset();
    await this.start();
  }

  /** Resolves true once everything the stream held when called is projected; false after `timeoutMs`. */
  async caughtUp(timeoutMs: number): Promise<boolean> {
    const jsm = await jetstreamManager(this.options.nc);
    const info = await jsm.streams.info(this.stream);
    return this.waitFor(info.state.last_seq, timeoutMs);
  }

  /** Resolves true once stream sequence `seq` is projected; false after `timeoutMs` or on stop. */
  async waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.applied < seq) {
      const left = deadline - Date.now();
      if (left <= 0 || !this.running) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        this.waiters.add(wake);
      });
    }
    return true;
  }

  private async run(): Promise<void> {
    const { logger, store } = this.options;
    let failures = 0;
    while (this.running) {
      try {
        await this.follow();
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures++;
        if (isStreamMissing(err)) {
          // Before the relay's first event the stream may not exist yet: wait for it, say so once.
          if (failures === 1) logger.warn({ projection: this.name, stream: this.stream }, 'event stream not found yet; waiting for it');
        } else {
          const level = err instanceof ConcurrencyError ? 'warn' : 'error';
          logger[level]({ err, projection: this.name, projected_through: this.applied }, 'metrics projection stopped; resuming from the database checkpoint');
        }
        await this.pause(Math.min(5_000, 100 * 2 ** failures));
        this.applied = await store.checkpoint(this.name).catch(() => this.applied);
      }
    }
  }

  /** A pause that `stop()` cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.pauses.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  /** One consumer's life: from the checkpoint until stopped or a batch fails. */
  private async follow(): Promise<void> {
    // From the database checkpoint; a NATS restart is followed through at once (see follow.ts).
    const messages = follow(this.options.nc, {
      name: `metrics-projection-${this.name}`,
      stream: this.stream,
      consumer: { ordered: { start: { afterSeq: this.applied } } },
      logger: this.options.logger,
      maxMessages: this.batchSize * 2,
    });
    this.messages = messages;
    if (!this.running) messages.stop();
    let batch: JsMsg[] = [];
    let failure: unknown;
    let writing: Promise<void> = Promise.resolve();
    let idle: NodeJS.Timeout | undefined;
    /** When the idle timer writes the batch (Infinity: no batch waits). */
    let idleDue = Number.POSITIVE_INFINITY;
    // Writes are chained, so the idle timer and the loop never write at once;
    // the loop reads the next batch while one is written (the database works
    // on its own core meanwhile), and waits before queueing a second.
    let previous: Promise<void> = Promise.resolve();
    const write = () => {
      clearTimeout(idle);
      idleDue = Number.POSITIVE_INFINITY;
      const taken = batch;
      batch = [];
      writing = writing.then(async () => {
        if (taken.length === 0 || failure) return;
        try {
          await this.apply(taken);
        } catch (err) {
          failure = err;
          messages.stop();
        }
      });
      return writing;
    };
    /** The batch is written within `ms`, or sooner if already due sooner. */
    const writeWithin = (ms: number) => {
      if (idleDue <= Date.now() + ms) return;
      clearTimeout(idle);
      idleDue = Date.now() + ms;
      idle = setTimeout(() => void write(), ms);
    };
    let first = true;
    try {
      for await (const m of messages) {
        if (first && m.seq > this.applied + 1) {
          this.options.logger.warn({ projection: this.name, from: this.applied + 1, to: m.seq - 1 }, 'the stream no longer holds these events (max age or deletion); figures miss them');
        }
        first = false;
        batch.push(m);
        if (batch.length >= this.batchSize) {
          await previous;
          previous = write();
        } else {
          writeWithin(m.info.pending === 0 ? LIVE_LINGER_MS : IDLE_FLUSH_MS);
        }
        if (failure) break;
      }
    } finally {
      clearTimeout(idle);
      messages.stop();
      await writing;
    }
    if (failure) throw failure;
    // Ended without being stopped (connection closed, consumer gone): start over, after the usual pause.
    if (this.running) throw new Error('the event consumer ended');
  }

  private async apply(messages: JsMsg[]): Promise<void> {
    const fresh = messages.filter((m) => m.seq > this.applied);
    if (fresh.length === 0) return;
    const facts: MetricsFact[] = [];
    for (const m of fresh) {
      if (!isMetricsSubject(m.subject)) continue;
      try {
        const fact = factOf(decodeCloudEvent(m), m.subject);
        if (fact) facts.push(fact);
      } catch (err) {
        this.options.logger.warn({ err, seq: m.seq, subject: m.subject }, 'event passed over: not a readable CloudEvent of its type');
      }
    }
    const last = fresh[fresh.length - 1]!.seq;
    await this.options.store.applyBatch(this.name, this.applied, last, facts);
    this.applied = last;
    for (const wake of this.waiters) wake();
  }
}

const isStreamMissing = (err: unknown): boolean =>
  (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) || (err as Error | undefined)?.name === 'StreamNotFoundError';
