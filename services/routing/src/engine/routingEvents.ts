import { JETSTREAM_REQUEST_TIMEOUT_MS, type Logger } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream, eventSource, eventSubject } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export const TYPE_PREFIX = 'contactcenter.routing.v1.';

export type RoutingEventType = 'OfferMade' | 'OfferDeclined' | 'OfferExpired' | 'ConversationOverflowed';

/**
 * Publishes routing's own facts (offers made, declined, expired; overflow)
 * as CloudEvents on `cc.<tenant>.routing.<Type>.<conversation>`. The event id comes from the
 * offer's KV revision, so the same fact published by two replicas or twice
 * by one is kept once by JetStream. Assignments themselves are the
 * conversation's AgentAssigned events, with the decision inside.
 */
export class RoutingEvents {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly region: string,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, region: string, logger: Logger): Promise<RoutingEvents> {
    await ensureEventStream(await jetstreamManager(nc));
    return new RoutingEvents(jetstream(nc), region, logger);
  }

  async publish(tenantId: string, conversationId: string, type: RoutingEventType, idPart: string | number, data: Record<string, unknown>): Promise<void> {
    const id = `routing:${tenantId}:${conversationId}:${idPart}:${type}`;
    const msg = encodeCloudEventMessage(
      eventSubject(tenantId, 'routing', type, conversationId),
      { id, source: eventSource(this.region, 'routing'), type: TYPE_PREFIX + type, subject: conversationId, time: new Date(), tenantid: tenantId },
      { conversationId, ...data },
    );
    try {
      await this.js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID, timeout: JETSTREAM_REQUEST_TIMEOUT_MS });
    } catch (err) {
      // The state is in KV and the conversation's events; only the announcement is lost.
      this.logger.warn({ err, event_id: id }, 'routing event not published');
    }
  }
}
