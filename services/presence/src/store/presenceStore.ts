import { createLogger, requireTenantId, type Logger } from '@contactcenter/infra';
import { isDomainError, NotFoundError, UnavailableError } from '@contactcenter/infra/errors';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentRecord, StatusCatalog, Transition } from '../domain/agent';
import { PresenceIndex, type Stored } from './presenceIndex';

export type { Stored } from './presenceIndex';

export const DEFAULT_PRESENCE_BUCKET = 'cc_presence';

const MAX_ATTEMPTS = 100;

/**
 * Agent presence in one NATS KV bucket, shared by every presence replica:
 * `<tenant>.agent.<agentId>` holds an AgentRecord, `<tenant>.statuses` the
 * tenant-defined statuses. Every write is a compare-and-set on the revision
 * it read (`kv.update`), retried on a lost race, so concurrent writers on any
 * replica never overwrite each other: a capacity check and the reservation it
 * allows are one atomic step.
 *
 * Reads of many agents (a list, the sweep) and of status catalogs come from
 * a PresenceIndex that watches the bucket; a change starts from the index's
 * copy and falls back to reading the key only when that copy turns out stale
 * (the compare-and-set says so), or when the change would write nothing or
 * refuse: such answers are only given from a fresh read.
 */
export class PresenceStore {
  private constructor(
    readonly kv: KV,
    private readonly index: PresenceIndex,
  ) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_PRESENCE_BUCKET, options: { replicas?: number; logger?: Logger } = {}): Promise<PresenceStore> {
    const kv = await openStateBucket(nc, bucket, 'presence', { replicas: options.replicas ?? 1 });
    return new PresenceStore(kv, await PresenceIndex.open(nc, kv, options.logger ?? createLogger('presence', 'silent')));
  }

  /** Stops watching the bucket. */
  close(): Promise<void> {
    return this.index.stop();
  }

  async get(tenantId: string, agentId: string): Promise<Stored | undefined> {
    return this.read(agentKey(tenantId, agentId));
  }

  async require(tenantId: string, agentId: string): Promise<Stored> {
    const stored = await this.get(tenantId, agentId);
    if (!stored) throw new NotFoundError('agent', agentId);
    return stored;
  }

  /**
   * Applies `transition` to the agent's current record and writes the result
   * if nobody wrote in between; otherwise reads again and re-applies. An
   * absent agent is passed as undefined (the transition creates it, or
   * returns an undefined record to write nothing). A transition that returns
   * the record it was given writes nothing and returns what was read.
   */
  async mutate(
    tenantId: string,
    agentId: string,
    transition: (current: Stored | undefined) => Transition,
  ): Promise<{ stored: Stored | undefined; changed: boolean }> {
    const key = agentKey(tenantId, agentId);
    const written = await this.fromIndex(key, this.index.get(tenantId, agentId), transition);
    if (written) {
      this.index.wrote(tenantId, agentId, written);
      return { stored: written, changed: true };
    }
    const { current, written: fresh } = await this.compareAndSet<AgentRecord>(key, (entry) => transition(entry && { record: entry.value, revision: entry.revision }).record);
    const stored = fresh ?? current;
    const result = stored && { record: stored.value, revision: stored.revision };
    if (result) this.index.wrote(tenantId, agentId, result);
    return { stored: result, changed: fresh !== undefined };
  }

  /**
   * One write from the index's copy, without reading the key first: the
   * compare-and-set on its revision proves the copy was current. Undefined
   * when there is no copy, the change writes nothing or refuses (those
   * answers come from a fresh read), or the copy was stale.
   */
  private async fromIndex(key: string, cached: Stored | undefined, transition: (current: Stored | undefined) => Transition): Promise<Stored | undefined> {
    if (!cached) return undefined;
    let next: AgentRecord;
    try {
      next = transition(cached).record;
    } catch {
      return undefined;
    }
    if (next === undefined || next === cached.record) return undefined;
    try {
      return { record: next, revision: await this.kv.update(key, JSON.stringify(next), cached.revision) };
    } catch (err) {
      if (isLostRace(err)) return undefined;
      throw unavailable(err);
    }
  }

  /** Every agent of a tenant (or of all tenants with `'*'`), including every write made before the call. */
  async list(tenantId: string): Promise<Stored[]> {
    if (tenantId !== '*') requireTenantId(tenantId);
    await this.index.caughtUp();
    return this.index.list(tenantId);
  }

  /** Every agent of every tenant as the index holds them now, without waiting for it (the sweep: it runs again soon). */
  snapshot(): Stored[] {
    return this.index.list('*');
  }

  /** The tenant's statuses; `fresh` reads the bucket rather than the index (e.g. right after another replica defined one). */
  async statuses(tenantId: string, options: { fresh?: boolean } = {}): Promise<StatusCatalog> {
    const cached = options.fresh ? undefined : this.index.statuses(requireTenantId(tenantId));
    if (cached) return cached;
    const entry = await this.readJson<Record<string, boolean>>(statusesKey(tenantId));
    const catalog = new Map(Object.entries(entry?.value ?? {}));
    // None defined is remembered too (at revision 0: any definition the watch brings replaces it).
    this.index.wroteStatuses(tenantId, catalog, entry?.revision ?? 0);
    return catalog;
  }

  /** Adds or redefines a tenant status (compare-and-set, like agents). */
  async defineStatus(tenantId: string, name: string, acceptsWork: boolean): Promise<StatusCatalog> {
    const { written } = await this.compareAndSet<Record<string, boolean>>(statusesKey(tenantId), (entry) => ({ ...entry?.value, [name]: acceptsWork }));
    const catalog = new Map(Object.entries(written!.value));
    this.index.wroteStatuses(tenantId, catalog, written!.revision);
    return catalog;
  }

  private async read(key: string): Promise<Stored | undefined> {
    const entry = await this.readJson<AgentRecord>(key);
    return entry && { record: entry.value, revision: entry.revision };
  }

  private async readJson<V>(key: string): Promise<Versioned<V> | undefined> {
    let entry: KvEntry | null;
    try {
      entry = await this.kv.get(key);
    } catch (err) {
      throw unavailable(err);
    }
    return jsonOf<V>(entry);
  }

  /**
   * Reads `key`, computes its next value and writes it only if nobody wrote
   * in between (`kv.update` on the revision read, `kv.create` when absent);
   * on a lost race, reads and computes again. `next` returning undefined or
   * the value it was given writes nothing.
   */
  private async compareAndSet<V>(
    key: string,
    next: (current: Versioned<V> | undefined) => V | undefined,
  ): Promise<{ current: Versioned<V> | undefined; written?: Versioned<V> }> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readJson<V>(key);
      const value = next(current);
      if (value === undefined || value === current?.value) return { current };
      try {
        const payload = JSON.stringify(value);
        const revision = current ? await this.kv.update(key, payload, current.revision) : await this.kv.create(key, payload);
        return { current, written: { value, revision } };
      } catch (err) {
        if (!isLostRace(err)) throw unavailable(err);
        if (attempt >= MAX_ATTEMPTS) throw new UnavailableError(`${key} changed on every one of ${MAX_ATTEMPTS} attempts`, { cause: err });
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt * 2)));
      }
    }
  }
}

type Versioned<V> = { value: V; revision: number };

const statusesKey = (tenantId: string) => `${requireTenantId(tenantId)}.statuses`;


export const agentKey = (tenantId: string, agentId: string) => `${requireTenantId(tenantId)}.agent.${agentId}`;

function unavailable(err: unknown): Error {
  if (isDomainError(err)) return err;
  return new UnavailableError(`presence KV: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
