import { PROBE_ROUTES } from '../routes/health';
import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { presentedApiKey } from './apiKeyAuth';
import { presentedBearerToken, verifiedPrincipal } from './auth';
import type { NatsConnection } from '@nats-io/transport-node';
import { SharedRateCounters, type SharedRateCounterOptions } from './sharedRateCounters';

export interface RateLimits {
  /** Requests per minute per authenticated principal: an API key, a staff member (tenant + subject), a visitor session (tenant + customer id). */
  perKeyPerMinute: number;
  /** Requests per minute per client address, authenticated or not. */
  perIpPerMinute: number;
  /** Count across every replica through NATS KV (sharedRateCounters.ts); absent: each replica counts alone. */
  shared?: Pick<SharedRateCounterOptions, 'bucket' | 'syncEveryMs'>;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perKeyPerMinute: 600, perIpPerMinute: 6_000 };

/** Over a limit: 429 problem JSON `rate_limited`, with `Retry-After` (seconds) set on the reply. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly statusCode = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

const WINDOW_MS = 60_000;
// Probes (PROBE_ROUTES) are never limited: a 429 on /readyz would take a busy pod out of the load
// balancer. Prometheus metrics are served on METRICS_PORT, outside this app, so no limit applies to them.
/** Counters each limiter keeps (least recently used evicted first): bounded memory whatever the number of clients. */
const TRACKED_KEYS = 20_000;

/**
 * Rate limits (@fastify/rate-limit), in fixed one-minute windows: every
 * request counts against its client address; an authenticated one also
 * against its principal, so one integrator or agent cannot starve the others
 * behind the same address, and one address cannot starve everyone.
 *
 * With `limits.shared` (production) the counters are shared by every
 * replica through NATS KV, so N replicas allow a client the limits once:
 * requests are counted in memory and the replicas' counts merged every
 * fraction of a second (never a NATS round trip per request; see
 * sharedRateCounters.ts for the precision and the fallback when NATS is
 * away). Without it each replica counts alone. Either way a flood of
 * distinct keys evicts counters from a bounded LRU rather than growing memory.
 *
 * The principal is verified, not just decoded: a forged token naming a
 * victim must not use up the victim's budget. A request with bad credentials
 * counts against its address only, and its route answers 401.
 * Register before any route, so that the hook runs for all of them.
 */
export async function rateLimitPlugin(app: FastifyInstance, limits: RateLimits, nats?: NatsConnection): Promise<void> {
  if (limits.shared && nats) {
    const counters = await SharedRateCounters.open(nats, { ...limits.shared, windowMs: WINDOW_MS, maxKeys: 2 * TRACKED_KEYS, logger: app.log });
    app.addHook('onClose', () => counters.stop());
    await app.register(rateLimit, { global: false, store: sharedStore(counters) });
  } else {
    await app.register(rateLimit, { global: false });
  }
  const principalKeys = new WeakMap<FastifyRequest, string>();
  // `cache` (the LRU size) is honoured by the limiter's store but missing from CreateRateLimitOptions' type; `limiter` names the shared counters.
  const perIp = app.createRateLimit({ max: limits.perIpPerMinute, timeWindow: WINDOW_MS, cache: TRACKED_KEYS, limiter: 'ip' } as CreateRateLimitOptions);
  const perKey = app.createRateLimit({ max: limits.perKeyPerMinute, timeWindow: WINDOW_MS, cache: TRACKED_KEYS, limiter: 'key', keyGenerator: (request) => principalKeys.get(request)! } as CreateRateLimitOptions);

  app.addHook('onRequest', async (request, reply) => {
    if (PROBE_ROUTES.has(request.routeOptions.url ?? '')) return;
    const byIp = await perIp(request);
    if (!byIp.isAllowed && byIp.isExceeded) refuse(reply, byIp.ttlInSeconds, `more than ${limits.perIpPerMinute} requests per minute from this address`);
    const key = await principalKeyOf(request);
    if (!key) return;
    principalKeys.set(request, key);
    const byKey = await perKey(request);
    if (!byKey.isAllowed && byKey.isExceeded) refuse(reply, byKey.ttlInSeconds, `more than ${limits.perKeyPerMinute} requests per minute with these credentials`);
  });
}

/** @fastify/rate-limit's store interface over the shared counters; `child` is called once per limiter with its options. */
function sharedStore(counters: SharedRateCounters) {
  return class SharedRateStore {
    private readonly limiter: string;
    constructor(params: object) {
      this.limiter = (params as { limiter?: string }).limiter ?? 'global';
    }
    incr(key: string, callback: (err: Error | null, result: { current: number; ttl: number }) => void, _timeWindow: number, max: number): void {
      callback(null, counters.hit(this.limiter, key, Date.now(), max));
    }
    child(params: object): SharedRateStore {
      return new SharedRateStore(params);
    }
  };
}

function refuse(reply: FastifyReply, retryAfterSeconds: number, why: string): never {
  const seconds = Math.max(1, retryAfterSeconds);
  reply.header('Retry-After', String(seconds));
  throw new RateLimitedError(`${why}; retry in ${seconds} s`, seconds);
}

/** The verified principal a request authenticates as, as a limiter key; undefined without valid credentials. */
async function principalKeyOf(request: FastifyRequest): Promise<string | undefined> {
  const apiKey = presentedApiKey(request);
  if (apiKey !== undefined) {
    if (!request.server.hasDecorator('apiKeyAuthenticator')) return undefined;
    const record = await request.server.apiKeyAuthenticator.authenticate(apiKey).catch(() => undefined); // the route reports an outage
    return record && `apikey:${record.apiKeyId}`;
  }
  if (!presentedBearerToken(request)) return undefined;
  try {
    const p = await verifiedPrincipal(request); // kept with the request: the route does not verify it again
    return `${p.roles.includes('visitor') ? 'visitor' : 'staff'}:${p.tenantId}:${p.subject}`;
  } catch {
    return undefined;
  }
}
