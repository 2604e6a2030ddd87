import { PROBE_ROUTES } from '../routes/health';
import underPressure from '@fastify/under-pressure';
import { UnavailableError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getHeapStatistics } from 'node:v8';

export interface AdmissionLimits {
  /** Mean event-loop delay over the last sample above which requests are refused (0: not checked). */
  maxEventLoopDelayMs: number;
  /** Heap in use, as a percentage of V8's heap limit, above which requests are refused (0: not checked). */
  maxHeapUsedPercent: number;
  /** Requests being handled at once (probes and live streams aside) beyond which new ones are refused (0: unbounded). */
  maxInFlight: number;
  /** How often the event loop and the heap are sampled. */
  sampleIntervalMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxEventLoopDelayMs: 500, maxHeapUsedPercent: 90, maxInFlight: 512, sampleIntervalMs: 1_000 };

/** Retry-After of a refusal: long enough for a backlog to drain, short enough not to idle a recovered replica. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 2;

/** 503 problem JSON `overloaded`, with Retry-After: this replica refused the request before doing any work for it. */
export class OverloadedError extends UnavailableError {
  readonly problemCode = 'overloaded';
  readonly retryAfterSeconds = OVERLOADED_RETRY_AFTER_SECONDS;
  constructor(why: string) {
    super(`this gateway is overloaded (${why}); retry in ${OVERLOADED_RETRY_AFTER_SECONDS} s`);
  }
}

/** Live streams last as long as the client stays: the connection caps bound them, not the in-flight count. */
const STREAMS = new Set(['/v1/events']);

/**
 * Admission control, the first hook of every request: when this replica is
 * overloaded it answers 503 `overloaded` with Retry-After before anything
 * else runs (no token verification, no KV read, no peer call), so that a
 * retry storm costs the least possible and nothing queues behind it.
 *
 * Overloaded means one of: the event loop's mean delay over the last sample
 * (a CPU-starved process answers everyone late; @fastify/under-pressure
 * measures it), the heap near V8's limit, or more requests in flight than
 * `maxInFlight` (a slow peer would otherwise pile up requests until memory
 * or the peer gives out). Probes and live streams (SSE, WebSockets; capped
 * per principal and tenant elsewhere) are not counted or refused.
 *
 * Register before any other hook. `isOverloaded()` is decorated for /readyz.
 *
 * @example
 *   await admissionControlPlugin(app, { ...DEFAULT_ADMISSION_LIMITS, maxInFlight: 256 });
 */
export async function admissionControlPlugin(app: FastifyInstance, limits: AdmissionLimits): Promise<void> {
  const webSocketRoutes = new Set<string>();
  app.addHook('onRoute', (route) => {
    if ((route as { websocket?: boolean }).websocket) webSocketRoutes.add(route.url);
  });
  const exempt = (request: FastifyRequest) => {
    const url = request.routeOptions.url ?? '';
    return PROBE_ROUTES.has(url) || STREAMS.has(url) || webSocketRoutes.has(url);
  };

  // The first samples after the start include the compilation of every route's schema, which is no load.
  let graceUntil = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    graceUntil = Date.now() + 2 * limits.sampleIntervalMs;
  });
  const heapLimit = getHeapStatistics().heap_size_limit;
  await app.register(underPressure, {
    sampleInterval: limits.sampleIntervalMs,
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedPercent > 0 ? Math.floor((heapLimit * limits.maxHeapUsedPercent) / 100) : 0,
    pressureHandler: (request, _reply, type, value) => {
      if (exempt(request) || Date.now() < graceUntil) return; // let it through
      const why = type === underPressure.TYPE_EVENT_LOOP_DELAY ? `event loop ${Math.round(value ?? 0)} ms behind` : `heap ${Math.round((value ?? 0) / 1_048_576)} MiB in use`;
      // A rejected promise goes to the error handler: problem JSON like every other error.
      return Promise.reject(new OverloadedError(why));
    },
  });

  let inFlight = 0;
  const overloaded = () => app.isUnderPressure() || (limits.maxInFlight > 0 && inFlight >= limits.maxInFlight);
  app.decorate('isOverloaded', overloaded);
  if (limits.maxInFlight <= 0) return;
  app.addHook('onRequest', async (request, reply) => {
    if (exempt(request)) return;
    if (inFlight >= limits.maxInFlight) throw new OverloadedError(`${inFlight} requests in flight`);
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
    };
    // 'finish' when the answer is sent, 'close' when the client went away first: one of them always comes.
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Admission control would refuse a request now (for /readyz's report). */
    isOverloaded(): boolean;
  }
}
