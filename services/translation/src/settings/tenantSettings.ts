import { isWellFormedLanguageTag, requireTenantId } from '@contactcenter/infra';
import type { CannedResponse } from '../memory/cannedResponses';
import { ValidationError } from '@contactcenter/infra/errors';
import { jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export const DEFAULT_TRANSLATION_BUCKET = 'cc_translation';

export interface TenantSettings {
  enabled: boolean;
  /** '' : the service's default provider. */
  provider: string;
  glossary: string[];
}

export const DEFAULT_SETTINGS: TenantSettings = { enabled: true, provider: '', glossary: [] };

const MAX_TERMS = 500;
const CANNED_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A canned response with its versions written by people (BCP 47 tag → text). */
export interface CannedResponseRecord extends CannedResponse {
  title: string;
}

/** @throws ValidationError naming the field. */
export function validateCanned(c: CannedResponseRecord, maxChars: number): CannedResponseRecord {
  if (!CANNED_ID.test(c.id)) throw new ValidationError('canned_response.canned_response_id', 'must be 1-64 letters, digits, "-" or "_"');
  if (c.title.length > 200) throw new ValidationError('canned_response.title', 'at most 200 characters');
  const entries = Object.entries(c.versions);
  if (entries.length === 0) throw new ValidationError('canned_response.versions', 'at least one language version is required');
  const versions: Record<string, string> = {};
  for (const [tag, text] of entries) {
    if (!isWellFormedLanguageTag(tag)) throw new ValidationError(`canned_response.versions[${tag}]`, 'the key must be a BCP 47 language tag');
    if (text.trim() === '' || text.length > maxChars) throw new ValidationError(`canned_response.versions[${tag}]`, `must be 1 to ${maxChars} characters`);
    versions[tag.toLowerCase()] = text;
  }
  return { id: c.id, title: c.title, versions };
}

/** @throws ValidationError naming the field; `providers` are the names this service offers. */
export function validateSettings(s: TenantSettings, providers: readonly string[]): TenantSettings {
  if (s.provider !== '' && !providers.includes(s.provider)) {
    throw new ValidationError('settings.provider', `unknown provider ${JSON.stringify(s.provider)}; this service offers ${providers.join(', ') || 'none'}`);
  }
  if (s.glossary.length > MAX_TERMS) throw new ValidationError('settings.glossary', `at most ${MAX_TERMS} terms`);
  s.glossary.forEach((t, i) => {
    if (t.trim() === '' || t.length > 100) throw new ValidationError(`settings.glossary[${i}]`, 'must be 1-100 characters');
  });
  return { enabled: s.enabled, provider: s.provider, glossary: [...new Set(s.glossary.map((t) => t.trim()))] };
}

/** Per-tenant translation settings in NATS KV (`<tenant>.settings`), shared by every replica; cached briefly. */
export class TenantSettingsStore {
  private readonly cache = new Map<string, { at: number; value: TenantSettings }>();

  private constructor(
    private readonly kv: KV,
    private readonly cacheMs: number,
  ) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_TRANSLATION_BUCKET, cacheMs = 2_000): Promise<TenantSettingsStore> {
    return new TenantSettingsStore(await openStateBucket(nc, bucket, 'translation'), cacheMs);
  }

  async get(tenantId: string): Promise<TenantSettings> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.value;
    const stored = jsonOf<TenantSettings>(await this.kv.get(`${requireTenantId(tenantId)}.settings`));
    const value = stored ? { ...DEFAULT_SETTINGS, ...stored.value } : DEFAULT_SETTINGS;
    this.cache.set(tenantId, { at: Date.now(), value });
    return value;
  }

  async putCanned(tenantId: string, canned: CannedResponseRecord): Promise<CannedResponseRecord> {
    await this.kv.put(`${requireTenantId(tenantId)}.canned.${canned.id}`, JSON.stringify(canned));
    return canned;
  }

  async getCanned(tenantId: string, id: string): Promise<CannedResponseRecord | undefined> {
    if (!CANNED_ID.test(id)) return undefined;
    return jsonOf<CannedResponseRecord>(await this.kv.get(`${requireTenantId(tenantId)}.canned.${id}`))?.value;
  }

  async listCanned(tenantId: string): Promise<CannedResponseRecord[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${requireTenantId(tenantId)}.canned.*`)) keys.push(k);
    const found = await Promise.all(keys.sort().map((k) => this.getCanned(tenantId, k.split('.')[2]!)));
    return found.filter((c): c is CannedResponseRecord => c !== undefined);
  }

  async put(tenantId: string, settings: TenantSettings): Promise<TenantSettings> {
    await this.kv.put(`${requireTenantId(tenantId)}.settings`, JSON.stringify(settings));
    this.cache.set(tenantId, { at: Date.now(), value: settings });
    return settings;
  }
}
