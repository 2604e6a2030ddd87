import type { Logger } from '@contactcenter/infra';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
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
  private watcher?: QueuedIterator<KvWatchEntry>;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for await (const key of await this.kv.keys('*.webhook.*')) {
      const entry = await this.kv.get(key);
      if (entry) this.apply(entry);
    }
    this.loop = this.watchLoop();
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
    this.stopped = true;
    this.watcher?.stop();
    await this.loop;
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

  /** Re-opens the watch after an error (e.g. a NATS restart), resuming from the latest values. */
  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        this.watcher = await this.kv.watch({ key: '*.webhook.*' });
        if (this.stopped) this.watcher.stop();
        for await (const entry of this.watcher) this.apply(entry);
      } catch (err) {
        if (!this.stopped) this.logger.warn({ err }, 'webhook definitions watch failed; re-opening');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
