import type { Logger } from '@contactcenter/infra';
import { UnavailableError } from '@contactcenter/infra/errors';
import { followKv, isLiveEntry } from '@contactcenter/infra/kv';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentRecord, StatusCatalog } from '../domain/agent';

/** A record with the KV revision it was read at. */
export type Stored = { record: AgentRecord; revision: number };

/** How long a read waits for the index to catch up with the bucket before answering UNAVAILABLE. */
const CATCH_UP_MS = 3_000;

/**
 * Every agent record and status catalog of the presence bucket, in memory,
 * kept up to date by a watch on the bucket (this service's own storage): a
 * list of ten thousand agents, the sweep for silent agents and the status
 * catalog of every call are read here instead of key by key from NATS. Each
 * key keeps the highest revision seen, so a replay after a reconnect or an
 * answer to this replica's own write never goes back in time.
 *
 * Writes still go to the bucket with compare-and-set; the index only tells
 * them where to start. A read that must include every write made before it
 * (a list) first waits until the watch has passed the bucket's last sequence.
 */
export class PresenceIndex {
  private readonly agents = new Map<string, Map<string, Stored>>();
  private readonly catalogs = new Map<string, { catalog: StatusCatalog; revision: number }>();
  private seen = 0;
  private readonly waiters = new Set<{ revision: number; resolve: () => void }>();
  private readonly watch: { opened: Promise<void>; stop(): Promise<void> };

  private constructor(
    nc: NatsConnection,
    private readonly kv: KV,
    logger: Logger,
  ) {
    this.watch = followKv(nc, kv, { key: '>', name: 'presence index', logger }, (e) => this.onEntry(e));
    // A closed connection ends the watch for good (tests close theirs; the service drains at shutdown).
    void nc.closed().then(() => this.watch.stop());
  }

  static async open(nc: NatsConnection, kv: KV, logger: Logger): Promise<PresenceIndex> {
    const index = new PresenceIndex(nc, kv, logger);
    await index.watch.opened;
    return index;
  }

  stop(): Promise<void> {
    for (const w of this.waiters) w.resolve();
    return this.watch.stop();
  }

  get(tenantId: string, agentId: string): Stored | undefined {
    return this.agents.get(tenantId)?.get(agentId);
  }

  /** Every agent of a tenant (or of all tenants with `'*'`) as the index holds them now. */
  list(tenantId: string): Stored[] {
    if (tenantId !== '*') return [...(this.agents.get(tenantId)?.values() ?? [])];
    return [...this.agents.values()].flatMap((m) => [...m.values()]);
  }

  /** The tenant's status catalog as last seen; undefined when the index has none for it. */
  statuses(tenantId: string): StatusCatalog | undefined {
    return this.catalogs.get(tenantId)?.catalog;
  }

  /** This replica wrote `stored`: known at once, without waiting for the watch. */
  wrote(tenantId: string, agentId: string, stored: Stored): void {
    this.putAgent(tenantId, agentId, stored);
  }

  wroteStatuses(tenantId: string, catalog: StatusCatalog, revision: number): void {
    const known = this.catalogs.get(tenantId);
    if (!known || known.revision < revision) this.catalogs.set(tenantId, { catalog, revision });
  }

  /**
   * Resolves once the index holds every write the bucket had when called.
   * @throws UnavailableError when the bucket cannot be asked or the watch does not catch up in time.
   */
  async caughtUp(): Promise<void> {
    let last: number;
    try {
      last = (await this.kv.status()).streamInfo.state.last_seq;
    } catch (err) {
      throw new UnavailableError(`presence KV: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    if (this.seen >= last) return;
    let waiter!: { revision: number; resolve: () => void };
    const reached = new Promise<void>((resolve) => this.waiters.add((waiter = { revision: last, resolve })));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`presence index is behind the bucket (at ${this.seen} of ${last}); retry shortly`)), CATCH_UP_MS);
    });
    try {
      await Promise.race([reached, late]);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    }
  }

  private onEntry(e: KvWatchEntry): void {
    const [tenantId, kind, agentId] = e.key.split('.');
    const { revision } = e;
    const live = isLiveEntry(e);
    if (tenantId) {
      // Not newer than what the index holds (this replica's own write coming back, `wrote`; a replay): nothing to parse.
      if (kind === 'agent' && agentId && (this.get(tenantId, agentId)?.revision ?? 0) < revision) {
        if (live) this.putAgent(tenantId, agentId, { record: e.json<AgentRecord>(), revision });
        else this.agents.get(tenantId)?.delete(agentId);
      } else if (kind === 'statuses') {
        this.wroteStatuses(tenantId, live ? new Map(Object.entries(e.json<Record<string, boolean>>())) : new Map<string, boolean>(), revision);
      }
    }
    if (revision > this.seen) {
      this.seen = revision;
      for (const w of this.waiters) if (w.revision <= this.seen) (w.resolve(), this.waiters.delete(w));
    }
  }

  private putAgent(tenantId: string, agentId: string, stored: Stored): void {
    let tenant = this.agents.get(tenantId);
    if (!tenant) this.agents.set(tenantId, (tenant = new Map()));
    const known = tenant.get(agentId);
    if (!known || known.revision < stored.revision) tenant.set(agentId, stored);
  }
}
