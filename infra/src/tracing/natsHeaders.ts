import type { MsgHdrs } from '@nats-io/transport-node';

/** The W3C header on NATS messages; the same value travels as the CloudEvents extension `ce-traceparent`. */
export const TRACEPARENT_HEADER = 'traceparent';
const CE_TRACEPARENT_HEADER = 'ce-traceparent';

/**
 * Sets `traceparent` on a message both ways a consumer may look for it: the
 * plain W3C header (what generic NATS tooling reads) and the CloudEvents
 * Distributed Tracing extension (what a CloudEvents consumer reads).
 */
export function setTraceHeaders(headers: MsgHdrs, traceparent: string | undefined): void {
  if (!traceparent || !/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(traceparent)) return;
  headers.set(TRACEPARENT_HEADER, traceparent);
  headers.set(CE_TRACEPARENT_HEADER, traceparent);
}

/** The `traceparent` a message carries (the W3C header, else the CloudEvents extension). */
export function traceparentOfMessage(msg: { headers?: MsgHdrs }): string | undefined {
  const h = msg.headers;
  if (!h) return undefined;
  if (h.has(TRACEPARENT_HEADER)) return h.get(TRACEPARENT_HEADER);
  if (h.has(CE_TRACEPARENT_HEADER)) return h.get(CE_TRACEPARENT_HEADER);
  return undefined;
}
