import { sleepUnlessAborted, type Logger } from '@contactcenter/infra';
import { isLostRace, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

export const DEFAULT_LEASE_BUCKET = 'cc_relay_leases';
/**
 * 3 s: renewed every second, a lease survives a NATS restart or a pause of
 * about two seconds; a relay SIGKILLed and restarted (or a standby) publishes
 * again within about 3.5 s, inside the recovery bounds the chaos suite holds.
 */
export const DEFAULT_LEASE_TTL_MS = 3_000;
/** A standby asks this often at most: taking over soon after expiry costs one small KV request per period. */
const STANDBY_RETRY_MS = 500;

/** A lease this process holds: `lost` aborts the moment it may no longer act on it. */
export interface HeldLease {
  readonly holder: string;
  readonly lost: AbortSignal;
  /** Gives the lease up at once (the next contender need not wait for it to expire). */
  release(): Promise<void>;
}

/**
 * Leases in a NATS KV bucket, one key per relay name, so that exactly one
 * relay of a name publishes, however many are running.
 *
 * A lease is taken with `create` (which fails while the key exists) and
 * renewed every third of its time to live with an `update` that names the
 * revision this holder wrote last: a renewal fails when anyone else wrote the
 * key since, or when it expired. Expiry is the server's: the bucket's
 * `max_age` is the lease's time to live (nats-server 2.9 has no per-key TTL,
 * but every renewal is a new message, so the key lives `ttlMs` after its last
 * renewal). The holder counts its own time from the moment it *sent* the last
 * successful renewal, which is before the server stored it: it stops acting
 * before the server can hand the lease to anyone else (clocks' rates aside;
 * JetStream's duplicate window covers a publish still in flight).
 *
 * @example
 *   const leases = await RelayLeases.open(nc, { ttlMs: 5_000, logger });
 *   const lease = await leases.acquire('conversation', stopSignal); // waits while another holds it
 *   lease.lost; // aborted when a renewal failed: stop publishing
 */
export class RelayLeases {
  private constructor(
    private readonly kv: KV,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, options: { bucket?: string; ttlMs?: number; replicas?: number; logger: Logger }): Promise<RelayLeases> {
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    // File storage (the default): the bucket and its holder survive a NATS restart shorter than the lease.
    const kv = await openStateBucket(nc, options.bucket ?? DEFAULT_LEASE_BUCKET, 'relay lease', { ttl: ttlMs, replicas: options.replicas });
    const status = await kv.status();
    if (status.ttl !== ttlMs) {
      // The bucket was made with another LEASE_TTL_MS: the server's expiry would not match the holders' counting.
      throw new Error(`relay lease bucket ${status.bucket} expires keys after ${status.ttl} ms, but RELAY_LEASE_TTL_MS is ${ttlMs}: give every relay the same value (or delete the bucket)`);
    }
    return new RelayLeases(kv, ttlMs, options.logger);
  }

  /** Renewal period: a third of the time to live, so two renewals may fail before the lease is lost. */
  private get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /**
   * Waits until this process holds the lease of `name`, trying every half
   * second (or third of the time to live, if shorter); undefined if `stop`
   * aborts first.
   */
  async acquire(name: string, stop: AbortSignal, holder = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`): Promise<HeldLease | undefined> {
    let waitingSince: number | undefined;
    let failures = 0;
    while (!stop.aborted) {
      const sentAt = performance.now();
      try {
        const revision = await this.kv.create(name, this.value(holder));
        this.logger.info({ relay: name, holder, waited_ms: waitingSince === undefined ? 0 : Math.round(performance.now() - waitingSince) }, 'relay lease acquired');
        return this.hold(name, holder, revision, sentAt, stop);
      } catch (err) {
        if (!isLostRace(err)) {
          if (failures++ % 20 === 0) this.logger.warn({ err, relay: name, attempt: failures }, 'cannot ask for the relay lease; retrying');
        }
        else if (waitingSince === undefined) this.logger.info({ relay: name, holder: await this.currentHolder(name) }, 'another relay holds the lease; standing by');
        waitingSince ??= performance.now();
      }
      await sleepUnlessAborted(Math.min(STANDBY_RETRY_MS, this.renewEveryMs), stop);
    }
    return undefined;
  }

  private hold(name: string, holder: string, revision: number, sentAt: number, stop: AbortSignal): HeldLease {
    const lost = new AbortController();
    const released = new AbortController();
    let validUntil = sentAt + this.ttlMs;
    let watchdog: NodeJS.Timeout | undefined;
    const lose = (why: string, err?: unknown) => {
      if (lost.signal.aborted || released.signal.aborted) return;
      clearTimeout(watchdog);
      this.logger.warn({ err, relay: name, holder }, `relay lease lost: ${why}`);
      lost.abort(new Error(`relay lease lost: ${why}`));
    };
    // Whatever a renewal request is doing, the lease ends when its time is up.
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => lose(`not renewed within ${this.ttlMs} ms`), Math.max(0, validUntil - performance.now()));
    };
    arm();
    const done = AbortSignal.any([lost.signal, released.signal, stop]);

    const renewals = (async () => {
      let failures = 0;
      while (!done.aborted) {
        await sleepUnlessAborted(failures === 0 ? this.renewEveryMs : Math.min(250, this.renewEveryMs), done);
        if (done.aborted) break;
        const renewSentAt = performance.now();
        try {
          revision = await this.kv.update(name, this.value(holder), revision, this.timeoutMs);
          if (done.aborted) break;
          validUntil = renewSentAt + this.ttlMs;
          failures = 0;
          arm();
        } catch (err) {
          // Anyone else's write, or expiry, moved the revision: the lease is someone else's now.
          if (isLostRace(err)) return lose('another relay holds it now, or it expired', err);
          failures++;
          if (failures === 1) this.logger.warn({ err, relay: name }, 'renewing the relay lease failed; retrying until it expires');
        }
      }
    })();

    return {
      holder,
      lost: lost.signal,
      release: async () => {
        if (released.signal.aborted) return;
        released.abort();
        clearTimeout(watchdog);
        await renewals;
        if (lost.signal.aborted) return;
        // Only our own revision: never delete a lease someone else took meanwhile.
        await this.kv.delete(name, { previousSeq: revision }).catch(() => undefined); // expires by itself otherwise
        this.logger.info({ relay: name, holder }, 'relay lease released');
      },
    };
  }

  private get timeoutMs(): number {
    return Math.max(250, Math.floor(this.ttlMs / 3));
  }

  private value(holder: string): string {
    return JSON.stringify({ holder, renewedAt: new Date().toISOString(), ttlMs: this.ttlMs });
  }

  private async currentHolder(name: string): Promise<string | null> {
    const entry = await this.kv.get(name).catch(() => null);
    try {
      return entry && entry.operation === 'PUT' ? (entry.json<{ holder?: string }>().holder ?? null) : null;
    } catch {
      return null;
    }
  }
}
