import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope } from '../plugins/apiKeyAuth';
import { TenantIndex } from './tenantIndex';
import { DEFAULT_TENANT_LIMITS } from './tenantLimits';
import { DEFAULT_GATEWAY_BUCKET } from './widgetKeys';

/** A stored API key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  apiKeyId: string;
  tenantId: string;
  name: string;
  scopes: ApiKeyScope[];
  /** hex SHA-256 of the whole key string. */
  keyHash: string;
  createdAt: string;
  revokedAt?: string;
}

const KEY_RE = /^cck_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;
const ID_RE = /^[0-9a-f]{24}$/;

// A plain SHA-256 is enough: the secret is 256 random bits, so there is no
// dictionary to brute-force (a slow password hash would only slow every request).
const hashOf = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * Integrators' API keys in NATS KV, shared by every gateway replica:
 * `apikey.<id>`, indexed per tenant by `tenant.<tenant>.apikey.<id>` (see
 * TenantIndex) so that a listing reads only its tenant's keys. A key is
 * `cck_<id>_<secret>`: the id finds the record, then the SHA-256 of the
 * presented key is compared in constant time.
 *
 * @example
 *   const { key, record } = await apiKeys.create('acme', { name: 'CRM sync', scopes: ['events:read'] });
 *   (await apiKeys.authenticate(key))?.tenantId; // 'acme'
 */
export class ApiKeys {
  private readonly index: TenantIndex;

  /**
   * On the gateway's bucket (see openStateBucket), shared with the other gateway stores.
   * @param maxLive live keys a tenant may have (TENANT_MAX_API_KEYS).
   */
  constructor(
    private readonly kv: KV,
    private readonly maxLive = DEFAULT_TENANT_LIMITS.apiKeys,
  ) {
    this.index = new TenantIndex(kv, 'apikey');
  }

  static async open(nc: NatsConnection, bucket = DEFAULT_GATEWAY_BUCKET): Promise<ApiKeys> {
    return new ApiKeys(await openStateBucket(nc, bucket, 'gateway'));
  }

  /**
   * A new key; `key` is returned here only, never stored.
   * @throws TenantLimitError when the tenant already has `maxLive` live keys; nothing is written.
   */
  async create(tenantId: string, spec: { name: string; scopes: ApiKeyScope[] }): Promise<{ key: string; record: ApiKeyRecord }> {
    const apiKeyId = randomBytes(12).toString('hex');
    const key = `cck_${apiKeyId}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      apiKeyId,
      tenantId,
      name: spec.name,
      scopes: [...new Set(spec.scopes)],
      keyHash: hashOf(key).toString('hex'),
      createdAt: new Date().toISOString(),
    };
    await this.index.admit(tenantId, apiKeyId, 'apiKeys', this.maxLive);
    try {
      await this.kv.create(`apikey.${apiKeyId}`, JSON.stringify(record));
    } catch (err) {
      await this.index.remove(tenantId, apiKeyId).catch(() => undefined);
      throw err;
    }
    return { key, record };
  }

  /** The tenant's keys, revoked ones included, oldest first. Reads the tenant's own keys only, whatever other tenants hold. */
  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    const found = await Promise.all((await this.index.ids(tenantId)).map((id) => this.get(id)));
    // The tenant check keeps a stray index entry from ever showing another tenant's key.
    const out = found.filter((r): r is ApiKeyRecord => r?.tenantId === tenantId);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.apiKeyId.localeCompare(b.apiKeyId));
  }

  async get(apiKeyId: string): Promise<ApiKeyRecord | undefined> {
    if (!ID_RE.test(apiKeyId)) return undefined;
    const entry = await this.kv.get(`apikey.${apiKeyId}`);
    return jsonOf<ApiKeyRecord>(entry)?.value;
  }

  /** The live record of a presented key; undefined when malformed, unknown, wrong or revoked. */
  async authenticate(presentedKey: string): Promise<ApiKeyRecord | undefined> {
    const m = KEY_RE.exec(presentedKey);
    if (!m) return undefined;
    const record = await this.get(m[1]!);
    if (!record || record.revokedAt !== undefined) return undefined;
    const expected = Buffer.from(record.keyHash, 'hex');
    const actual = hashOf(presentedKey);
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? record : undefined;
  }

  /** Revokes a key of `tenantId`; idempotent. NOT_FOUND for another tenant's key: nothing leaks. */
  async revoke(tenantId: string, apiKeyId: string): Promise<void> {
    const found = await this.get(apiKeyId);
    if (!found || found.tenantId !== tenantId) throw new NotFoundError('API key', apiKeyId);
    if (found.revokedAt === undefined) await this.kv.put(`apikey.${apiKeyId}`, JSON.stringify({ ...found, revokedAt: new Date().toISOString() }));
    // Also when already revoked: a retry after a failure here still frees the key's place under the limit.
    await this.index.markRevoked(tenantId, apiKeyId);
  }

  /**
   * Stores another region's copy of one of its keys (regions/keyReplication.ts):
   * the same id, tenant and hash, so the same key authenticates here. A new
   * live key counts against the tenant's limit here as where it was made; a
   * key revoked here stays revoked whatever the copy says (revocation is final).
   * @throws TenantLimitError (nothing written), IllegalStateError when this id holds another tenant's or another hash's key.
   */
  async putCopy(copy: ApiKeyRecord): Promise<void> {
    const recordKey = `apikey.${copy.apiKeyId}`;
    for (let attempt = 1; ; attempt++) {
      const found = jsonOf<ApiKeyRecord>(await this.kv.get(recordKey));
      try {
        if (found) {
          if (found.value.tenantId !== copy.tenantId || found.value.keyHash !== copy.keyHash) throw new IllegalStateError(`API key ${copy.apiKeyId} is another key in this region`);
          const revokedAt = found.value.revokedAt ?? copy.revokedAt;
          if (revokedAt === found.value.revokedAt) return; // nothing else of a key ever changes
          await this.kv.update(recordKey, JSON.stringify({ ...found.value, revokedAt }), found.revision);
          await this.index.markRevoked(copy.tenantId, copy.apiKeyId);
          return;
        }
        // Index entry first, as in create: a record always has one.
        if (copy.revokedAt !== undefined) await this.index.markRevoked(copy.tenantId, copy.apiKeyId);
        else await this.index.admit(copy.tenantId, copy.apiKeyId, 'apiKeys', this.maxLive);
        try {
          await this.kv.create(recordKey, JSON.stringify(copy));
        } catch (err) {
          await this.index.remove(copy.tenantId, copy.apiKeyId).catch(() => undefined);
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
  async discard(tenantId: string, apiKeyId: string): Promise<void> {
    const found = await this.get(apiKeyId);
    if (!found || found.tenantId !== tenantId) return;
    await this.kv.delete(`apikey.${apiKeyId}`);
    await this.index.remove(tenantId, apiKeyId);
  }

  /** Indexes keys made before the per-tenant index (see TenantIndex.backfill); at every start. */
  async indexLegacyKeys(): Promise<number> {
    return this.index.backfill('apikey.*', async (key) => {
      const r = await this.get(key.slice('apikey.'.length));
      return r && { tenantId: r.tenantId, status: r.revokedAt === undefined ? 'live' : 'revoked' };
    });
  }
}
