import { ValidationError, UnavailableError } from '@contactcenter/infra';
import { DEFAULT_STREAM, eventFilter, follow } from '@contactcenter/infra/events';
import { createLogger, type Logger } from '@contactcenter/infra';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** The requested `after` is older than what the stream still holds: resuming from it would skip events. */
export class PositionExpiredError extends Error {
  override readonly name = 'PositionExpiredError';
  readonly code = 'position_expired' as const;
  constructor(readonly after: number, readonly firstAvailable: number) {
    super(`events after position ${after} are no longer kept (the oldest is ${firstAvailable}); reload through REST and reconnect without after`);
  }
}

export interface EventFeed {
  /** The position the feed resumes after: the client's `after`, or the stream's end when it gave none. */
  position: number;
  messages: AsyncIterable<JsMsg>;
  /**
   * Stops pulling and deletes the ephemeral consumer now: the server would
   * otherwise keep it until its 5-minute inactivity threshold, and clients
   * that reconnect often would pile them up.
   */
  close(): Promise<void>;
}

/**
 * One tenant's events from the events stream, strictly after a position, in
 * stream order: an ordered consumer (ephemeral, server-side filtered to
 * `cc.<tenant>.>`, recreated from the last sequence handed out after a
 * disconnect or a NATS restart) starting at `after + 1`. Stored events and live ones come
 * through the same consumer, so there is no seam where an event could be
 * missed or sent twice. One filter subject only: nats-server 2.9 has no
 * `filter_subjects` lists; the caller narrows further.
 *
 * @throws ValidationError when `after` is beyond the stream's end,
 *         PositionExpiredError when it is older than the stream keeps,
 *         UnavailableError when the stream does not exist (yet).
 */
export async function openEventFeed(nc: NatsConnection, options: { tenantId: string; after?: number; stream?: string; logger?: Logger }): Promise<EventFeed> {
  const stream = options.stream ?? DEFAULT_STREAM;
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) throw new UnavailableError(`events stream ${stream} does not exist yet`, { cause: err });
    throw err;
  });
  const { first_seq: first, last_seq: last } = info.state;
  const after = options.after ?? last;
  if (after > last) throw new ValidationError('after', `position ${after} is beyond the end of the events (${last})`);
  if (after + 1 < first) throw new PositionExpiredError(after, first);
  // Followed through a NATS restart at once, from the last event handed out (see follow.ts).
  const messages = follow(nc, {
    name: `event-feed-${options.tenantId}`,
    stream,
    consumer: { ordered: { filterSubject: eventFilter({ tenantId: options.tenantId }), start: { afterSeq: after } } },
    logger: options.logger ?? quiet,
    maxMessages: 256,
    observed: false, // one per socket
  });
  // The consumer exists before the client is told where it starts: nothing published meanwhile is missed or counted twice.
  await messages.open();
  return {
    position: after,
    messages,
    async close() {
      messages.stop();
    },
  };
}

const quiet: Logger = createLogger('event-feed', 'silent');
