import { encodeCloudEventMessage, ensureEventStream, eventSource, eventSubject } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { JETSTREAM_REQUEST_TIMEOUT_MS } from '@contactcenter/infra';
import type { NatsConnection } from '@nats-io/transport-node';

const streamReady = new WeakMap<NatsConnection, Promise<unknown>>();

export const ENGAGEMENT_TYPE_PREFIX = 'contactcenter.engagement.v1.';

/**
 * Proactive engagement facts on `cc.<tenant>.engagement.<Type>.<invitation>`
 * (InvitationSent, InvitationAccepted) as CloudEvents, for conversion
 * metrics and integrators. Ids derive from the invitation, so a retried
 * publish is kept once.
 */
export async function publishEngagement(nc: NatsConnection, region: string, tenantId: string, type: 'InvitationSent' | 'InvitationAccepted', invitationId: string, data: Record<string, unknown>): Promise<void> {
  let ensured = streamReady.get(nc);
  if (!ensured) streamReady.set(nc, (ensured = jetstreamManager(nc).then((jsm) => ensureEventStream(jsm))));
  await ensured;
  const msg = encodeCloudEventMessage(
    eventSubject(tenantId, 'engagement', type, invitationId),
    { id: `invitation:${tenantId}:${invitationId}:${type}`, source: eventSource(region, 'gateway'), type: ENGAGEMENT_TYPE_PREFIX + type, subject: invitationId, time: new Date(), tenantid: tenantId },
    { invitationId, ...data },
  );
  await jetstream(nc).publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID, timeout: JETSTREAM_REQUEST_TIMEOUT_MS });
}
