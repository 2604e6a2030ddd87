import { DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger';
import { onNatsReconnect } from '../nats';
import { doublingDelay, sleepUnlessAborted } from '../retryDelay';
import { DEFAULT_STREAM } from './eventStream';

/** Where an ordered follower starts: every stored event, only new ones, or strictly after a stream sequence. */
export type FollowStart = { all: true } | { new: true } | { afterSeq: number };

export interface FollowOptions {
  /** For logs and metrics, e.g. `routing-feed`. */
  name: string;
  stream?: string;
  /**
   * Either an ordered consumer of this process alone (ephemeral, recreated
   * from the follower's own position after any failure) with one subject
   * filter and a start, or an existing durable consumer shared by replicas
   * (created by the caller; the follower only pulls from it).
   */
  consumer: { ordered: { filterSubject?: string; start: FollowStart } } | { durable: string };
  logger: Logger;
  /** Messages pulled ahead of the handler (default 256). */
  maxMessages?: number;
  /** Pause between attempts to consume again, doubling from min to max (default 100 ms … 2 s). */
  retryDelayMs?: { min: number; max: number };
  /** Ends the follower (the iteration finishes) when aborted. */
  signal?: AbortSignal;
  /**
   * Whether the process's /metrics shows its position and lag (default true).
   * Off for followers made per client (one per socket), which would flood the labels.
   */
  observed?: boolean;
}

const observed = new Set<Follower>();

/** The followers of this process that report metrics (see ServiceMetrics): position, restarts, lag. */
export const observedFollowers = (): ReadonlySet<Follower> => observed;

/** A stream followed for as long as it runs: iterate it for messages; it carries on across server restarts. */
export interface Follower extends AsyncIterable<JsMsg> {
  readonly name: string;
  /** Stream sequence of the last message handed out; the start's sequence before the first. */
  readonly position: number;
  /** How many times it consumed again after a failure or a reconnect. */
  readonly restarts: number;
  /** Messages the stream holds beyond `position` (an ordered follower), or the durable's pending count. */
  lag(): Promise<number>;
  /**
   * How many messages its filter matched beyond its start when it first
   * consumed: 0 means it is caught up from the start (nothing to replay). For
   * a consumer that must not act on a stale view until it has replayed them.
   */
  readonly pendingAtStart: Promise<number>;
  /**
   * Starts consuming now, before anyone iterates, and resolves once the
   * consumer exists (or the follower stopped): a feed that must hold its
   * place from the moment a client was told where it starts.
   */
  open(): Promise<void>;
  /** Ends the iteration and releases the consumer. */
  stop(): void;
}

/**
 * Follows a JetStream stream in the nats.js shape: a loop that consumes,
 * and consumes again with backoff whenever the consumer fails, until it is
 * stopped or its signal aborts.
 *
 * What it adds to the client's own recovery: the client notices a lost pull
 * only after two missed idle heartbeats (tens of seconds by default), so a
 * NATS server restart froze every feed that long. The follower listens to the
 * connection's status instead and, the moment the client has reconnected,
 * drops its consumer and consumes again from its own position, logging that
 * it did. An ordered follower never hands out a sequence twice, nor skips one
 * its filter matches: it restarts strictly after the last one it handed out.
 *
 * @example
 *   const feed = follow(nc, { name: 'routing-feed', consumer: { ordered: { filterSubject: 'cc.*.conversation.>', start: { all: true } } }, logger });
 *   for await (const m of feed) apply(m);
 */
export function follow(nc: NatsConnection, options: FollowOptions): Follower {
  return new StreamFollower(nc, options);
}

class StreamFollower implements Follower {
  readonly name: string;
  position: number;
  restarts = 0;
  private readonly stream: string;
  private readonly stopped = new AbortController();
  private current: ConsumerMessages | undefined;
  private restartReason: string | undefined;
  private started = false;
  /** The start position is settled (a `new` start reads the stream's end once). */
  private pinned = false;
  readonly pendingAtStart: Promise<number>;
  private settlePendingAtStart!: (n: number) => void;
  private readonly consuming: Promise<void>;
  private settleConsuming!: () => void;
  private iterator: AsyncGenerator<JsMsg> | undefined;
  /** The first `next()` of an opened follower, taken before anyone iterated. */
  private primed: Promise<IteratorResult<JsMsg>> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: FollowOptions,
  ) {
    this.name = options.name;
    this.stream = options.stream ?? DEFAULT_STREAM;
    const ordered = 'ordered' in options.consumer ? options.consumer.ordered : undefined;
    this.position = ordered && 'afterSeq' in ordered.start ? ordered.start.afterSeq : 0;
    if (!ordered || !('new' in ordered.start)) this.pinned = true;
    this.pendingAtStart = new Promise((resolve) => (this.settlePendingAtStart = resolve));
    this.consuming = new Promise((resolve) => (this.settleConsuming = resolve));
    if (options.observed !== false) observed.add(this);
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    if (this.stopped.signal.aborted) return;
    this.settlePendingAtStart(0);
    this.settleConsuming();
    observed.delete(this);
    this.stopped.abort();
    this.current?.stop();
  }

  async lag(): Promise<number> {
    const js = jetstream(this.nc);
    if ('durable' in this.options.consumer) return (await (await js.consumers.get(this.stream, this.options.consumer.durable)).info()).num_pending;
    const jsm = await js.jetstreamManager();
    return Math.max(0, (await jsm.streams.info(this.stream)).state.last_seq - this.position);
  }

  async open(): Promise<void> {
    if (!this.iterator) {
      this.iterator = this.run();
      this.primed = this.iterator.next();
      this.primed.catch(() => undefined); // the iteration reports it
    }
    await Promise.race([this.consuming, this.primed]);
  }

  [Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    if (this.started) throw new Error(`follower ${this.name} is already being iterated`);
    this.started = true;
    const iterator = (this.iterator ??= this.run());
    return {
      next: () => {
        const first = this.primed;
        this.primed = undefined;
        return first ?? iterator.next();
      },
      return: (value?: unknown) => iterator.return(value as undefined),
    };
  }

  private async *run(): AsyncGenerator<JsMsg> {
    const { logger } = this.options;
    const watching = this.watchConnection();
    let failures = 0;
    try {
      while (!this.stopped.signal.aborted) {
        let consumed: { messages: ConsumerMessages; release(): Promise<void> } | undefined;
        try {
          consumed = await this.consume();
          const { messages } = consumed;
          this.current = messages;
          this.settleConsuming();
          if (this.stopped.signal.aborted) break;
          if (this.restartReason !== undefined || failures > 0) {
            this.restarts++;
            logger.info({ follower: this.name, position: this.position, reason: this.restartReason ?? 'consumer failed', attempts: failures + 1 }, 'following the stream again');
          }
          this.restartReason = undefined;
          failures = 0;
          for await (const m of messages) {
            // An ordered follower restarted from its position never repeats; guard anyway, it is one comparison.
            if ('ordered' in this.options.consumer && m.seq <= this.position) continue;
            this.position = m.seq;
            yield m;
            if (this.stopped.signal.aborted) break;
          }
          // The iteration ended without an error: a reconnect (or stop) closed it. Consume again at once.
        } catch (err) {
          if (this.stopped.signal.aborted) break;
          failures++;
          if (failures === 1 || failures % 10 === 0) logger.warn({ err, follower: this.name, position: this.position, attempt: failures }, 'following the stream failed; retrying');
          await this.pause(this.backoff(failures));
        } finally {
          this.current = undefined;
          void consumed?.release();
        }
      }
    } finally {
      watching.stop();
    }
  }

  private async consume(): Promise<{ messages: ConsumerMessages; release(): Promise<void> }> {
    const js = jetstream(this.nc);
    const max_messages = this.options.maxMessages ?? 256;
    if ('durable' in this.options.consumer) {
      const durable = await js.consumers.get(this.stream, this.options.consumer.durable);
      this.settlePendingAtStart((await durable.info()).num_pending);
      const messages = await durable.consume({ max_messages });
      return { messages, release: async () => messages.stop() };
    }
    const { filterSubject, start } = this.options.consumer.ordered;
    if ('new' in start && !this.pinned) {
      // "New" means after what the stream holds now: pinned once, so a restart never moves it later.
      this.position = (await (await js.jetstreamManager()).streams.info(this.stream)).state.last_seq;
    }
    this.pinned = true;
    const consumer = await js.consumers.get(this.stream, {
      ...(filterSubject ? { filter_subjects: filterSubject } : {}),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.position + 1,
    });
    // Asked before consuming: nothing is delivered yet, so it counts everything there is to replay.
    this.settlePendingAtStart((await consumer.info(true)).num_pending);
    const messages = await consumer.consume({ max_messages });
    return {
      messages,
      release: async () => {
        messages.stop();
        // Deleting the ephemeral consumer at once spares the server its inactivity timeout (and a dead one fails quietly).
        await consumer.delete().catch(() => undefined);
      },
    };
  }

  /** Drops the consumer when the client has reconnected: its pull requests died with the old connection. */
  private watchConnection(): { stop(): void } {
    const stop = onNatsReconnect(this.nc, () => {
      this.restartReason = 'NATS reconnected';
      this.current?.stop();
    });
    return { stop };
  }

  private backoff(attempt: number): number {
    return doublingDelay(attempt, this.options.retryDelayMs ?? { min: 100, max: 2_000 });
  }

  private pause(ms: number): Promise<void> {
    return sleepUnlessAborted(ms, this.stopped.signal);
  }
}
