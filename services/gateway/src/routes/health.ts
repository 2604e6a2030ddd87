import { natsConnectionState, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'ready', 'not_ready'] },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['status'],
} as const;

/**
 * The probes' routes: rate limits, admission control and the wait for NATS
 * never hold them back (a refused or slow /healthz would have a busy pod restarted).
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/**
 * `/healthz`: the process is alive. `/readyz`: this replica can serve, i.e.
 * NATS is connected (not reconnecting to a lost server) and it is not shutting
 * down. Each gRPC peer's grpc.health.v1 status is reported in `checks` but does
 * not make the replica unready: a backend that is down is down for every
 * replica alike, so taking them all out of the load balancer would only turn
 * that backend's 503s into an outage of the whole API. Its routes answer 503
 * problem JSON with Retry-After meanwhile (plugins/problem.ts).
 * `checks.load` says whether admission control is refusing requests
 * (OVERLOADED), also without making the replica unready.
 */
export async function healthRoutes(app: FastifyInstance, opts: { peers: Peers; nats: NatsConnection; isShuttingDown: () => boolean }) {
  app.get('/healthz', { schema: { operationId: 'getLiveness', tags: ['operations'], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { operationId: 'getReadiness', tags: ['operations'], response: { 200: statusSchema, 503: statusSchema } } }, async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(opts.peers.health).map(async ([name, checker]) => [name, await checker.check('', 1_000)] as const),
    );
    const checks: Record<string, string> = Object.fromEntries(entries);
    checks.nats = natsConnectionState(opts.nats);
    if (opts.isShuttingDown()) checks.gateway = 'SHUTTING_DOWN';
    // Reported, not a reason to be taken out of the load balancer: that would pile this replica's load on the others.
    if (app.hasDecorator('isOverloaded')) checks.load = app.isOverloaded() ? 'OVERLOADED' : 'OK';
    const ready = checks.nats === 'CONNECTED' && !opts.isShuttingDown();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
