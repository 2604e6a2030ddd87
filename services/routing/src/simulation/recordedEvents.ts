import { ValidationError } from '@contactcenter/infra/errors';
import { decodeCloudEvent, DEFAULT_STREAM, eventFilter, parseEventSubject } from '@contactcenter/infra/events';
import { DeliverPolicy, jetstream, jetstreamManager, type Consumer } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RecordedEvent } from './recordedWindow';

/** Conversations queued in a window started at most this long before it (their start says channel and language). */
const CONVERSATION_LOOKBACK_MS = 6 * 3_600_000;
/** Events are published a little after they happen (the relay's lag): read this far past the window's end. */
const PUBLISH_SLACK_MS = 60_000;
/** More than this in one window is not replayed in one request: choose a shorter window. */
const MAX_EVENTS = 2_000_000;

export interface WindowQuery {
  tenantId: string;
  start: number;
  end: number;
  stream?: string;
}

/**
 * Reads a tenant's recorded traffic for a replay from the events stream,
 * read-only, through ordered consumers (ephemeral, nothing acknowledged or
 * written): its conversation events from a little before the window
 * (DeliverPolicy.StartTime), and its presence events from the oldest
 * retained, so that who was at work and what they held when the window
 * opened is known. Events come back in time order.
 *
 * @throws ValidationError (`window.start`) when the window begins before the
 *   oldest event the stream retains: the replay would miss traffic.
 * @example
 *   const events = await readRecordedEvents(nc, { tenantId: 'acme', start: Date.parse('2026-03-02T00:00Z'), end: Date.parse('2026-03-03T00:00Z') });
 */
export async function readRecordedEvents(nc: NatsConnection, q: WindowQuery): Promise<RecordedEvent[]> {
  const stream = q.stream ?? DEFAULT_STREAM;
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  const oldest = Date.parse(info.state.first_ts);
  if (info.state.messages > 0 && q.start < oldest) {
    throw new ValidationError('window.start', `the events are retained from ${new Date(oldest).toISOString()}; the window starts before that`);
  }
  const js = jetstream(nc);
  const until = q.end + PUBLISH_SLACK_MS;
  const conversation = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Math.max(oldest || 0, q.start - CONVERSATION_LOOKBACK_MS)).toISOString(),
    filter_subjects: eventFilter({ tenantId: q.tenantId, context: 'conversation' }),
  });
  const conversationEvents = await drain(conversation, until);
  const presence = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All, filter_subjects: eventFilter({ tenantId: q.tenantId, context: 'presence' }) });
  const presenceEvents = await drain(presence, until);
  // Stable: events of one instant keep their stream order.
  return [...conversationEvents, ...presenceEvents].sort((a, b) => a.at - b.at);
}

async function drain(consumer: Consumer, until: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  try {
    // Asked before fetching: nothing matching means nothing to wait for.
    if ((await consumer.info(true)).num_pending === 0) return out;
    for (;;) {
      const messages = await consumer.fetch({ max_messages: 1_000, expires: 1_000 });
      let received = 0;
      for await (const m of messages) {
        received++;
        if (Number(m.timestampNanos / 1_000_000n) > until) return out;
        const e = toRecorded(m.subject, decodeOrSkip(m));
        if (e) out.push(e);
        if (out.length > MAX_EVENTS) throw new ValidationError('window', `more than ${MAX_EVENTS} events to replay; choose a shorter window`);
        if (m.info.pending === 0) return out;
      }
      if (received === 0) return out;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

function decodeOrSkip(m: Parameters<typeof decodeCloudEvent>[0]) {
  try {
    return decodeCloudEvent(m);
  } catch {
    // Not a CloudEvent: nothing a replay can use.
    return undefined;
  }
}

function toRecorded(subject: string, event: ReturnType<typeof decodeCloudEvent> | undefined): RecordedEvent | undefined {
  const parts = parseEventSubject(subject);
  if (!event || !parts) return undefined;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const at = Date.parse(String(data.occurredAt ?? event.time ?? ''));
  if (!Number.isFinite(at)) return undefined;
  return { context: parts.context, type: parts.eventType, at, data };
}
