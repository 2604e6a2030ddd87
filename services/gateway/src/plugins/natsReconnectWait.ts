import { natsConnectionState, UnavailableError, untilNatsConnected, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { PROBE_ROUTES } from '../routes/health';

/** How long a request waits for NATS to be back before it is answered 503 (a restart takes about a second). */
export const NATS_RECONNECT_WAIT_MS = 1_500;

/**
 * A request that arrives while the NATS client is reconnecting waits (up to
 * NATS_RECONNECT_WAIT_MS) for it to be back before it does anything, instead
 * of sending KV and JetStream requests into a connection that cannot carry
 * them: those are answered only by their timeout, and the client retries
 * after that and its Retry-After. Still away after the wait: 503 with
 * Retry-After, nothing done. Costs nothing while the connection is up.
 */
export function natsReconnectWaitPlugin(app: FastifyInstance, nats: NatsConnection, waitMs = NATS_RECONNECT_WAIT_MS): void {
  app.addHook('onRequest', async (request) => {
    if (natsConnectionState(nats) === 'CONNECTED' || PROBE_ROUTES.has(request.routeOptions.url ?? '')) return;
    if (await untilNatsConnected(nats, waitMs)) return;
    throw Object.assign(new UnavailableError('the message bus is reconnecting; try again shortly'), { retryAfterSeconds: 1 });
  });
}
