import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ACTOR_KEY, REQUEST_ID_KEY, TENANT_KEY, TRACEPARENT_KEY } from './context';
import { serviceNameOf } from './server';
import { UnavailableError } from '../errors';
import { fromServiceError } from './status';
import { activeTraceparent } from '../tracing/spans';

export const DEFAULT_DEADLINE_MS = 5_000;

/**
 * Channel settings every client (and health checker) uses, so that a peer that
 * restarts is used again within about a second of listening:
 * - reconnect backoff 100 ms doubling to 1 s (grpc-js's defaults, 1 s growing to
 *   120 s, kept the gateway answering "No connection established" for seconds
 *   after a restarted conversation service was SERVING);
 * - a keepalive ping every 10 s, the connection dropped when it goes 5 s
 *   unanswered: a peer that froze or vanished without closing its socket (a
 *   partition, SIGSTOP) is noticed in about 15 s instead of never. Our servers
 *   (GrpcServer) permit pings at that rate, with or without calls.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/**
 * How long a call waits for a peer it has reached before to be reachable
 * again (within its deadline) instead of failing at once: a restart takes
 * about a second, and the channel retries the connection every second at most.
 * A peer never reached (wrong address, not started) still fails fast.
 */
export const RECONNECT_WAIT_MS = 2_000;

type ClientCtor<C> = (new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => C) & {
  service: grpc.ServiceDefinition;
};

/**
 * A client for a ts-proto generated service that retries UNAVAILABLE a few
 * times within the call's deadline (the deadline covers all attempts).
 *
 * @example
 *   const conversations = createGrpcClient(ConversationServiceClient, '127.0.0.1:50051');
 *   const res = await unary(conversations, conversations.getConversation, { conversationId }, { tenantId });
 */
export function createGrpcClient<C extends grpc.Client>(Ctor: ClientCtor<C>, address: string, options: grpc.ClientOptions = {}): C {
  const serviceConfig = {
    // `dns:///<service>-headless:<port>` resolves to every ready replica: spread calls over all of them
    // (grpc-js's default, pick_first, sends everything down one connection to one replica).
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: [{ service: serviceNameOf(Ctor.service) }],
        retryPolicy: {
          maxAttempts: 4,
          initialBackoff: '0.05s',
          maxBackoff: '1s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
  return new Ctor(address, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify(serviceConfig),
    'grpc.enable_retries': 1,
    ...CHANNEL_OPTIONS,
    ...options,
  });
}

/** Clients that have had an answer from their peer: a call waits for them to reconnect. */
const reached = new WeakSet<grpc.Client>();

/** A peer reached before whose connection is down: a restart in progress, worth waiting for. */
const reconnecting = (client: grpc.Client) => reached.has(client) && client.getChannel().getConnectivityState(false) !== grpc.connectivityState.READY;

/** Resolves once the client's channel is READY or at `until`; the call made afterwards fails as before if the peer is still away. */
const reconnected = (client: grpc.Client, until: number) => new Promise<void>((resolve) => client.waitForReady(until, () => resolve()));

export interface CallOptions {
  tenantId: string;
  actorId?: string;
  requestId?: string;
  traceparent?: string;
  deadlineMs?: number;
  /**
   * Aborted when whoever waits for the answer has gone (an HTTP client that
   * hung up): the call is not started, or is cancelled, so that a peer under
   * load does no work nobody will read (the server skips calls cancelled or
   * past their deadline before running them).
   */
  signal?: AbortSignal;
}

type UnaryFn<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** One unary call with tenant, actor and request id in metadata, a deadline, and domain errors on failure. */
export function unary<Req, Res>(client: grpc.Client, method: UnaryFn<Req, Res>, request: Req, opts: CallOptions): Promise<Res> {
  const metadata = new grpc.Metadata();
  metadata.set(TENANT_KEY, opts.tenantId);
  if (opts.actorId) metadata.set(ACTOR_KEY, opts.actorId);
  metadata.set(REQUEST_ID_KEY, opts.requestId ?? randomUUID());
  // The trace this call belongs to: the caller's (an HTTP request's), else the span active here (a consumer's).
  const traceparent = opts.traceparent ?? activeTraceparent();
  if (traceparent) metadata.set(TRACEPARENT_KEY, traceparent);
  const deadline = new Date(Date.now() + (opts.deadlineMs ?? DEFAULT_DEADLINE_MS));
  const { signal } = opts;
  const call = () =>
    new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) return reject(new UnavailableError('the caller went away before the call was made', { cause: signal.reason }));
      const onAbort = () => pending.cancel();
      const pending = method.call(client, request, metadata, { deadline }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        // Any answer but "could not reach it" shows the peer was there.
        if (!err || (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.DEADLINE_EXCEEDED && err.code !== grpc.status.CANCELLED)) reached.add(client);
        return err ? reject(fromServiceError(err)) : resolve(res);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  if (!reconnecting(client)) return call();
  return reconnected(client, Math.min(deadline.getTime(), Date.now() + RECONNECT_WAIT_MS)).then(call);
}
