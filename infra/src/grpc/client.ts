import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ACTOR_KEY, REQUEST_ID_KEY, TENANT_KEY, TRACEPARENT_KEY } from './context';
import { serviceNameOf } from './server';
import { fromServiceError } from './status';

export const DEFAULT_DEADLINE_MS = 5_000;

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
    'grpc.keepalive_time_ms': 30_000,
    ...options,
  });
}

export interface CallOptions {
  tenantId: string;
  actorId?: string;
  requestId?: string;
  traceparent?: string;
  deadlineMs?: number;
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
  if (opts.traceparent) metadata.set(TRACEPARENT_KEY, opts.traceparent);
  const deadline = new Date(Date.now() + (opts.deadlineMs ?? DEFAULT_DEADLINE_MS));
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline }, (err, res) => (err ? reject(fromServiceError(err)) : resolve(res)));
  });
}
