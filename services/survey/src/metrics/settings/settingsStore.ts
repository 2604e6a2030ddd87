import { jsonOf } from '@contactcenter/infra/kv';
import { MetricsSettings } from '@contactcenter/proto/survey/v1';
import type { KV } from '@nats-io/kv';
import { DEFAULT_METRICS_SETTINGS } from './metricsSettings';

/**
 * Metrics settings per tenant in NATS KV (the survey service's bucket),
 * key `metrics.<tenant>`, value proto3 JSON. Shared by every replica; read
 * on each query, so a change applies to the next query (and to history).
 *
 * @example
 *   const settings = new MetricsSettingsStore(kv);
 *   await settings.put('acme', validateMetricsSettings(request.settings));
 *   (await settings.get('acme')).timeZone; // 'UTC' until set
 */
export class MetricsSettingsStore {
  constructor(private readonly kv: KV) {}

  private key = (tenantId: string) => `metrics.${tenantId}`;

  /** The tenant's settings, or the defaults (UTC, 7-day FCR window, no conversion tags, no business hours). */
  async get(tenantId: string): Promise<MetricsSettings> {
    const found = jsonOf<unknown>(await this.kv.get(this.key(tenantId)));
    return found ? MetricsSettings.fromJSON(found.value) : { ...DEFAULT_METRICS_SETTINGS };
  }

  /** Replaces the tenant's settings (already validated). */
  async put(tenantId: string, settings: MetricsSettings): Promise<void> {
    await this.kv.put(this.key(tenantId), JSON.stringify(MetricsSettings.toJSON(settings)));
  }
}
