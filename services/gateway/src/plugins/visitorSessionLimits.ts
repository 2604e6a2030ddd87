import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { RateLimitedError } from './rateLimits';

/** New visitor sessions per minute, per gateway replica. */
export interface VisitorSessionLimits {
  /** Per widget key: a script that mints sessions with a shop's public key cannot flood the tenant with anonymous customers. */
  perWidgetKeyPerMinute: number;
  /** Per client address: one machine cannot mint sessions (and the sockets each may open) without bound. */
  perAddressPerMinute: number;
}

export const DEFAULT_VISITOR_SESSION_LIMITS: VisitorSessionLimits = { perWidgetKeyPerMinute: 1_200, perAddressPerMinute: 30 };

const WINDOW_MS = 60_000;
/** Counters each limiter keeps (least recently used evicted first): bounded memory however many keys or addresses are tried. */
const TRACKED_KEYS = 20_000;

/**
 * The preHandler of `POST /v1/visitor/sessions`: 429 problem JSON
 * `rate_limited` with Retry-After beyond either limit. A preHandler, so the
 * widget key comes from the validated body; every attempt counts, unknown
 * keys included, so guessing keys is limited too. In memory per replica, like
 * plugins/rateLimits.ts: N replicas allow N × the limits.
 */
export async function visitorSessionLimiter(app: FastifyInstance, limits: VisitorSessionLimits): Promise<preHandlerAsyncHookHandler> {
  // The app registers the plugin globally (rateLimitPlugin); a route plugin tested alone registers its own.
  if (!app.hasDecorator('createRateLimit')) await app.register(rateLimit, { global: false });
  const widgetKeyOf = (request: FastifyRequest) => `wk:${String((request.body as { widgetKey?: unknown } | undefined)?.widgetKey)}`;
  // `cache` (the LRU size) is honoured by the limiter's store but missing from CreateRateLimitOptions' type.
  // `limiter` names the counters when they are shared by the replicas (rateLimits.ts).
  const perAddress = app.createRateLimit({ max: limits.perAddressPerMinute, timeWindow: WINDOW_MS, cache: TRACKED_KEYS, limiter: 'session-ip' } as CreateRateLimitOptions);
  const perWidgetKey = app.createRateLimit({ max: limits.perWidgetKeyPerMinute, timeWindow: WINDOW_MS, cache: TRACKED_KEYS, limiter: 'session-widget', keyGenerator: widgetKeyOf } as CreateRateLimitOptions);
  return async (request, reply) => {
    for (const [limiter, why] of [
      [perAddress, `more than ${limits.perAddressPerMinute} new visitor sessions per minute from this address`],
      [perWidgetKey, `more than ${limits.perWidgetKeyPerMinute} new visitor sessions per minute with this widget key`],
    ] as const) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) {
        const seconds = Math.max(1, result.ttlInSeconds);
        reply.header('Retry-After', String(seconds));
        throw new RateLimitedError(`${why}; retry in ${seconds} s`, seconds);
      }
    }
  };
}
