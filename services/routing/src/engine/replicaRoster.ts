import type { Logger } from '@contactcenter/infra';
import { followKv, isLiveEntry, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export interface RosterOptions {
  /** KV bucket of the replicas' heartbeats (in memory: nothing in it outlives its writers). */
  bucket: string;
  /** This replica's name (its key). */
  replica: string;
  /** A replica not heard from for this long is taken to be gone. */
  goneAfterMs: number;
  logger: Logger;
}

/** How long stopping waits for NATS to take this replica's key away (not holding a shutdown whose NATS is gone). */
const STOP_WAIT_MS = 500;

/** Dead replicas' keys are purged by age; liveness itself is judged by `goneAfterMs`. */
const PURGE_AFTER_MS = 10 * 60_000;

/**
 * Which routing replicas are alive, so that a replica can tell whether it is
 * alone. Each replica puts its key every `goneAfterMs / 4` and deletes it
 * when it stops; every replica watches the keys. A replica is alone when no
 * other replica was heard from within `goneAfterMs` and its own watch works
 * (it has seen its own heartbeat, which comes after every older key in the
 * watch's replay). Until then it is not alone.
 *
 * A replica alone skips the offer claims that keep replicas off one
 * another's conversations (see OfferBook). Capacity does not rest on them:
 * presence refuses a reservation beyond capacity, and the conversation a
 * second assignee, whose reservation its replica then releases. So a wrong
 * answer (a replica cut off from NATS, taken for gone) costs duplicated work
 * on a few conversations, never an agent over capacity.
 *
 * @example
 *   const roster = await ReplicaRoster.open(nc, { bucket: 'cc_routing_replicas', replica, goneAfterMs: 10_000, logger });
 *   if (roster.alone()) ... // no other replica can be acting on a conversation
 *   await roster.stop();    // deletes this replica's key: the others know at once
 */
export class ReplicaRoster {
  /** Other replicas, by when this replica last heard from each (its own clock). */
  private readonly heard = new Map<string, number>();
  private seenSelf = false;
  private beat: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly kv: KV,
    private readonly watch: { opened: Promise<void>; stop(): Promise<void> },
    private readonly options: RosterOptions,
    private readonly now: () => number,
  ) {}

  static async open(nc: NatsConnection, options: RosterOptions, now: () => number = Date.now): Promise<ReplicaRoster> {
    const kv = await openStateBucket(nc, options.bucket, 'routing replicas', { storage: 'memory', ttl: PURGE_AFTER_MS });
    let roster: ReplicaRoster | undefined;
    const watch = followKv(nc, kv, { key: '>', name: 'routing replicas', logger: options.logger }, (e) => roster?.onEntry(e.key, isLiveEntry(e)));
    roster = new ReplicaRoster(kv, watch, options, now);
    await watch.opened;
    await roster.heartbeat();
    return roster;
  }

  /** No other replica is alive, as far as this one can tell for sure. */
  alone(): boolean {
    if (!this.seenSelf || this.stopped) return false;
    const since = this.now() - this.options.goneAfterMs;
    for (const at of this.heard.values()) if (at > since) return false;
    return true;
  }

  /** Other replicas heard from within `goneAfterMs`. */
  others(): string[] {
    const since = this.now() - this.options.goneAfterMs;
    return [...this.heard].filter(([, at]) => at > since).map(([r]) => r);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.beat);
    await this.watch.stop();
    // The others learn at once that it stopped; with NATS unreachable they find out after goneAfterMs instead.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.kv.delete(this.options.replica).catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private onEntry(replica: string, live: boolean): void {
    if (replica === this.options.replica) {
      this.seenSelf = true;
      return;
    }
    if (live) {
      if (!this.heard.has(replica)) this.options.logger.info({ replica: this.options.replica, other: replica }, 'another routing replica is running');
      this.heard.set(replica, this.now());
    } else if (this.heard.delete(replica)) {
      this.options.logger.info({ replica: this.options.replica, other: replica }, 'a routing replica stopped');
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.kv.put(this.options.replica, JSON.stringify({ at: new Date(this.now()).toISOString() }));
    } catch (err) {
      // Unheard for goneAfterMs, the others take this replica for gone (see above); it keeps trying.
      this.options.logger.warn({ err }, 'routing replica heartbeat failed');
    }
    if (!this.stopped) {
      this.beat = setTimeout(() => void this.heartbeat(), Math.max(100, Math.floor(this.options.goneAfterMs / 4)));
      this.beat.unref();
    }
  }
}
