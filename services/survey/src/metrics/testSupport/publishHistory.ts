/**
 * Publishes history events to JetStream exactly as the services do: the
 * conversation relay's subject, `ce-*` headers (sequence and position
 * extensions included) and `Nats-Msg-Id`; the gateway's engagement events
 * as `publishEngagement` sends them. Publishes are pipelined, a window at a time.
 */
import { encodeCloudEventMessage, eventSource, type EncodedCloudEvent } from '@contactcenter/infra/events';
import { jetstream, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HistoryEvent } from './eventHistory';

let position = 0;

export function encodeHistoryEvent(e: HistoryEvent): EncodedCloudEvent {
  if (e.context === 'engagement') {
    return encodeCloudEventMessage(
      `cc.${e.tenantId}.engagement.${e.type}`,
      { id: e.id, source: eventSource(e.region, 'gateway'), type: `contactcenter.engagement.v1.${e.type}`, subject: e.subject, time: e.time, tenantid: e.tenantId },
      e.data,
    );
  }
  return encodeCloudEventMessage(
    `cc.${e.tenantId}.conversation.${e.type}`,
    {
      id: e.id,
      source: eventSource(e.region, 'conversation'),
      type: `contactcenter.conversation.v1.${e.type}`,
      subject: e.subject,
      time: e.time,
      tenantid: e.tenantId,
      extensions: { sequence: String(e.revision ?? 0), position: String(++position) },
    },
    e.data,
  );
}

/** Publishes every event in order; resolves with the last stream sequence. */
export async function publishHistory(nc: NatsConnection, events: Iterable<HistoryEvent>, options: { window?: number } = {}): Promise<number> {
  const js = jetstream(nc);
  const window = options.window ?? 500;
  let inFlight: Promise<PubAck>[] = [];
  let last = 0;
  const settle = async () => {
    for (const ack of await Promise.all(inFlight)) last = Math.max(last, ack.seq);
    inFlight = [];
  };
  for (const e of events) {
    const msg = encodeHistoryEvent(e);
    inFlight.push(js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID, timeout: 30_000 }));
    if (inFlight.length >= window) await settle();
  }
  await settle();
  return last;
}
