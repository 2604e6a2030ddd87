import { requireTenantId } from '@contactcenter/infra';
import { isLiveEntry, isLostRace } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import { TenantLimitError, type TenantLimits } from './tenantLimits';

/** Kinds of records indexed per tenant; each is also a token of the index keys. */
export type IndexedKind = 'apikey' | 'widget' | 'webhook';

/** An index entry's value: whether its record counts against the tenant's limit. */
export type IndexStatus = 'live' | 'revoked';

/**
 * Each tenant's share of records kept under their own ids (`apikey.<id>`,
 * `widget.<key>`: found by the key alone when a request presents it), so that
 * listing a tenant's records and counting them against its limit touch only
 * that tenant's subjects: `tenant.<tenant>.<kind>.<id>` → `live` | `revoked`.
 * NATS KV's keys filter is a subject filter, so `tenant.acme.apikey.*` never
 * visits another tenant's entries. (Tenant ids are `[a-z0-9][a-z0-9_-]*` and
 * ids are `[A-Za-z0-9_-]+`: valid subject tokens.)
 *
 * The entry is written before its record and removed after it, so a record
 * always has one; a crash in between leaves an entry without a record, which
 * listings skip (and which counts against the limit until removed).
 *
 * @example
 *   const index = new TenantIndex(kv, 'apikey');
 *   await index.admit('acme', id, 'apiKeys', 100); // then write `apikey.<id>`
 *   await index.ids('acme'); // [id]
 */
export class TenantIndex {
  constructor(
    private readonly kv: KV,
    readonly kind: IndexedKind,
  ) {}

  /** Checks the tenant id: one with `*` or `>` in it would turn a tenant's filter into everyone's. */
  keyOf(tenantId: string, id: string): string {
    return `tenant.${requireTenantId(tenantId)}.${this.kind}.${id}`;
  }

  /** Ids of the tenant's records, live and revoked, in no order. */
  async ids(tenantId: string): Promise<string[]> {
    const prefix = `tenant.${requireTenantId(tenantId)}.${this.kind}.`;
    const out: string[] = [];
    for await (const k of await this.kv.keys(`${prefix}*`)) out.push(k.slice(prefix.length));
    return out;
  }

  /**
   * Writes the entry of a new record, as live, if the tenant has fewer than
   * `max` live ones. Concurrent admissions are ordered by the KV revision of
   * their entries: each, once written, counts the live entries written before
   * it and withdraws when they already reach `max`. So at cap-1 two creates at
   * once cannot both pass (the later revision sees the earlier entry), and no
   * counter can drift: the entries are the count.
   * @throws TenantLimitError, its entry removed.
   */
  async admit(tenantId: string, id: string, limit: keyof TenantLimits, max: number): Promise<void> {
    const key = this.keyOf(tenantId, id);
    const revision = await this.kv.create(key, 'live' satisfies IndexStatus);
    const entries = await Promise.all((await this.ids(tenantId)).map((other) => this.kv.get(this.keyOf(tenantId, other))));
    const before = entries.filter((e) => isLiveEntry(e) && e.string() === 'live' && e.revision < revision).length;
    if (before >= max) {
      await this.kv.delete(key);
      throw new TenantLimitError(limit, max);
    }
  }

  /** Stops the record counting against the limit; it is still listed. Idempotent. */
  async markRevoked(tenantId: string, id: string): Promise<void> {
    await this.kv.put(this.keyOf(tenantId, id), 'revoked' satisfies IndexStatus);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.kv.delete(this.keyOf(tenantId, id));
  }

  /**
   * Indexes records made before the index existed (or by a replica of the
   * previous version during a rolling upgrade): run at every start. Reads
   * the whole index once, then only the records it lacks.
   * @param recordFilter the records' keys, whose last token is the id (`apikey.*`, `*.webhook.*`).
   * @param recordAt the record's tenant and status, undefined when gone.
   * @returns how many entries it added.
   */
  async backfill(recordFilter: string, recordAt: (key: string) => Promise<{ tenantId: string; status: IndexStatus } | undefined>): Promise<number> {
    const idOf = (key: string) => key.slice(key.lastIndexOf('.') + 1);
    const indexed = new Set<string>();
    for await (const k of await this.kv.keys(`tenant.*.${this.kind}.*`)) indexed.add(idOf(k));
    let added = 0;
    for await (const key of await this.kv.keys(recordFilter)) {
      if (indexed.has(idOf(key))) continue;
      const record = await recordAt(key);
      if (!record) continue;
      try {
        // create, not put: a revoke that raced this start has already written the right status.
        await this.kv.create(this.keyOf(record.tenantId, idOf(key)), record.status);
        added++;
      } catch (err) {
        if (!isLostRace(err)) throw err;
      }
    }
    return added;
  }
}
