import type { FastifyReply } from 'fastify';
import type { Principal } from '../plugins/auth';

/** How many live connections (WebSockets and SSE streams) one holder may keep open on one gateway replica. */
export interface ConnectionLimits {
  /** WebSockets per staff member (tenant + subject): the agent desk in a few tabs and windows. */
  socketsPerPrincipal: number;
  /** WebSockets per visitor session (tenant + the token's subject): the widget in a few tabs. */
  socketsPerVisitor: number;
  /** SSE streams per API key: an integrator's consumer and its standby or redeploy overlap. */
  streamsPerApiKey: number;
  /** WebSockets and SSE streams of one tenant together: one tenant cannot exhaust the replica's JetStream consumers. */
  connectionsPerTenant: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { socketsPerPrincipal: 10, socketsPerVisitor: 3, streamsPerApiKey: 5, connectionsPerTenant: 5_000 };

/**
 * When to try again after a refusal. A slot frees only when another of the
 * holder's connections ends, which nobody can predict; long enough that a
 * reconnect loop does not hammer the gateway.
 */
const RETRY_AFTER_SECONDS = 10;

/** Over a connection cap: 429 problem JSON `too_many_connections`, with `Retry-After`. */
export class TooManyConnectionsError extends Error {
  override readonly name = 'TooManyConnectionsError';
  readonly statusCode = 429;
  readonly code = 'too_many_connections';
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;
}

/** Frees the slots a connection took; calling it again does nothing. */
export type Release = () => void;

interface Slot {
  key: string;
  max: number;
  /** For the refusal's message. */
  holder: string;
}

/**
 * Counts live connections per holder and refuses one over a cap, before the
 * connection costs anything (an upgrade, a JetStream consumer).
 *
 * Counted in memory per replica: with N replicas behind a load balancer a
 * holder may keep up to N × each cap open. A shared counter (NATS KV with
 * leases) would make the caps exact across replicas; it is left for later,
 * as a crashed replica's leases would have to expire first.
 *
 * @example
 *   const release = caps.takeSocket(principal); // throws TooManyConnectionsError over a cap
 *   socket.once('close', release);
 */
export class ConnectionCaps {
  private readonly counts = new Map<string, number>();

  constructor(readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {}

  /** A WebSocket of a staff member or a visitor session. */
  takeSocket(principal: Principal): Release {
    const { tenantId, subject } = principal;
    const own: Slot = principal.roles.includes('visitor')
      ? { key: `visitor:${tenantId}:${subject}`, max: this.limits.socketsPerVisitor, holder: 'this visitor session' }
      : { key: `staff:${tenantId}:${subject}`, max: this.limits.socketsPerPrincipal, holder: 'this user' };
    return this.take([own, this.tenantSlot(tenantId)]);
  }

  /** An SSE stream of an API key. */
  takeStream(apiKey: { tenantId: string; apiKeyId: string }): Release {
    return this.take([{ key: `apikey:${apiKey.apiKeyId}`, max: this.limits.streamsPerApiKey, holder: 'this API key' }, this.tenantSlot(apiKey.tenantId)]);
  }

  /** Live connections counted under `key` now (tests, diagnostics). */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  private tenantSlot(tenantId: string): Slot {
    return { key: `tenant:${tenantId}`, max: this.limits.connectionsPerTenant, holder: 'this tenant' };
  }

  /** All slots or none: a refusal by the tenant cap must not leave the principal's count raised. */
  private take(slots: Slot[]): Release {
    const full = slots.find((s) => this.count(s.key) >= s.max);
    if (full) throw new TooManyConnectionsError(`${full.holder} already has ${full.max} live connections on this server; close one or retry later`);
    for (const s of slots) this.counts.set(s.key, this.count(s.key) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const s of slots) {
        const left = this.count(s.key) - 1;
        if (left > 0) this.counts.set(s.key, left);
        else this.counts.delete(s.key); // no entry per holder that has gone: memory follows live connections only
      }
    };
  }
}

/** Runs `take`; over a cap, sets `Retry-After` on the reply before the 429 propagates. */
export function takeOrRetryAfter(reply: FastifyReply, take: () => Release): Release {
  try {
    return take();
  } catch (err) {
    if (err instanceof TooManyConnectionsError) reply.header('Retry-After', String(err.retryAfterSeconds));
    throw err;
  }
}
