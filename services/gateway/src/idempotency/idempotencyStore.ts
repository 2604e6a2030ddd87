import { UnavailableError } from '@contactcenter/infra/errors';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_IDEMPOTENCY_BUCKET = 'cc_idempotency';
export const MIN_IDEMPOTENCY_TTL_HOURS = 24;

/** One key's record: a request running (its owner renews the lease while it runs), or its sealed answer. */
export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string; leaseUntil: number }
  | { state: 'done'; fingerprint: string; answer: string };

/** What a request finds when it claims its key. */
export type ClaimOutcome =
  /** It runs; `revision` is its record's, for renew/complete/release. */
  | { kind: 'claimed'; revision: number }
  /** An identical request ran before: answer what it answered (sealed). */
  | { kind: 'done'; answer: string }
  /** The key belongs to another request (route or body): 422. */
  | { kind: 'mismatch' }
  /** An identical request is still running after the wait: 409. */
  | { kind: 'busy' };

export interface IdempotencyTimings {
  /** How long a claim holds without renewal; its owner renews it every third of that while it runs. */
  leaseMs: number;
  /** How long a request waits for an identical one in flight before 409. */
  waitMs: number;
}

/**
 * waitMs is short on purpose: a waiter holds a request slot and reads KV while it
 * waits; thousands of clients retrying through an outage, each waiting 10 s, were
 * what kept a busy gateway saturated (a retry storm). Past it: 409 with Retry-After.
 */
export const DEFAULT_IDEMPOTENCY_TIMINGS: IdempotencyTimings = { leaseMs: 30_000, waitMs: 3_000 };

export interface IdempotencyStoreOptions extends Partial<IdempotencyTimings> {
  bucket?: string;
  /** Records expire this long after their last write (the bucket's max_age; per-message TTL needs nats-server 2.11). */
  ttlHours?: number;
}

/**
 * Idempotency records in a NATS KV bucket of their own, shared by every
 * gateway replica and kept across restarts for at least `ttlHours`.
 *
 * `kv.create` is atomic, so of N identical requests at once exactly one
 * claims the key and runs; the others poll until its answer is recorded.
 * A claim whose owner died (no renewal within the lease) is taken over with
 * a compare-and-set, so a crashed replica never blocks a key for long.
 *
 * @example
 *   const store = await IdempotencyStore.open(nc, { ttlHours: 24 });
 *   const c = await store.claim(material.recordKey, fingerprint);
 *   if (c.kind === 'claimed') await store.complete(material.recordKey, c.revision, fingerprint, material.seal(answer));
 */
export class IdempotencyStore {
  constructor(
    private readonly kv: KV,
    readonly timings: IdempotencyTimings = DEFAULT_IDEMPOTENCY_TIMINGS,
  ) {}

  static async open(nc: NatsConnection, options: IdempotencyStoreOptions = {}): Promise<IdempotencyStore> {
    const ttlHours = Math.max(options.ttlHours ?? MIN_IDEMPOTENCY_TTL_HOURS, MIN_IDEMPOTENCY_TTL_HOURS);
    const kv = await openStateBucket(nc, options.bucket ?? DEFAULT_IDEMPOTENCY_BUCKET, 'idempotency', { ttl: ttlHours * 3_600_000 });
    return new IdempotencyStore(kv, { leaseMs: options.leaseMs ?? DEFAULT_IDEMPOTENCY_TIMINGS.leaseMs, waitMs: options.waitMs ?? DEFAULT_IDEMPOTENCY_TIMINGS.waitMs });
  }

  /** Claims `recordKey` for a request with `fingerprint`, or waits (up to `waitMs`) for the identical request that holds it. */
  async claim(recordKey: string, fingerprint: string): Promise<ClaimOutcome> {
    const deadline = Date.now() + this.timings.waitMs;
    let absent = true; // try to create only while no record was seen: a waiter only reads
    for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
      if (absent) {
        const revision = await this.write(() => this.kv.create(recordKey, this.pending(fingerprint)));
        if (revision !== undefined) return { kind: 'claimed', revision };
      }
      const found = jsonOf<IdempotencyRecord>(await this.read(recordKey));
      absent = !found;
      if (found) {
        if (found.value.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (found.value.state === 'done') return { kind: 'done', answer: found.value.answer };
        if (found.value.leaseUntil < Date.now()) {
          // Its owner stopped renewing (crashed, or lost NATS): take over; of several waiters one wins the compare-and-set.
          const taken = await this.write(() => this.kv.update(recordKey, this.pending(fingerprint), found.revision));
          if (taken !== undefined) return { kind: 'claimed', revision: taken };
        }
      }
      if (Date.now() >= deadline) return { kind: 'busy' };
      await sleep(pause);
    }
  }

  /** Extends a claim's lease; the new revision, or undefined when it was taken over meanwhile. */
  renew(recordKey: string, revision: number, fingerprint: string): Promise<number | undefined> {
    return this.write(() => this.kv.update(recordKey, this.pending(fingerprint), revision));
  }

  /** Records the answer of a claim; false when it was taken over meanwhile (the taker's answer wins). */
  async complete(recordKey: string, revision: number, fingerprint: string, answer: string): Promise<boolean> {
    const record: IdempotencyRecord = { state: 'done', fingerprint, answer };
    return (await this.write(() => this.kv.update(recordKey, JSON.stringify(record), revision))) !== undefined;
  }

  /** Forgets a claim whose request failed (nothing was created), so that a retry runs again. */
  async release(recordKey: string, revision: number): Promise<void> {
    await this.write(async () => {
      await this.kv.delete(recordKey, { previousSeq: revision });
      return revision;
    });
  }

  private pending(fingerprint: string): string {
    const record: IdempotencyRecord = { state: 'pending', fingerprint, leaseUntil: Date.now() + this.timings.leaseMs };
    return JSON.stringify(record);
  }

  private async read(recordKey: string) {
    try {
      return await this.kv.get(recordKey);
    } catch (err) {
      throw new UnavailableError(`idempotency records cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }

  /** A compare-and-set write: its revision, or undefined when it lost the race. */
  private async write(op: () => Promise<number>): Promise<number | undefined> {
    try {
      return await op();
    } catch (err) {
      if (isLostRace(err)) return undefined;
      throw new UnavailableError(`idempotency records cannot be written: ${(err as Error).message}`, { cause: err });
    }
  }
}
