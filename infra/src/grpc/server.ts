import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { UnavailableError, ValidationError } from '../errors';
import type { Logger } from '../logger';
import type { ServiceMetrics } from '../metrics';
import { readCallContext, TRACEPARENT_KEY, type CallContext } from './context';
import { endSpan, runInSpan, SpanKind, startSpan, traceparentOf } from '../tracing/spans';
import { toServiceError } from './status';

/** A unary method implemented as an async function of the request and the call's context. */
export type UnaryMethod<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/** Turns a ts-proto `XxxServiceServer` interface into one of async methods. */
export type AsyncService<S> = {
  [K in keyof S as S[K] extends grpc.handleUnaryCall<any, any> ? K : never]: S[K] extends grpc.handleUnaryCall<infer Req, infer Res>
    ? UnaryMethod<Req, Res>
    : never;
};

/** Calls that arrive without a deadline get this one, so no handler runs forever. */
const DEFAULT_SERVER_DEADLINE_MS = 30_000;

const MALFORMED = Symbol('malformed request');
type Malformed = { [MALFORMED]: string };
const isMalformed = (r: unknown): r is Malformed => typeof r === 'object' && r !== null && MALFORMED in r;

export const serviceNameOf = (definition: grpc.ServiceDefinition): string => {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('service definition has no methods');
  return first.path.split('/')[1] ?? '';
};

/** A connection's lifetime before the server asks the client to reconnect (GRPC_MAX_CONNECTION_AGE_MS). */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 300_000;
/** Time a connection past its age keeps for the calls in flight (longer than any deadline we set). */
const MAX_CONNECTION_AGE_GRACE_MS = 30_000;

export interface GrpcServerOptions {
  /** Close each client connection after this long (0: never), so that clients re-resolve and spread over new replicas. */
  maxConnectionAgeMs?: number;
  maxConnectionAgeGraceMs?: number;
}

/**
 * The gRPC server every service runs: `grpc.health.v1` always, domain errors
 * mapped to status codes, tenant required in metadata, a deadline on every
 * call, malformed messages answered with INVALID_ARGUMENT.
 *
 * @example
 *   const server = new GrpcServer(logger, metrics);
 *   server.addService(ConversationServiceService, { startConversation: async (req, ctx) => … });
 *   const port = await server.listen('127.0.0.1', 50051);
 */
export class GrpcServer {
  readonly server: grpc.Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly serviceNames: string[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: ServiceMetrics,
    options: GrpcServerOptions = {},
  ) {
    const maxAgeMs = options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
      'grpc.keepalive_permit_without_calls': 1,
      // Clients re-resolve `dns:///` names only when a connection ends: closing each one after
      // a while (GOAWAY, calls in flight given the grace to finish) lets new replicas get a share.
      ...(maxAgeMs > 0 ? { 'grpc.max_connection_age_ms': maxAgeMs, 'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs ?? MAX_CONNECTION_AGE_GRACE_MS } : {}),
    });
    this.health.addToServer(this.server);
  }

  addService<S>(definition: grpc.ServiceDefinition<any>, impl: Partial<AsyncService<S>>, options: { requireTenant?: boolean } = {}): void {
    const requireTenant = options.requireTenant ?? true;
    const name = serviceNameOf(definition);
    const guarded: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [key, method] of Object.entries(definition)) {
      const deserialize = method.requestDeserialize;
      guarded[key] = {
        ...method,
        requestDeserialize: (bytes: Buffer) => {
          try {
            return deserialize(bytes);
          } catch (err) {
            return { [MALFORMED]: (err as Error).message } satisfies Malformed;
          }
        },
      };
      const fn = (impl as Record<string, UnaryMethod<unknown, unknown> | undefined>)[key];
      if (fn) handlers[key] = this.wrapUnary(method.path, fn, requireTenant);
    }
    this.server.addService(guarded as grpc.ServiceDefinition, handlers);
    this.serviceNames.push(name);
    this.health.setStatus(name, 'NOT_SERVING');
  }

  private wrapUnary(path: string, fn: UnaryMethod<unknown, unknown>, requireTenant: boolean): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      const started = process.hrtime.bigint();
      const abort = new AbortController();
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() - Date.now() : Number.isFinite(deadline) ? Number(deadline) - Date.now() : DEFAULT_SERVER_DEADLINE_MS;
      const timer = setTimeout(() => abort.abort(new Error('deadline exceeded')), Math.max(0, deadlineMs));
      call.on('cancelled', () => abort.abort(new Error('cancelled by caller')));

      // The caller's trace continues here; the handler's own spans and calls are children of this one.
      const span = startSpan(path, { kind: SpanKind.SERVER, parent: call.metadata.get(TRACEPARENT_KEY)[0]?.toString(), attributes: { 'rpc.system': 'grpc', 'rpc.method': path } });
      const finish = (err: unknown, response?: unknown) => {
        clearTimeout(timer);
        const serviceError = err === null ? null : toServiceError(err);
        const code = serviceError ? serviceError.code : grpc.status.OK;
        span.setAttribute('rpc.grpc.status_code', code);
        endSpan(span, code === grpc.status.OK ? undefined : err);
        this.metrics?.grpcHandled.labels(path, grpc.status[code] ?? String(code)).observe(Number(process.hrtime.bigint() - started) / 1e9);
        if (serviceError?.code === grpc.status.INTERNAL) this.logger.error({ err, method: path }, 'unexpected error in handler');
        callback(serviceError as grpc.ServiceError | null, response);
      };

      const work = runInSpan(span, async () => {
        // Queued behind other work until the caller stopped waiting: doing it now would only add to the
        // load that made it late (a retry storm feeds on exactly this), so it is refused unrun.
        if (deadlineMs <= 0 || call.cancelled) throw new UnavailableError(call.cancelled ? 'the caller cancelled the call' : 'the call reached its deadline before it could run');
        if (isMalformed(call.request)) throw new ValidationError('request', `malformed protobuf message: ${call.request[MALFORMED]}`);
        const ctx = readCallContext(call.metadata, abort.signal, requireTenant);
        // What the handler records (an event's metadata) names this span as the parent of what follows.
        return fn(call.request, { ...ctx, traceparent: traceparentOf(span) ?? ctx.traceparent });
      }).then(
        (res) => finish(null, res),
        (err) => finish(err),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    };
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** Health says SERVING for the server and each of its services. */
  markServing(): void {
    this.health.setStatus('', 'SERVING');
    for (const n of this.serviceNames) this.health.setStatus(n, 'SERVING');
  }

  /** Go NOT_SERVING, let in-flight calls finish (bounded), then close. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    for (const n of this.serviceNames) this.health.setStatus(n, 'NOT_SERVING');
    const drained = Promise.allSettled([...this.inFlight]);
    const closed = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    if ((await Promise.race([Promise.all([drained, closed]), timeout])) === 'timeout') {
      this.logger.warn({ inFlight: this.inFlight.size }, 'gRPC calls still running at shutdown deadline; forcing');
      this.server.forceShutdown();
    }
  }
}
