import type { Logger } from '@contactcenter/infra';
import { decodeCloudEvent, eventFilter, parseEventSubject } from '@contactcenter/infra/events';
import { homeRegionOf, regionEventsPrefix, type RegionSettings } from '@contactcenter/infra/regions';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { toHubEvent, type HubEvent } from './interest';

/**
 * The live events of conversations homed in another region, for the sockets
 * of this replica that follow them (multi-region mode only). Each region's
 * NATS account imports every other region's events, unstored, under
 * `region-events.<home>.` (regionEventsPrefix; scripts/natsRegionConfig.ts),
 * so one core subscription per followed conversation,
 * `region-events.<home>.cc.<tenant>.*.*.<conversation>`, carries exactly its
 * events: **one** per conversation and tenant however many sockets of this
 * replica follow it, taken when the first does and dropped when the last
 * stops (the hub counts them by its index: `follow` / `unfollow`).
 *
 * Such events have no position in this region's stream: they are handed on
 * with `seq` 0 and `region` set, and a reconnecting client reads these
 * conversations again by REST (forwarded to their home region) instead of
 * resuming them with `after`. Nothing is read back: what was published while
 * no socket here followed the conversation is not delivered.
 *
 * @example
 *   const remote = new RemoteConversationEvents(nc, { region: 'us', regions: ['eu', 'us'] }, logger, (e) => hub.dispatchRemote(e));
 *   remote.isRemote('eu_42'); // true
 *   remote.follow('acme', 'eu_42'); // subscribes region-events.eu.cc.acme.*.*.eu_42
 *   remote.unfollow('acme', 'eu_42'); // unsubscribes
 */
export class RemoteConversationEvents {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly regions: RegionSettings,
    private readonly logger: Logger,
    private readonly deliver: (e: HubEvent) => void,
  ) {}

  /** The other region `conversationId` lives in; undefined when it lives here (or its id names no region). */
  homeOf(conversationId: string): string | undefined {
    const home = homeRegionOf(conversationId, this.regions.regions);
    return home !== undefined && home !== this.regions.region ? home : undefined;
  }

  isRemote(conversationId: string): boolean {
    return this.homeOf(conversationId) !== undefined;
  }

  /** Core NATS subscriptions open now (one per followed remote conversation and tenant). */
  get size(): number {
    return this.subscriptions.size;
  }

  /** The first socket of this replica follows it: subscribe. Idempotent. */
  follow(tenantId: string, conversationId: string): void {
    const home = this.homeOf(conversationId);
    const k = key(tenantId, conversationId);
    if (home === undefined || this.subscriptions.has(k)) return;
    const prefix = regionEventsPrefix(home);
    let subject: string;
    try {
      subject = prefix + eventFilter({ tenantId, aggregateId: conversationId });
    } catch (err) {
      // An id that is no subject token was never followed by a socket (frames.ts checks them); nothing to subscribe.
      this.logger.warn({ err, tenant_id: tenantId, conversation_id: conversationId }, 'remote conversation not followed');
      return;
    }
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const parsed = parseEventSubject(msg.subject.slice(prefix.length));
        if (!parsed || parsed.tenantId !== tenantId) return;
        let e: HubEvent;
        try {
          e = toHubEvent(0, parsed.tenantId, parsed.context, parsed.eventType, parsed.aggregateId, decodeCloudEvent(msg));
        } catch (err) {
          this.logger.warn({ err, subject: msg.subject }, 'undecodable event of another region skipped');
          return;
        }
        this.deliver({ ...e, region: home });
      },
    });
    this.subscriptions.set(k, sub);
  }

  /** The last socket of this replica stopped following it: unsubscribe. */
  unfollow(tenantId: string, conversationId: string): void {
    const k = key(tenantId, conversationId);
    this.subscriptions.get(k)?.unsubscribe();
    this.subscriptions.delete(k);
  }

  stop(): void {
    for (const sub of this.subscriptions.values()) sub.unsubscribe();
    this.subscriptions.clear();
  }
}

const key = (tenantId: string, conversationId: string) => `${tenantId}\u0000${conversationId}`;
