import { encodeCloudEventMessage, ensureEventStream, eventSource, eventSubject, type EventStreamOptions } from '@contactcenter/infra/events';
import { JETSTREAM_REQUEST_TIMEOUT_MS, type Logger } from '@contactcenter/infra';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Change } from '../domain/agent';

export const TYPE_PREFIX = 'contactcenter.presence.v1.';

/** `cc.<tenant>.presence.<EventType>.<agent>` */
export const presenceSubject = (tenantId: string, type: string, agentId: string) => eventSubject(tenantId, 'presence', type, agentId);

/**
 * Publishes presence changes to the shared events stream as CloudEvents
 * (`ce-subject` = agent id). The id of each event is derived from the KV
 * revision of the write that made it, so a retried publish is dropped by
 * JetStream's duplicate window and every replica would name it alike.
 */
export class PresenceEvents {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly region: string,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, region: string, logger: Logger, stream: EventStreamOptions = {}): Promise<PresenceEvents> {
    await ensureEventStream(await jetstreamManager(nc), stream);
    return new PresenceEvents(jetstream(nc), region, logger);
  }

  async publish(tenantId: string, agentId: string, revision: number, changes: Change[], at: number): Promise<void> {
    for (const [i, change] of changes.entries()) {
      const id = `presence:${tenantId}:${agentId}:${revision}:${i}`;
      const msg = encodeCloudEventMessage(
        presenceSubject(tenantId, change.type, agentId),
        { id, source: eventSource(this.region, 'presence'), type: TYPE_PREFIX + change.type, subject: agentId, time: new Date(at), tenantid: tenantId, extensions: { revision: String(revision) } },
        { agentId, ...change.data },
      );
      for (let attempt = 1; ; attempt++) {
        try {
          await this.js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID, timeout: JETSTREAM_REQUEST_TIMEOUT_MS });
          break;
        } catch (err) {
          if (attempt >= 5) {
            // The state is written; only its announcement is late. Say so loudly.
            this.logger.error({ err, event_id: id, type: change.type }, 'presence event not published');
            throw err;
          }
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    }
  }
}
