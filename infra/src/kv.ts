/**
 * NATS KV as the services use it: buckets of state (one revision per key,
 * file storage), values as JSON, and compare-and-set writes whose lost races
 * the caller tells apart from real failures.
 */
import { JetStreamApiCodes, JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry, type KvOptions, type KvWatchEntry, type KvWatchOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { UnavailableError } from './errors';
import type { Logger } from './logger';
import { isUnanswered, JETSTREAM_REQUEST_TIMEOUT_MS, onNatsReconnect, untilJetStreamAnswers, untilNatsConnected } from './nats';
import { jetStreamReplicas } from './jetstreamReplicas';
import { doublingDelay, sleepUnlessAborted } from './retryDelay';

/**
 * Opens (creating when absent) a bucket of state: history 1, because the
 * history lives in the events; file storage, so it outlives a server restart.
 * @throws UnavailableError naming the bucket and what it holds.
 *
 * @example
 *   const kv = await openStateBucket(nc, 'cc_routing', 'routing');
 */
export async function openStateBucket(nc: NatsConnection, bucket: string, what: string, options: Partial<KvOptions> = {}): Promise<KV> {
  try {
    // A short request timeout: see JETSTREAM_REQUEST_TIMEOUT_MS.
    const kvm = new Kvm(jetstream(nc, { timeout: JETSTREAM_REQUEST_TIMEOUT_MS }));
    const kv = await untilJetStreamAnswers(`the ${what} KV bucket ${bucket}`, () => kvm.create(bucket, { history: 1, storage: 'file', ...options, replicas: jetStreamReplicas(options.replicas) }));
    return readsRetriedAfterReconnect(kv, nc);
  } catch (err) {
    if (err instanceof UnavailableError) throw err; // unanswered: untilJetStreamAnswers named the bucket already
    throw new UnavailableError(`cannot open the ${what} KV bucket ${bucket}: ${(err as Error).message}`, { cause: err });
  }
}

/** How long a read waits for the connection to come back before its one retry. */
const RECONNECT_WAIT_MS = 1_000;

/**
 * Reads (`get`) asked just as the server died are never answered: they wait
 * out their timeout. Such a read is asked again once, as soon as the
 * connection is back, instead of failing the request that needed it (a
 * visitor's session waited its whole timeout, then retried). Writes are not
 * repeated: a lost acknowledgement may hide a write that took effect, and the
 * compare-and-set callers decide themselves.
 */
function readsRetriedAfterReconnect(kv: KV, nc: NatsConnection): KV {
  const get = kv.get.bind(kv);
  kv.get = async (key, opts) => {
    try {
      return await get(key, opts);
    } catch (err) {
      if (!isUnanswered(err)) throw err;
      await untilNatsConnected(nc, RECONNECT_WAIT_MS);
      // No responders: the server is back but its JetStream is still starting; give it a moment.
      if ((err as Error).name !== 'TimeoutError') await new Promise((r) => setTimeout(r, 200));
      return get(key, opts);
    }
  };
  return kv;
}

/** Whether an entry holds a value (not a delete or purge marker). */
export const isLiveEntry = (entry: KvEntry | null | undefined): entry is KvEntry => !!entry && entry.operation === 'PUT' && entry.length > 0;

/** The entry's JSON value and revision, or undefined when there is none. */
export function jsonOf<V>(entry: KvEntry | null | undefined): { value: V; revision: number } | undefined {
  return isLiveEntry(entry) ? { value: entry.json<V>(), revision: entry.revision } : undefined;
}

/** A compare-and-set that lost: `create` on an existing key, `update` on a stale revision. */
export function isLostRace(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  }
  return /wrong last sequence/i.test((err as Error)?.message ?? '');
}

export interface KvFollowOptions {
  /** Key filter, e.g. `*.webhook.*` (one per watch: nats-server 2.9 takes one subject per consumer). */
  key: string;
  /** `updates` skips the current values at every (re)open; default: current values, then updates. */
  include?: KvWatchOptions['include'];
  /** For logs, e.g. `webhook definitions`. */
  name: string;
  logger: Logger;
  /** Called after the watch was re-opened (what changed meanwhile may have been missed by an `updates` watch). */
  onReopen?: () => void;
}

/**
 * Watches keys of a bucket for as long as it runs: the watch is re-opened
 * when it fails or ends, and the moment the connection reports a reconnect
 * (a KV watch is a JetStream consumer: after a NATS restart it would
 * otherwise wait for missed heartbeats, and revocations or offers changed
 * meanwhile would not be seen). A re-open replays the current values (unless
 * `include: 'updates'`), so nothing changed during the outage is missed.
 *
 * @example
 *   const watch = followKv(nc, kv, { key: '*.webhook.*', name: 'webhook definitions', logger }, (entry) => apply(entry));
 *   await watch.opened; // the first watch is open (or could not be: it keeps trying)
 *   await watch.stop();
 */
export function followKv(nc: NatsConnection, kv: KV, options: KvFollowOptions, onEntry: (entry: KvWatchEntry) => void): { opened: Promise<void>; stop(): Promise<void> } {
  const stopped = new AbortController();
  let current: { stop(): void } | undefined;
  let settleOpened!: () => void;
  const opened = new Promise<void>((resolve) => (settleOpened = resolve));
  let reconnected = false;
  const unsubscribe = onNatsReconnect(nc, () => {
    reconnected = true;
    current?.stop();
  });

  const loop = (async () => {
    let failures = 0;
    let reopened = false;
    while (!stopped.signal.aborted) {
      try {
        const watcher = await kv.watch({ key: options.key, ...(options.include ? { include: options.include } : {}) });
        current = watcher;
        settleOpened();
        if (stopped.signal.aborted) watcher.stop();
        if (reopened) {
          options.logger.info({ watch: options.name, reason: reconnected ? 'NATS reconnected' : 'watch failed' }, 'watching again');
          options.onReopen?.();
        }
        failures = 0;
        reconnected = false;
        for await (const entry of watcher) onEntry(entry);
        // Ended without an error: a reconnect closed it (re-open at once), or the server ended it (back off).
        if (!reconnected && !stopped.signal.aborted) failures++;
      } catch (err) {
        if (stopped.signal.aborted) break;
        failures++;
        if (failures === 1 || failures % 10 === 0) options.logger.warn({ err, watch: options.name, attempt: failures }, 'KV watch failed; re-opening');
        settleOpened(); // a start that cannot watch yet still serves; it keeps trying
      } finally {
        current = undefined;
      }
      reopened = true;
      if (failures > 0) await sleepUnlessAborted(doublingDelay(failures, { min: 100, max: 2_000 }), stopped.signal);
    }
  })();

  return {
    opened,
    async stop() {
      stopped.abort();
      current?.stop();
      unsubscribe();
      await loop;
    },
  };
}
