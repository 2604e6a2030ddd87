import { doublingDelay, JETSTREAM_REQUEST_TIMEOUT_MS, onNatsReconnect, sleepUnlessAborted, type Logger } from '@contactcenter/infra';
import { UnavailableError } from '@contactcenter/infra/errors';
import type { EventStore, RecordedEvent } from '@contactcenter/infra/eventstore';
import { jetstream, jetstreamManager, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { assertCheckpointBelongs, RelayCheckpointMismatchError } from './checkpointMatch';
import { RelayCheckpoints, DEFAULT_CHECKPOINT_BUCKET } from './checkpointStore';
import { encodeCloudEvent, TRACE_METADATA, type EncodedCloudEvent } from './cloudEvent';
import { endSpan, setTraceHeaders, SpanKind, startSpan, traceparentOf } from '@contactcenter/infra/tracing';
import { PublishWindow } from './publishWindow';
import { RelayLeases, type HeldLease } from './relayLease';
import { ensureEventStream, type EventStreamOptions } from '@contactcenter/infra/events';

const DEFAULT_PUBLISH_WINDOW = 64;

/** Optional observers, e.g. Prometheus counters (see relayMetrics.ts). */
export interface RelayObserver {
  /** JetStream acknowledged `event`; `duplicate` when it had already stored it (a republish after a crash). */
  relayed?(event: RecordedEvent, ack: { duplicate: boolean; lagMs: number }): void;
  publishFailed?(event: RecordedEvent, err: unknown): void;
  /** An event that can never be published (no tenant, unsafe type): logged and passed over. */
  unpublishable?(event: RecordedEvent, err: unknown): void;
  checkpointSaved?(position: string): void;
  /** This relay took its name's lease (true: it publishes) or lost or released it (false: it stands by). */
  leaseHeld?(held: boolean): void;
}

export interface EventRelayOptions {
  events: EventStore;
  nats: NatsConnection;
  logger: Logger;
  /** Key of the checkpoint (default `conversation`): one running relay per name. */
  name?: string;
  /** Goes into the CloudEvents `source` (default `local`). */
  region?: string;
  stream?: EventStreamOptions;
  checkpointBucket?: string;
  /** NATS KV bucket of the relays' leases (default `cc_relay_leases`): only the holder of `name`'s lease publishes. */
  leaseBucket?: string;
  /** How long a lease outlives its holder's last renewal (default 3 s): the fail-over time when a holder dies. */
  leaseTtlMs?: number;
  /** Save the checkpoint once this many events are unsaved (default 100)… */
  checkpointEvery?: number;
  /** …or this long after the first unsaved one (default 200 ms). */
  checkpointIntervalMs?: number;
  /** How long to wait for one PubAck (default JETSTREAM_REQUEST_TIMEOUT_MS, 2 s): a publish sent as NATS died is never acked. */
  publishTimeoutMs?: number;
  /** Pause between attempts, doubling from min to max (default 100 ms … 2 s). */
  retryDelayMs?: { min: number; max: number };
  /** Events published without waiting for each acknowledgement (default 64; 1: one at a time). See PublishWindow. */
  publishWindow?: number;
  /** How long `start` keeps trying to create the stream and bucket before failing (default 30 s). */
  setupTimeoutMs?: number;
  observer?: RelayObserver;
}

/**
 * Relays the event store's global log to JetStream, as CloudEvents, from a
 * checkpoint kept in NATS KV.
 *
 * Delivery is effectively once. Each event is published with `Nats-Msg-Id` =
 * event id; up to `publishWindow` events are in flight, never two of one
 * conversation (PublishWindow: a conversation's next event is sent when its
 * previous one is acknowledged, others' meanwhile), so the stream holds each
 * conversation's events in revision order; events of different conversations
 * may be stored in another order than the log's. The checkpoint is saved
 * after acknowledged events (every `checkpointEvery` events or
 * `checkpointIntervalMs`), never before: a crash
 * between a PubAck and the checkpoint save makes the next run republish the
 * events after the saved checkpoint, and JetStream drops those republished
 * messages as duplicates, because their Nats-Msg-Id was seen within the stream's
 * duplicate window (2 min by default; a relay must restart within it).
 * A publish that fails is retried, never skipped, so nothing is lost either.
 *
 * Any number of relays of one name may run (every conversation replica, say):
 * only the holder of the name's lease (relayLease.ts) follows the log; the
 * others stand by and one of them takes over, from the saved checkpoint,
 * within about `leaseTtlMs` of the holder dying.
 *
 * @example
 *   const relay = await EventRelay.start({ events, nats, logger, name: 'conversation', region: 'eu-1' });
 *   // …
 *   await relay.stop(); // finishes the publish in flight and saves the checkpoint
 */
export class EventRelay {
  private readonly name: string;
  private readonly region: string;
  private readonly js: JetStreamClient;
  private checkpoints!: RelayCheckpoints;
  private leases!: RelayLeases;
  /** Set while this relay holds its name's lease; it publishes and saves checkpoints only then. */
  private lease: HeldLease | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopDone: Promise<void> | undefined;
  private readonly stopped = new AbortController();
  /** Aborted (and replaced) each time the NATS client reconnects. */
  private reconnected = new AbortController();
  private subscription: AbortController | undefined;

  private lastRelayed: { position: string; eventId: string } | undefined;
  /** The event store's identity, saved with every checkpoint. */
  private storeId = '';
  private relayedSeq = 0;
  private savedSeq = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private nextSaveAttemptAt = 0;
  private relayedTotal = 0;
  private duplicates = 0;

  private constructor(private readonly options: EventRelayOptions) {
    this.name = options.name ?? 'conversation';
    this.region = options.region ?? 'local';
    this.js = jetstream(options.nats, { timeout: this.publishTimeoutMs });
  }

  /** Ensures the stream and the checkpoint bucket, loads the checkpoint, and starts following the log. */
  static async start(options: EventRelayOptions): Promise<EventRelay> {
    const relay = new EventRelay(options);
    relay.watchReconnects();
    await relay.setUp();
    relay.loop = relay.run();
    return relay;
  }

  /** Global position of the last event relayed (or passed over); undefined before the first. */
  private get publishTimeoutMs(): number {
    return this.options.publishTimeoutMs ?? JETSTREAM_REQUEST_TIMEOUT_MS;
  }

  get position(): string | undefined {
    return this.lastRelayed?.position;
  }

  /** Events acknowledged by JetStream since this relay started. */
  get relayedCount(): number {
    return this.relayedTotal;
  }

  /** Stops following the log, lets the publish in flight finish (no further retries) and saves the checkpoint. */
  stop(): Promise<void> {
    this.stopDone ??= this.shutDown();
    return this.stopDone;
  }

  /**
   * A publish in flight when the server died is never acknowledged: rather than
   * wait out its timeout, give up on it the moment the client has reconnected
   * and publish again (same Nats-Msg-Id: JetStream keeps one copy either way).
   */
  private untilReconnected<T>(request: Promise<T>): Promise<T> {
    const { signal } = this.reconnected;
    request.catch(() => undefined); // its late failure, if we stop waiting, is of no interest
    return new Promise<T>((resolve, reject) => {
      const onReconnect = () => reject(new Error('NATS reconnected while the publish was in flight'));
      signal.addEventListener('abort', onReconnect, { once: true });
      request.then(resolve, reject).finally(() => signal.removeEventListener('abort', onReconnect));
    });
  }

  /** Wakes a paused retry the moment the client is connected again (see pause). */
  private watchReconnects(): void {
    const unsubscribe = onNatsReconnect(this.options.nats, () => {
      this.reconnected.abort();
      this.reconnected = new AbortController();
    });
    this.stopped.signal.addEventListener('abort', unsubscribe, { once: true });
  }

  private async shutDown(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    this.subscription?.abort();
    await this.loop;
    clearTimeout(this.saveTimer);
    await this.saveCheckpoint();
    await this.lease?.release(); // after the save: the next holder starts from it at once
    this.options.observer?.leaseHeld?.(false);
    const saved = this.savedSeq === this.relayedSeq;
    this.log.info({ relay: this.name, relayed: this.relayedTotal, duplicates: this.duplicates, checkpoint: this.position ?? null, saved }, 'relay stopped');
  }

  private get log() {
    return this.options.logger;
  }

  private async setUp(): Promise<void> {
    const deadline = Date.now() + (this.options.setupTimeoutMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      try {
        const jsm = await jetstreamManager(this.options.nats);
        await ensureEventStream(jsm, this.options.stream);
        this.checkpoints = await RelayCheckpoints.open(this.options.nats, this.options.checkpointBucket ?? DEFAULT_CHECKPOINT_BUCKET, {
          replicas: this.options.stream?.replicas,
        });
        this.leases = await RelayLeases.open(this.options.nats, {
          bucket: this.options.leaseBucket,
          ttlMs: this.options.leaseTtlMs,
          replicas: this.options.stream?.replicas,
          logger: this.log,
        });
        const checkpoint = await this.checkpoints.load(this.name);
        this.storeId = await this.options.events.storeId();
        // Never follow a checkpoint of another store (a deleted and recreated database, a restore).
        if (checkpoint) await assertCheckpointBelongs(this.name, checkpoint, this.options.events, this.storeId);
        if (checkpoint) this.lastRelayed = { position: checkpoint.position, eventId: checkpoint.eventId };
        this.log.info({ relay: this.name, checkpoint: checkpoint?.position ?? null, store_id: this.storeId }, 'relay following the event log');
        return;
      } catch (err) {
        if (err instanceof RelayCheckpointMismatchError) throw err; // waiting cannot mend it
        if (Date.now() > deadline) throw new UnavailableError(`relay ${this.name}: JetStream is not usable (${(err as Error).message})`, { cause: err });
        this.log.warn({ err, relay: this.name, attempt }, 'relay setup failed; retrying');
        await this.pause(this.backoff(attempt));
      }
    }
  }

  /** Stops publishing: stopped, or the lease is not (or no longer) ours. */
  private get halted(): boolean {
    return this.stopping || !this.lease || this.lease.lost.aborted;
  }

  /** Waits for the lease; follows the log while it holds it; stands by again when it loses it. */
  private async run(): Promise<void> {
    while (!this.stopping) {
      const lease = await this.leases.acquire(this.name, this.stopped.signal);
      if (!lease) return;
      this.lease = lease;
      this.options.observer?.leaseHeld?.(true);
      if (await this.resume()) await this.follow(lease.lost);
      if (this.stopping) return;
      // Lost: whatever is unsaved is the new holder's to republish (JetStream drops the duplicates).
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.lease = undefined;
      this.options.observer?.leaseHeld?.(false);
    }
  }

  /** Starts from the saved checkpoint, which another holder may have moved on since this one loaded it. */
  private async resume(): Promise<boolean> {
    for (let attempt = 1; !this.halted; attempt++) {
      try {
        const checkpoint = await this.checkpoints.load(this.name);
        if (checkpoint) await assertCheckpointBelongs(this.name, checkpoint, this.options.events, this.storeId);
        this.lastRelayed = checkpoint && { position: checkpoint.position, eventId: checkpoint.eventId };
        this.savedSeq = this.relayedSeq;
        this.log.info({ relay: this.name, checkpoint: this.position ?? null }, 'relay holds the lease; publishing from the checkpoint');
        return true;
      } catch (err) {
        if (err instanceof RelayCheckpointMismatchError) {
          this.log.error({ err, relay: this.name }, 'relay checkpoint belongs to another event store; not publishing');
          await this.lease?.release();
          this.stopping = true;
          return false;
        }
        this.log.warn({ err, relay: this.name, attempt }, 'loading the relay checkpoint failed; retrying');
        await this.pause(this.backoff(attempt));
      }
    }
    return false;
  }

  /** Follows the log; when the subscription fails (database restart), resumes after the last relayed event. */
  private async follow(lost: AbortSignal): Promise<void> {
    let failures = 0;
    while (!this.halted) {
      const subscription = new AbortController();
      this.subscription = subscription;
      const onLost = () => subscription.abort();
      lost.addEventListener('abort', onLost, { once: true });
      const window = new PublishWindow(this.options.publishWindow ?? DEFAULT_PUBLISH_WINDOW, {
        sendOnce: (event) => this.sendOnce(event),
        sendUntilAcked: (event) => this.sendUntilAcked(event),
        passed: (event) => this.advance(event),
        halted: () => this.halted,
      });
      try {
        for await (const event of this.options.events.subscribeToAll({ after: this.position, signal: subscription.signal })) {
          // An event the subscription had buffered when the lease was lost is the next holder's.
          if (this.halted || !(await window.push(event))) break;
          failures = 0;
        }
        // What is in flight is acknowledged (or, halted, given up) before the checkpoint is saved or a new subscription starts after it.
        await window.drain();
        if (!this.halted) await this.pause(this.backoff(1)); // the store closed under us: do not spin
      } catch (err) {
        await window.drain().catch(() => undefined);
        if (this.halted) break;
        failures++;
        this.log.error({ err, relay: this.name, after: this.position ?? null }, 'reading the event log failed; resuming from the last relayed event');
        await this.pause(this.backoff(failures));
      } finally {
        lost.removeEventListener('abort', onLost);
      }
    }
  }

  /** The message for `event`, with its span; undefined when there is nothing to publish (internal, or never publishable: reported). */
  private prepare(event: RecordedEvent): { msg: EncodedCloudEvent; span: ReturnType<typeof startSpan> } | undefined {
    // Streams whose id starts with `$` (snapshots, system streams) are internal.
    if (event.streamId.startsWith('$')) return undefined;
    let msg: EncodedCloudEvent;
    try {
      msg = encodeCloudEvent(event, { region: this.region });
    } catch (err) {
      // Retrying cannot help: say so loudly and go on, or one bad event would stop every tenant's feed.
      this.log.error({ err, relay: this.name, event_id: event.id, stream_id: event.streamId, position: event.position }, 'event cannot be relayed; passed over');
      this.options.observer?.unpublishable?.(event, err);
      return undefined;
    }
    // Continues the trace of the command that appended the event (its metadata): consumers continue this span's.
    const span = startSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, parent: event.metadata[TRACE_METADATA], attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.message.id': event.id } });
    setTraceHeaders(msg.headers, traceparentOf(span));
    return { msg, span };
  }

  /** One attempt: true once JetStream acknowledged it (counted, span ended), false when it failed (reported). */
  private async publishOnce(event: RecordedEvent, { msg, span }: { msg: EncodedCloudEvent; span: ReturnType<typeof startSpan> }, attempt: number): Promise<boolean> {
    let ack: PubAck;
    try {
      ack = await this.untilReconnected(this.js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID, timeout: this.publishTimeoutMs }));
    } catch (err) {
      this.options.observer?.publishFailed?.(event, err);
      if (attempt === 1 || attempt % 10 === 0) {
        this.log.warn({ err, relay: this.name, event_id: event.id, position: event.position, attempt }, 'publishing to JetStream failed; retrying the same event');
      }
      return false;
    }
    this.relayedTotal++;
    if (ack.duplicate) this.noteDuplicate(event);
    this.options.observer?.relayed?.(event, { duplicate: ack.duplicate, lagMs: Date.now() - event.recordedAt.getTime() });
    span.setAttribute('messaging.nats.duplicate', ack.duplicate);
    endSpan(span);
    return true;
  }

  /** The window's first try at an event. */
  private async sendOnce(event: RecordedEvent): Promise<'ok' | 'failed'> {
    const prepared = this.prepare(event);
    if (!prepared) return 'ok';
    if (await this.publishOnce(event, prepared, 1)) return 'ok';
    endSpan(prepared.span, new Error('publish failed; the event is published again'));
    return 'failed';
  }

  /** After a failed first try: publishes the event until JetStream acknowledges it; false if stopped before that. */
  private async sendUntilAcked(event: RecordedEvent): Promise<boolean> {
    const prepared = this.prepare(event);
    if (!prepared) return true;
    const giveUp = () => (endSpan(prepared.span, new Error('the relay stopped before JetStream acknowledged the event')), false);
    for (let attempt = 2; ; attempt++) {
      if (this.halted) return giveUp();
      if (attempt % 5 === 0) await this.reensureStream();
      await this.pause(this.backoff(attempt - 1));
      if (this.halted) return giveUp();
      if (await this.publishOnce(event, prepared, attempt)) return true;
    }
  }

  /** Expected after a crash (events after the saved checkpoint were already published): worth one line per run. */
  private noteDuplicate(event: RecordedEvent): void {
    this.duplicates++;
    if (this.duplicates === 1) {
      this.log.info({ relay: this.name, event_id: event.id, position: event.position }, 'republished events JetStream already held; dropped as duplicates');
    } else {
      this.log.debug({ relay: this.name, event_id: event.id, position: event.position }, 'duplicate dropped by JetStream');
    }
  }

  /** Moves the in-memory position past `event`; saves the checkpoint when enough is unsaved. */
  private async advance(event: RecordedEvent): Promise<true> {
    this.lastRelayed = { position: event.position, eventId: event.id };
    this.relayedSeq++;
    const unsaved = this.relayedSeq - this.savedSeq;
    if (unsaved >= (this.options.checkpointEvery ?? 100) && Date.now() >= this.nextSaveAttemptAt) {
      await this.saveCheckpoint(); // also holds the loop back while the checkpoint lags behind
    } else {
      this.saveTimer ??= setTimeout(() => {
        this.saveTimer = undefined;
        void this.saveCheckpoint();
      }, this.options.checkpointIntervalMs ?? 200);
    }
    return true;
  }

  /** Saves the last relayed position; saves run one at a time. Failures are logged and retried later. */
  private saveCheckpoint(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const last = this.lastRelayed;
      const seq = this.relayedSeq;
      if (!last || seq === this.savedSeq) return;
      // A relay that lost its lease must not move back a checkpoint the new holder saved.
      if (!this.lease || this.lease.lost.aborted) return;
      try {
        // Like a publish: a save in flight when NATS died is given up at the reconnect (the relay waits on it when checkpoints lag).
        await this.untilReconnected(this.checkpoints.save(this.name, { ...last, savedAt: new Date().toISOString(), storeId: this.storeId }, this.publishTimeoutMs));
        this.savedSeq = seq;
        this.options.observer?.checkpointSaved?.(last.position);
      } catch (err) {
        this.log.warn({ err, relay: this.name, position: last.position }, 'saving the relay checkpoint failed; will retry');
        this.nextSaveAttemptAt = Date.now() + 1_000;
        if (!this.stopping) {
          this.saveTimer ??= setTimeout(() => {
            this.saveTimer = undefined;
            void this.saveCheckpoint();
          }, 1_000);
        }
      }
    });
    return this.saving;
  }

  /** After repeated failures the stream may be gone (deleted by hand): recreate it. */
  private async reensureStream(): Promise<void> {
    try {
      await ensureEventStream(await jetstreamManager(this.options.nats), this.options.stream);
    } catch {
      // JetStream is still unreachable: the publish retries will tell.
    }
  }

  private backoff(attempt: number): number {
    return doublingDelay(attempt, this.options.retryDelayMs ?? { min: 100, max: 2_000 });
  }

  /** Sleeps, waking early on stop. */
  private pause(ms: number): Promise<void> {
    // A NATS reconnect ends a backoff at once: the next publish attempt should not wait for the timer.
    return sleepUnlessAborted(ms, AbortSignal.any([this.stopped.signal, this.reconnected.signal, ...(this.lease ? [this.lease.lost] : [])]));
  }
}
