import { UnavailableError } from '@contactcenter/infra';

/**
 * Errors of a dependency that is down, restarting or slow, which reach the
 * edge without having been mapped: NATS (a KV read timing out, no responders
 * while JetStream restarts, a connection closed or draining), JetStream's own
 * API errors of that kind, and gRPC transport failures that grpc-js reports
 * as INTERNAL or CANCELLED (a stream reset by a peer that died mid-call).
 * The client should try again, so they are 503 with Retry-After, never 500.
 */
const NATS_TEMPORARY = new Set(['TimeoutError', 'NoResponders', 'NoRespondersError', 'ConnectionError', 'ClosedConnectionError', 'DrainingConnectionError', 'RequestError']);
/** What grpc-js says when the transport, not the service, failed. */
const GRPC_TRANSPORT = /RST_STREAM|Connection dropped|Stream removed|ECONNRESET|ECONNREFUSED|No connection established|Call cancelled|socket hang up/i;
const GRPC_TEMPORARY_CODES = new Set([1 /* CANCELLED */, 8 /* RESOURCE_EXHAUSTED */, 13 /* INTERNAL */, 14 /* UNAVAILABLE */, 4 /* DEADLINE_EXCEEDED */]);

/** The UnavailableError an unmapped error stands for, or undefined when it is a real fault (a 500). */
export function temporaryFaultOf(err: unknown): UnavailableError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { name, message } = err;
  const code = (err as { code?: unknown }).code;
  if (NATS_TEMPORARY.has(name) || (name === 'JetStreamApiError' && /timeout|no responders|leader|unavailable|insufficient resources/i.test(message))) {
    return new UnavailableError('the message bus is not answering right now; try again shortly', { cause: err });
  }
  if (typeof code === 'number' && GRPC_TEMPORARY_CODES.has(code) && 'metadata' in err && (code === 14 || code === 4 || GRPC_TRANSPORT.test(message))) {
    return new UnavailableError('a backend service is not answering right now; try again shortly', { cause: err });
  }
  return undefined;
}
