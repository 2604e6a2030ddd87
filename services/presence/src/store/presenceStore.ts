import { requireTenantId } from '@contactcenter/infra';
import { isDomainError, NotFoundError, UnavailableError } from '@contactcenter/infra/errors';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentRecord, StatusCatalog, Transition } from '../domain/agent';

export const DEFAULT_PRESENCE_BUCKET = 'cc_presence';

/** A record with the KV revision it was read at. */
export type Stored = { record: AgentRecord; revision: number };

const MAX_ATTEMPTS = 100;
const LIST_BATCH = 256;

/**
 * Agent presence in one NATS KV bucket, shared by every presence replica:
 * `<tenant>.agent.<agentId>` holds an AgentRecord, `<tenant>.statuses` the
 * tenant-defined statuses. Every write is a compare-and-set on the revision
 * it read (`kv.update`), retried on a lost race, so concurrent writers on any
 * replica never overwrite each other: a capacity check and the reservation it
 * allows are one atomic step.
 */
export class PresenceStore {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_PRESENCE_BUCKET, options: { replicas?: number } = {}): Promise<PresenceStore> {
    return new PresenceStore(await openStateBucket(nc, bucket, 'presence', { replicas: options.replicas ?? 1 }));
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
    const { current, written } = await this.compareAndSet<AgentRecord>(agentKey(tenantId, agentId), (entry) =>
      transition(entry && { record: entry.value, revision: entry.revision }).record,
    );
    const stored = written ?? current;
    return { stored: stored && { record: stored.value, revision: stored.revision }, changed: written !== undefined };
  }

  /** Every agent of a tenant (or of all tenants with `'*'`). */
  async list(tenantId: string): Promise<Stored[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${tenantId === '*' ? '*' : requireTenantId(tenantId)}.agent.*`)) keys.push(key);
    // Many reads in flight at once: one at a time, 10,000 agents took seconds.
    const out: Stored[] = [];
    for (let i = 0; i < keys.length; i += LIST_BATCH) {
      for (const stored of await Promise.all(keys.slice(i, i + LIST_BATCH).map((k) => this.read(k)))) if (stored) out.push(stored);
    }
    return out;
  }

  async statuses(tenantId: string): Promise<StatusCatalog> {
    const entry = await this.readJson<Record<string, boolean>>(statusesKey(tenantId));
    return new Map(Object.entries(entry?.value ?? {}));
  }

  /** Adds or redefines a tenant status (compare-and-set, like agents). */
  async defineStatus(tenantId: string, name: string, acceptsWork: boolean): Promise<StatusCatalog> {
    const { written } = await this.compareAndSet<Record<string, boolean>>(statusesKey(tenantId), (entry) => ({ ...entry?.value, [name]: acceptsWork }));
    return new Map(Object.entries(written!.value));
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
