import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TenantIndex } from './tenantIndex';
import { DEFAULT_TENANT_LIMITS } from './tenantLimits';

export const DEFAULT_GATEWAY_BUCKET = 'cc_gateway';

/** A tenant's public widget key: embedded in the customer's web page, so it is no secret by itself. */
export interface WidgetKey {
  widgetKey: string;
  tenantId: string;
  /** Signs customer ids (HMAC-SHA256) on the tenant's own server; never shown to visitors. */
  identitySecret: string;
  createdAt: string;
  revoked: boolean;
  /**
   * Origins (`https://shop.example.com`) whose pages may use the key from a
   * browser (CORS); normalized by schemas/origins.ts. Absent on keys made
   * before origins existed, which allow no browser origin.
   */
  allowedOrigins?: string[];
}

/**
 * Widget keys in NATS KV, shared by every gateway replica: `widget.<key>`
 * (found by the key alone when a visitor presents it), indexed per tenant by
 * `tenant.<tenant>.widget.<key>` (see TenantIndex) so that a listing reads
 * only its tenant's keys.
 * A visitor session may claim a customer id only with the HMAC-SHA256 of it
 * under the key's identity secret, computed by the tenant's server, so a
 * visitor cannot open someone else's history by typing their id.
 */
export class WidgetKeys {
  private readonly index: TenantIndex;

  /**
   * On the gateway's bucket (see openStateBucket), shared with the other gateway stores.
   * @param maxLive live keys a tenant may have (TENANT_MAX_WIDGET_KEYS).
   */
  constructor(
    private readonly kv: KV,
    private readonly maxLive = DEFAULT_TENANT_LIMITS.widgetKeys,
  ) {
    this.index = new TenantIndex(kv, 'widget');
  }

  static async open(nc: NatsConnection, bucket = DEFAULT_GATEWAY_BUCKET): Promise<WidgetKeys> {
    return new WidgetKeys(await openStateBucket(nc, bucket, 'gateway'));
  }

  /** @throws TenantLimitError when the tenant already has `maxLive` live keys; nothing is written. */
  async create(tenantId: string, allowedOrigins: string[] = []): Promise<WidgetKey> {
    const key: WidgetKey = {
      widgetKey: `wk_${randomBytes(18).toString('base64url')}`,
      tenantId,
      identitySecret: randomBytes(32).toString('hex'),
      createdAt: new Date().toISOString(),
      revoked: false,
      allowedOrigins,
    };
    await this.index.admit(tenantId, key.widgetKey, 'widgetKeys', this.maxLive);
    try {
      await this.kv.create(`widget.${key.widgetKey}`, JSON.stringify(key));
    } catch (err) {
      await this.index.remove(tenantId, key.widgetKey).catch(() => undefined);
      throw err;
    }
    return key;
  }

  /** The tenant's keys, revoked ones included, oldest first. Reads the tenant's own keys only, whatever other tenants hold. */
  async list(tenantId: string): Promise<WidgetKey[]> {
    const found = await Promise.all((await this.index.ids(tenantId)).map((k) => this.get(k)));
    // The tenant check keeps a stray index entry from ever showing another tenant's key.
    const out = found.filter((k): k is WidgetKey => k?.tenantId === tenantId);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async get(widgetKey: string): Promise<WidgetKey | undefined> {
    if (!/^wk_[A-Za-z0-9_-]{24}$/.test(widgetKey)) return undefined;
    const entry = await this.kv.get(`widget.${widgetKey}`);
    return jsonOf<WidgetKey>(entry)?.value;
  }

  /**
   * Replaces the allowed origins of a key of `tenantId` (NOT_FOUND for another
   * tenant's key). A compare-and-set, so a concurrent revoke is never undone.
   */
  async setAllowedOrigins(tenantId: string, widgetKey: string, allowedOrigins: string[]): Promise<WidgetKey> {
    for (let attempt = 1; ; attempt++) {
      const found = /^wk_[A-Za-z0-9_-]{24}$/.test(widgetKey) ? jsonOf<WidgetKey>(await this.kv.get(`widget.${widgetKey}`)) : undefined;
      if (!found || found.value.tenantId !== tenantId) throw new NotFoundError('widget key', widgetKey);
      const updated: WidgetKey = { ...found.value, allowedOrigins };
      try {
        await this.kv.update(`widget.${widgetKey}`, JSON.stringify(updated), found.revision);
        return updated;
      } catch (err) {
        if (!isLostRace(err) || attempt >= 3) throw err;
      }
    }
  }

  /** Revokes a key of `tenantId` (NOT_FOUND for another tenant's key: nothing leaks). */
  async revoke(tenantId: string, widgetKey: string): Promise<void> {
    const found = await this.get(widgetKey);
    if (!found || found.tenantId !== tenantId) throw new NotFoundError('widget key', widgetKey);
    await this.kv.put(`widget.${widgetKey}`, JSON.stringify({ ...found, revoked: true }));
    await this.index.markRevoked(tenantId, widgetKey);
  }

  /**
   * Stores another region's copy of one of its keys (regions/keyReplication.ts):
   * the same key, tenant and identity secret, with its allowed origins. A new
   * live key counts against the tenant's limit here as where it was made; a
   * key revoked here stays revoked whatever the copy says (revocation is final).
   * @throws TenantLimitError (nothing written), IllegalStateError when this id holds another tenant's or another secret's key.
   */
  async putCopy(copy: WidgetKey): Promise<void> {
    const recordKey = `widget.${copy.widgetKey}`;
    for (let attempt = 1; ; attempt++) {
      const found = jsonOf<WidgetKey>(await this.kv.get(recordKey));
      try {
        if (found) {
          if (found.value.tenantId !== copy.tenantId || found.value.identitySecret !== copy.identitySecret) throw new IllegalStateError(`widget key ${copy.widgetKey} is another key in this region`);
          const merged: WidgetKey = { ...found.value, allowedOrigins: copy.allowedOrigins ?? [], revoked: found.value.revoked || copy.revoked };
          await this.kv.update(recordKey, JSON.stringify(merged), found.revision);
          if (merged.revoked) await this.index.markRevoked(copy.tenantId, copy.widgetKey);
          return;
        }
        // Index entry first, as in create: a record always has one.
        if (copy.revoked) await this.index.markRevoked(copy.tenantId, copy.widgetKey);
        else await this.index.admit(copy.tenantId, copy.widgetKey, 'widgetKeys', this.maxLive);
        try {
          await this.kv.create(recordKey, JSON.stringify(copy));
        } catch (err) {
          await this.index.remove(copy.tenantId, copy.widgetKey).catch(() => undefined);
          throw err;
        }
        return;
      } catch (err) {
        // Two copies of the same change at once (a retried forward): read again and merge.
        if (!isLostRace(err) || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Deletes a key of `tenantId` and its index entry, record first: undoes a
   * create that did not reach every region (regions/keyReplication.ts). A
   * deleted key counts as revoked (store/revocations.ts). Another tenant's
   * key, or none, is left alone.
   */
  async discard(tenantId: string, widgetKey: string): Promise<void> {
    const found = await this.get(widgetKey);
    if (!found || found.tenantId !== tenantId) return;
    await this.kv.delete(`widget.${widgetKey}`);
    await this.index.remove(tenantId, widgetKey);
  }

  /** Indexes keys made before the per-tenant index (see TenantIndex.backfill); at every start. */
  async indexLegacyKeys(): Promise<number> {
    return this.index.backfill('widget.*', async (key) => {
      const k = await this.get(key.slice('widget.'.length));
      return k && { tenantId: k.tenantId, status: k.revoked ? 'revoked' : 'live' };
    });
  }
}

/** hex HMAC-SHA256 of the customer id under the widget key's identity secret, as the tenant's server computes it. */
export const identityHash = (secret: string, customerId: string): string => createHmac('sha256', secret).update(customerId).digest('hex');

export function identityMatches(secret: string, customerId: string, given: string): boolean {
  const expected = Buffer.from(identityHash(secret, customerId), 'hex');
  const actual = Buffer.from(/^[0-9a-f]{64}$/i.test(given) ? given : '', 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
