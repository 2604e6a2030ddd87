import type { Logger } from '@contactcenter/infra';
import { decodeCloudEvent, parseEventSubject } from '@contactcenter/infra/events';
import { regionEventsPrefix, type RegionSettings } from '@contactcenter/infra/regions';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { toHubEvent, type HubEvent } from './interest';

/** Every other region's assignments, as each region account imports them (scripts/natsRegionConfig.ts). */
export const REMOTE_ASSIGNMENTS_SUBJECT = 'region-events.*.cc.*.conversation.AgentAssigned.>';

/**
 * Assignments made in another region to an agent of this one (follow-the-sun:
 * AgentAssigned with `agentRegion` naming this region), for that agent's
 * sockets on this replica (multi-region mode only). An agent's socket follows
 * the conversations assigned to it, but another region's conversation is in
 * no stream of this region: without this, the agent learns of the assignment
 * only when the desk reads its list again.
 *
 * **One** core subscription per replica on every other region's AgentAssigned
 * (not per agent or socket: assignments are few, and the filter on
 * `agentRegion` is a field of the data, not of the subject). Like
 * RemoteConversationEvents, they are handed on live with `seq` 0 and
 * `region` = the conversation's home region; nothing is read back.
 * ConversationTransferred is not taken: it does not say which region its
 * `toAgentId` works in.
 *
 * @example
 *   const assignments = new RemoteAgentAssignments(nc, { region: 'us', regions: ['eu', 'us'] }, logger, (e, agentId) => hub.dispatchToAgent(e, agentId));
 *   assignments.start(); // region-events.*.cc.*.conversation.AgentAssigned.>
 */
export class RemoteAgentAssignments {
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly regions: RegionSettings,
    private readonly logger: Logger,
    private readonly deliver: (e: HubEvent, agentId: string) => void,
  ) {}

  start(): void {
    if (this.subscription) return;
    this.subscription = this.nc.subscribe(REMOTE_ASSIGNMENTS_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        const read = this.read(msg.subject, () => decodeCloudEvent(msg));
        if (read) this.deliver(read.event, read.agentId);
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** The assignment and its agent when it is of another region's conversation to an agent of this region; else undefined. */
  private read(subject: string, decode: () => ReturnType<typeof decodeCloudEvent>): { event: HubEvent; agentId: string } | undefined {
    const [root, home] = subject.split('.', 2);
    if (root !== 'region-events' || home === undefined || home === this.regions.region || !this.regions.regions.includes(home)) return undefined;
    const parsed = parseEventSubject(subject.slice(regionEventsPrefix(home).length));
    if (!parsed || parsed.context !== 'conversation' || parsed.eventType !== 'AgentAssigned') return undefined;
    let e: HubEvent;
    try {
      e = toHubEvent(0, parsed.tenantId, parsed.context, parsed.eventType, parsed.aggregateId, decode());
    } catch (err) {
      this.logger.warn({ err, subject }, 'undecodable assignment of another region skipped');
      return undefined;
    }
    const { agentId, agentRegion } = e.data;
    if (agentRegion !== this.regions.region || typeof agentId !== 'string' || agentId === '') return undefined;
    return { event: { ...e, region: home }, agentId };
  }
}
