import type { Logger, NatsConnection } from '@contactcenter/infra';
import { followKv } from '@contactcenter/infra/kv';
import type { KV, KvWatchEntry } from '@nats-io/kv';

/** Called once when the key a live connection depends on is revoked. */
export type RevocationListener = () => void;

/** The records' own keys (`widget.<key>`, `apikey.<id>`, see widgetKeys.ts and apiKeys.ts); any index kept beside them is not a record. */
const WIDGET_RECORD = /^widget\.(wk_[A-Za-z0-9_-]{24})$/;
const API_KEY_RECORD = /^apikey\.([0-9a-f]{24})$/;
/** One watch per prefix: nats-server 2.9 has no multi-subject consumers. Single-token wildcards keep index keys out. */
const WATCHED = ['widget.*', 'apikey.*'] as const;

/**
 * Which widget keys and API keys are revoked, kept current by a watch of the
 * gateway's KV bucket on every replica, and who to tell: live WebSockets
 * and SSE streams register here and are ended within the watch's latency
 * (milliseconds) of a revocation on any replica.
 *
 * Requests do not rely on it alone: they read the key from KV (API keys in
 * `requireApiKey`, widget keys in `requireLiveWidgetKey`), so a revocation
 * refuses the very next request even when this watch lags or is re-opening.
 * A deleted record counts as revoked. Revocation is final, so the sets only
 * grow, by the number of keys ever revoked.
 *
 * @example
 *   const revocations = await Revocations.start(nc, gatewayKv, logger);
 *   const stop = revocations.onApiKeyRevoked(apiKeyId, () => stream.end());
 *   stream.once('close', stop);
 */
export class Revocations {
  private readonly revoked = { widget: new Set<string>(), apikey: new Set<string>() };
  private readonly listeners = { widget: new Map<string, Set<RevocationListener>>(), apikey: new Map<string, Set<RevocationListener>>() };
  private readonly watches: { opened: Promise<void>; stop(): Promise<void> }[] = [];

  private constructor(private readonly logger: Logger) {}

  /**
   * Starts watching (re-opened after a failure and the moment NATS reconnects,
   * replaying current values, so a revocation made meanwhile is not missed);
   * resolves once both watches are open (their replay may still be arriving).
   */
  static async start(nc: NatsConnection, kv: KV, logger: Logger): Promise<Revocations> {
    const revocations = new Revocations(logger);
    for (const key of WATCHED) revocations.watches.push(followKv(nc, kv, { key, name: `revocations ${key}`, logger }, (entry) => revocations.apply(entry)));
    await Promise.all(revocations.watches.map((w) => w.opened));
    return revocations;
  }

  isWidgetKeyRevoked(widgetKey: string): boolean {
    return this.revoked.widget.has(widgetKey);
  }

  isApiKeyRevoked(apiKeyId: string): boolean {
    return this.revoked.apikey.has(apiKeyId);
  }

  /** Calls `listener` once the widget key is revoked (at once if it already is); returns the unsubscribe. */
  onWidgetKeyRevoked(widgetKey: string, listener: RevocationListener): () => void {
    return this.subscribe('widget', widgetKey, listener);
  }

  /** Calls `listener` once the API key is revoked (at once if it already is); returns the unsubscribe. */
  onApiKeyRevoked(apiKeyId: string, listener: RevocationListener): () => void {
    return this.subscribe('apikey', apiKeyId, listener);
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
  }

  private subscribe(kind: 'widget' | 'apikey', id: string, listener: RevocationListener): () => void {
    if (this.revoked[kind].has(id)) {
      listener();
      return () => undefined;
    }
    const set = this.listeners[kind].get(id) ?? new Set();
    set.add(listener);
    this.listeners[kind].set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners[kind].get(id) === set) this.listeners[kind].delete(id);
    };
  }

  private apply(entry: KvWatchEntry): void {
    const widget = WIDGET_RECORD.exec(entry.key);
    const apiKey = widget ? undefined : API_KEY_RECORD.exec(entry.key);
    const [kind, id] = widget ? (['widget', widget[1]!] as const) : apiKey ? (['apikey', apiKey[1]!] as const) : [];
    if (!kind || this.revoked[kind].has(id) || !isRevokedEntry(kind, entry)) return;
    this.revoked[kind].add(id);
    const waiting = this.listeners[kind].get(id);
    this.listeners[kind].delete(id);
    for (const listener of waiting ?? []) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err, key: entry.key }, 'ending a connection of a revoked key failed');
      }
    }
  }

}

function isRevokedEntry(kind: 'widget' | 'apikey', entry: KvWatchEntry): boolean {
  if (entry.operation !== 'PUT' || entry.length === 0) return true;
  try {
    const record = entry.json<{ revoked?: unknown; revokedAt?: unknown }>();
    return kind === 'widget' ? record.revoked === true : record.revokedAt !== undefined;
  } catch {
    return false; // unreadable: the stores refuse it on their own reads
  }
}
