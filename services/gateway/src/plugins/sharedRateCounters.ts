import { isLostRace, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';

export const DEFAULT_RATE_LIMIT_BUCKET = 'cc_gateway_rate_limits';
export const DEFAULT_RATE_LIMIT_SYNC_MS = 250;

export interface SharedRateCounterOptions {
  /** NATS KV bucket of the counters (RATE_LIMIT_BUCKET). */
  bucket?: string;
  /** How often each replica adds its new counts to the shared ones and learns the others' (RATE_LIMIT_SYNC_MS). */
  syncEveryMs?: number;
  /** Window length; keys of older windows expire with the bucket's max age (two windows). */
  windowMs: number;
  /** Counters kept in memory (least recently used evicted first). */
  maxKeys: number;
  logger: { warn(details: object, message: string): void };
}

interface Counter {
  limiter: string;
  key: string;
  window: number;
  /** The replicas' total as of this replica's last sync (its own synced counts included). */
  shared: number;
  /** Counted here since the last sync. */
  pending: number;
  /** The limit it is judged against (0: unknown): counters past half of it are refreshed even when idle here. */
  max: number;
}

/** Counters synced per tick at most: a flood of distinct clients costs bounded NATS traffic. */
const MAX_SYNCS_PER_TICK = 1_000;
const PARALLEL_SYNCS = 16;
/** After NATS fails to answer, count locally only for this long before trying again. */
const OUTAGE_BACKOFF_MS = 5_000;

/**
 * Fixed-window request counters shared by every gateway replica through NATS
 * KV, so that N replicas allow a client the limit once, not N times.
 *
 * A request never waits for NATS: it is counted in memory and judged on the
 * replicas' total as of the last sync plus what this replica counted since.
 * Every `syncEveryMs` each replica adds its new counts to the shared ones
 * with a revision-checked update (retried when another replica won the race)
 * and learns the total; counters past half their limit are also re-read
 * when idle here, so that a replica learns at once of a client that other
 * replicas are throttling. Cost: two small in-memory KV requests per counter
 * with new counts (and one per counter near its limit) per sync, whatever
 * the request rate. Precision: the replicas may together admit what each
 * admits within one sync period beyond the limit.
 * When NATS does not answer, counting goes on locally (each replica then
 * enforces the limit on its own traffic) and syncing resumes after a pause.
 * Windows start at multiples of `windowMs` since the epoch: every replica
 * agrees on them without talking.
 *
 * @example
 *   const counters = await SharedRateCounters.open(nc, { windowMs: 60_000, maxKeys: 40_000, logger });
 *   const { current, ttl } = counters.hit('ip', '203.0.113.9');
 *   await counters.stop();
 */
export class SharedRateCounters {
  private readonly counters = new Map<string, Counter>();
  private readonly dirty = new Set<Counter>();
  private readonly timer: NodeJS.Timeout;
  /** The sync running now, if any: a slow one (NATS away) is never joined by the next tick. */
  private syncing: Promise<void> | undefined;
  private pausedUntil = 0;

  private constructor(
    private readonly kv: KV,
    private readonly options: SharedRateCounterOptions,
  ) {
    this.timer = setInterval(() => {
      this.syncing ??= this.sync()
        .catch((err) => options.logger.warn({ err }, 'syncing rate limit counters failed'))
        .finally(() => (this.syncing = undefined));
    }, options.syncEveryMs ?? DEFAULT_RATE_LIMIT_SYNC_MS);
    this.timer.unref();
  }

  static async open(nc: NatsConnection, options: SharedRateCounterOptions): Promise<SharedRateCounters> {
    // Memory storage: counters of a minute are not worth a disk write; two windows of age keep the current one whole.
    const kv = await openStateBucket(nc, options.bucket ?? DEFAULT_RATE_LIMIT_BUCKET, 'rate limit', { storage: 'memory', ttl: 2 * options.windowMs });
    return new SharedRateCounters(kv, options);
  }

  /** Counts one request of `key` against `limiter`; its count in the current window (all replicas) and the window's time left. */
  hit(limiter: string, key: string, now = Date.now(), max = 0): { current: number; ttl: number } {
    const window = Math.floor(now / this.options.windowMs);
    const id = `${limiter}\u0000${key}`;
    let counter = this.counters.get(id);
    if (counter) this.counters.delete(id); // re-inserted below: the Map's order is least recently used first
    if (!counter || counter.window !== window) {
      if (counter) this.dirty.delete(counter); // the last window's unsynced counts no longer matter
      counter = { limiter, key, window, shared: 0, pending: 0, max };
    }
    counter.max = max;
    this.counters.set(id, counter);
    counter.pending++;
    this.dirty.add(counter);
    while (this.counters.size > this.options.maxKeys) {
      const [oldestId, oldest] = this.counters.entries().next().value!;
      this.counters.delete(oldestId);
      this.dirty.delete(oldest);
    }
    return { current: counter.shared + counter.pending, ttl: (window + 1) * this.options.windowMs - now };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
  }

  private async sync(): Promise<void> {
    if (this.counters.size === 0 || Date.now() < this.pausedUntil) return;
    const current = Math.floor(Date.now() / this.options.windowMs);
    const due = [...this.dirty].slice(0, MAX_SYNCS_PER_TICK);
    for (const c of due) this.dirty.delete(c);
    for (const c of this.counters.values()) {
      if (due.length >= MAX_SYNCS_PER_TICK) break;
      if (c.window === current && c.pending === 0 && c.max > 0 && 2 * c.shared >= c.max && c.shared <= c.max) due.push(c);
    }
    for (let i = due.length - 1; i >= 0; i--) if (due[i]!.window !== current) due.splice(i, 1);
    let unanswered = 0;
    for (let i = 0; i < due.length && unanswered === 0; i += PARALLEL_SYNCS) {
      const results = await Promise.allSettled(due.slice(i, i + PARALLEL_SYNCS).map((c) => this.syncOne(c)));
      results.forEach((r, j) => {
        if (r.status === 'rejected') {
          unanswered++;
          this.dirty.add(due[i + j]!); // counted locally meanwhile; synced once NATS answers
        }
      });
    }
    if (unanswered > 0) {
      for (const c of due) if (c.pending > 0) this.dirty.add(c);
      this.pausedUntil = Date.now() + OUTAGE_BACKOFF_MS;
      this.options.logger.warn({ counters: due.length }, `rate limit counters cannot be shared (NATS does not answer); each replica counts alone for ${OUTAGE_BACKOFF_MS} ms`);
    }
  }

  /** Adds this replica's pending counts to the shared counter, retrying lost races. */
  private async syncOne(counter: Counter): Promise<void> {
    const name = `${counter.limiter}.${counter.window}.${digest(counter.key)}`;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const delta = counter.pending;
      const entry = await this.kv.get(name);
      const before = entry && entry.operation === 'PUT' && entry.length > 0 ? Number(entry.string()) || 0 : 0;
      if (delta === 0) {
        counter.shared = Math.max(counter.shared, before); // only reading what the others counted
        return;
      }
      try {
        const total = before + delta;
        if (entry) await this.kv.update(name, String(total), entry.revision, 1_000);
        else await this.kv.create(name, String(total));
        counter.pending -= delta; // counts that arrived during the update stay pending
        counter.shared = total;
        return;
      } catch (err) {
        if (!isLostRace(err)) throw err;
      }
    }
    this.dirty.add(counter); // heavy contention: next tick
  }
}

/** KV keys allow [-/_=.a-zA-Z0-9]: client addresses (IPv6) and principals do not fit; a digest does. */
const digest = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 24);
