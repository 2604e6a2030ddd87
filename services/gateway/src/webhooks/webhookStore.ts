import { ConcurrencyError, NotFoundError } from '@contactcenter/infra';
import type { CloudEvent } from '@contactcenter/infra/events';
import { isLostRace, jsonOf, openStateBucket } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHash, randomBytes } from 'node:crypto';
import { TenantIndex } from '../store/tenantIndex';
import { DEFAULT_TENANT_LIMITS } from '../store/tenantLimits';
import { DEFAULT_GATEWAY_BUCKET } from '../store/widgetKeys';
import { newWebhookSecret } from './signature';
import { withRotatedSecret, type RetiringSecret } from './webhookSecrets';

/** A tenant's webhook: where to POST which of its events, and the secret that signs them. */
export interface Webhook {
  webhookId: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  description?: string;
  /** `whsec_<base64>` key of `webhook-signature`; returned once, at creation or rotation. */
  secret: string;
  /** Secrets replaced by a rotation, still signing until they expire (see webhookSecrets.ts). */
  retiringSecrets?: RetiringSecret[];
  createdAt: string;
}

export type DeliveryStatus = 'failed' | 'succeeded';

/** A delivery that ran out of attempts (and what became of it when replayed). */
export interface DeliveryRecord {
  deliveryId: string;
  webhookId: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  firstAttemptAt: string;
  lastAttemptAt: string;
  /** Kept so that the delivery can be replayed after the stream has moved on. */
  event: CloudEvent;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const webhookKey = (tenantId: string, webhookId: string) => `${tenantId}.webhook.${webhookId}`;
export const deliveryKey = (tenantId: string, deliveryId: string) => `${tenantId}.delivery.${deliveryId}`;

/**
 * One id per (webhook, event), whatever the number of attempts or replays,
 * and whichever replica fans the event out: sent as `Webhook-Id` so that
 * receivers can deduplicate.
 */
export const deliveryIdOf = (webhookId: string, eventId: string): string =>
  `dlv_${createHash('sha256').update(`${webhookId}\n${eventId}`).digest('hex').slice(0, 32)}`;

/**
 * Webhook definitions and failed deliveries in the gateway's NATS KV bucket,
 * shared by every replica: `<tenant>.webhook.<id>` and `<tenant>.delivery.<id>`.
 * Another tenant's ids answer NOT_FOUND, as if they did not exist. Each
 * webhook also has an entry `tenant.<tenant>.webhook.<id>` (see TenantIndex):
 * its place under the tenant's limit, taken before the definition exists, so
 * that a webhook refused over the limit is never seen by a delivery engine.
 */
export class WebhookStore {
  private readonly slots: TenantIndex;

  /**
   * On the gateway's bucket (see openStateBucket), shared with the other gateway stores.
   * @param maxPerTenant webhooks a tenant may have (TENANT_MAX_WEBHOOKS).
   */
  constructor(
    readonly kv: KV,
    private readonly maxPerTenant = DEFAULT_TENANT_LIMITS.webhooks,
  ) {
    this.slots = new TenantIndex(kv, 'webhook');
  }

  static async open(nc: NatsConnection, bucket = DEFAULT_GATEWAY_BUCKET): Promise<WebhookStore> {
    return new WebhookStore(await openStateBucket(nc, bucket, 'gateway'));
  }

  /** @throws TenantLimitError when the tenant already has `maxPerTenant` webhooks; nothing is written. */
  async create(tenantId: string, input: { url: string; eventTypes: string[]; description?: string }): Promise<Webhook> {
    const webhook: Webhook = {
      webhookId: `wh_${randomBytes(16).toString('base64url')}`,
      tenantId,
      url: input.url,
      eventTypes: input.eventTypes,
      ...(input.description !== undefined ? { description: input.description } : {}),
      secret: newWebhookSecret(),
      createdAt: new Date().toISOString(),
    };
    await this.slots.admit(tenantId, webhook.webhookId, 'webhooks', this.maxPerTenant);
    try {
      await this.kv.create(webhookKey(tenantId, webhook.webhookId), JSON.stringify(webhook));
    } catch (err) {
      await this.slots.remove(tenantId, webhook.webhookId).catch(() => undefined);
      throw err;
    }
    return webhook;
  }

  async list(tenantId: string): Promise<Webhook[]> {
    const out: Webhook[] = [];
    for await (const key of await this.kv.keys(`${tenantId}.webhook.*`)) {
      const found = await this.getJson<Webhook>(key);
      if (found) out.push(found);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** @throws NotFoundError for a missing id or another tenant's. */
  async get(tenantId: string, webhookId: string): Promise<Webhook> {
    const found = ID_RE.test(webhookId) ? await this.getJson<Webhook>(webhookKey(tenantId, webhookId)) : undefined;
    if (!found || found.tenantId !== tenantId) throw new NotFoundError('webhook', webhookId);
    return found;
  }

  /**
   * Gives the webhook a new secret; the old one keeps signing for the grace period.
   * A compare-and-set: two rotations at once never lose a secret silently.
   * @throws NotFoundError for a missing id or another tenant's.
   */
  async rotateSecret(tenantId: string, webhookId: string, now = new Date()): Promise<Webhook> {
    for (let attempt = 1; ; attempt++) {
      const entry = ID_RE.test(webhookId) ? jsonOf<Webhook>(await this.kv.get(webhookKey(tenantId, webhookId))) : undefined;
      if (!entry || entry.value.tenantId !== tenantId) throw new NotFoundError('webhook', webhookId);
      const rotated = withRotatedSecret(entry.value, newWebhookSecret(), now);
      try {
        await this.kv.update(webhookKey(tenantId, webhookId), JSON.stringify(rotated), entry.revision);
        return rotated;
      } catch (err) {
        if (!isLostRace(err)) throw err;
        if (attempt >= 3) throw new ConcurrencyError(webhookKey(tenantId, webhookId), String(entry.revision), 'newer', { cause: err });
      }
    }
  }

  /** Deletes the webhook and its kept deliveries; retries still scheduled find it gone and stop. */
  async delete(tenantId: string, webhookId: string): Promise<void> {
    await this.get(tenantId, webhookId);
    // The place first: a crash in between leaves a webhook without one, which the next start's backfill gives back.
    await this.slots.remove(tenantId, webhookId);
    await this.kv.delete(webhookKey(tenantId, webhookId));
    for (const d of await this.listDeliveries(tenantId, webhookId)) await this.kv.delete(deliveryKey(tenantId, d.deliveryId));
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    await this.kv.put(deliveryKey(record.tenantId, record.deliveryId), JSON.stringify(record));
  }

  /** @throws NotFoundError unless the delivery is kept for this webhook of this tenant. */
  async getDelivery(tenantId: string, webhookId: string, deliveryId: string): Promise<DeliveryRecord> {
    const found = ID_RE.test(deliveryId) ? await this.getJson<DeliveryRecord>(deliveryKey(tenantId, deliveryId)) : undefined;
    if (!found || found.tenantId !== tenantId || found.webhookId !== webhookId) throw new NotFoundError('delivery', deliveryId);
    return found;
  }

  async findDelivery(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    return this.getJson<DeliveryRecord>(deliveryKey(tenantId, deliveryId));
  }

  /** Kept deliveries of one webhook, oldest first. Scans the tenant's delivery keys: fine for hundreds, not millions. */
  async listDeliveries(tenantId: string, webhookId: string, status?: DeliveryStatus): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for await (const key of await this.kv.keys(`${tenantId}.delivery.*`)) {
      const found = await this.getJson<DeliveryRecord>(key);
      if (found && found.webhookId === webhookId && (!status || found.status === status)) out.push(found);
    }
    return out.sort((a, b) => a.firstAttemptAt.localeCompare(b.firstAttemptAt));
  }

  /** Gives webhooks made before per-tenant places existed theirs (see TenantIndex.backfill); at every start. */
  async indexLegacyWebhooks(): Promise<number> {
    return this.slots.backfill('*.webhook.*', async (key) => {
      const w = await this.getJson<Webhook>(key);
      return w && { tenantId: w.tenantId, status: 'live' };
    });
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    const entry = await this.kv.get(key);
    return jsonOf<T>(entry)?.value;
  }
}
