import type { Logger, NatsConnection } from '@contactcenter/infra';
import { followKv } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { Webhook } from './webhookStore';

/**
 * Every tenant's webhook definitions in memory, kept current by a KV watch so
 * that the delivery engine never reads KV per event. Loads a snapshot first,
 * then watches (the watch replays the latest values, then follows changes);
 * each key keeps the highest revision seen, so the two never undo each other.
 * A change made on another replica reaches this cache within the watch's
 * latency (milliseconds): events published in that window are matched
 * against the previous definitions.
 */
export class WebhookCache {
  private readonly byKey = new Map<string, { revision: number; webhook?: Webhook }>();
  private watch?: { stop(): Promise<void> };

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for await (const key of await this.kv.keys('*.webhook.*')) {
      const entry = await this.kv.get(key);
      if (entry) this.apply(entry);
    }
    // Re-opened after a failure and the moment NATS reconnects, replaying the latest values.
    this.watch = followKv(this.nc, this.kv, { key: '*.webhook.*', name: 'webhook definitions', logger: this.logger }, (entry) => this.apply(entry));
  }

  /** The tenant's webhooks now. */
  forTenant(tenantId: string): Webhook[] {
    const out: Webhook[] = [];
    for (const { webhook } of this.byKey.values()) if (webhook?.tenantId === tenantId) out.push(webhook);
    return out;
  }

  get(tenantId: string, webhookId: string): Webhook | undefined {
    const w = this.byKey.get(`${tenantId}.webhook.${webhookId}`)?.webhook;
    return w?.tenantId === tenantId ? w : undefined;
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
  }

  private apply(entry: { key: string; revision: number; operation: string; length: number; json<T>(): T }): void {
    const known = this.byKey.get(entry.key);
    if (known && known.revision >= entry.revision) return;
    let webhook: Webhook | undefined;
    if (entry.operation === 'PUT' && entry.length > 0) {
      try {
        webhook = entry.json<Webhook>();
      } catch (err) {
        this.logger.warn({ err, key: entry.key }, 'ignoring an unreadable webhook definition');
      }
    }
    this.byKey.set(entry.key, { revision: entry.revision, ...(webhook ? { webhook } : {}) });
  }
}
