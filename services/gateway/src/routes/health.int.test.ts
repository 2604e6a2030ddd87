/**
 * Readiness per backend: with the conversation service down and the others
 * up, the gateway stays ready (taking every replica out of the load balancer
 * would turn one backend's outage into the whole API's), reports each peer's
 * state, keeps serving the routes of the backends that are up, and answers the
 * down backend's routes with 503 problem JSON and Retry-After at once. Shutting
 * down, it goes unready.
 */
import { connectNats, createLogger, DEFAULT_DEADLINE_MS, GrpcServer, type NatsConnection } from '@contactcenter/infra';
import { Queue, RoutingServiceService, type RoutingServiceServer } from '@contactcenter/proto/routing/v1';
import type { FastifyInstance } from 'fastify';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

const SECRET = 'h'.repeat(48);
let server: TestNats;
let nats: NatsConnection;
let backends: GrpcServer;
let app: FastifyInstance;
let peers: ReturnType<typeof connectPeers>;
let shuttingDown = false;
const listQueuesTenants: string[] = [];

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('gateway-health-test', 'silent');
  nats = await connectNats(server.url, 'gateway-health-test', logger);
  // One real gRPC server stands in for the backends that are up; it answers routing's ListQueues.
  backends = new GrpcServer(logger);
  backends.addService(RoutingServiceService, {
    listQueues: async (_req: unknown, ctx: { tenantId: string }) => {
      listQueuesTenants.push(ctx.tenantId);
      return { queues: [Queue.fromPartial({ queueId: 'billing', name: 'Billing' })] };
    },
  } as unknown as RoutingServiceServer);
  const port = await backends.listen('127.0.0.1', 0);
  backends.markServing();
  const up = `127.0.0.1:${port}`;
  peers = connectPeers({
    CONVERSATION_GRPC_ADDR: '127.0.0.1:1', // nothing listens: the conversation service is down
    ROUTING_GRPC_ADDR: up,
    PRESENCE_GRPC_ADDR: up,
    TRANSLATION_GRPC_ADDR: up,
    SURVEY_GRPC_ADDR: up,
    CHANNELS_GRPC_ADDR: up,
  });
  app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, isShuttingDown: () => shuttingDown });
});

afterAll(async () => {
  await app?.close();
  peers?.close();
  await backends?.shutdown(1_000);
  await nats?.close();
  await server?.stop();
});

const admin = signStaffToken(SECRET, { tid: 'acme', sub: 'boss', roles: ['admin'] });

describe('gateway readiness with one backend down', () => {
  it('stays ready and reports each peer', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { conversation: 'UNREACHABLE', routing: 'SERVING', presence: 'SERVING', translation: 'SERVING', survey: 'SERVING', channels: 'SERVING', nats: 'CONNECTED', load: 'OK' },
    });
  });

  it('serves the routes of the backends that are up', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/admin/queues', headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ queues: [{ queueId: 'billing', name: 'Billing' }] });
    expect(listQueuesTenants).toContain('acme');
  });

  it("answers the down backend's routes with 503 problem JSON and Retry-After, without waiting out the call deadline", async () => {
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/v1/conversations/c-1', headers: { authorization: `Bearer ${admin}` } });
    const tookMs = Date.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 503, code: 'unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // A refused connection fails the call at once; only a peer that swallowed it would hold the client for the deadline.
    expect(tookMs).toBeLessThan(DEFAULT_DEADLINE_MS);
  });

  it('goes unready when shutting down, still reporting the peers', async () => {
    shuttingDown = true;
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', checks: { gateway: 'SHUTTING_DOWN', routing: 'SERVING', conversation: 'UNREACHABLE' } });
    } finally {
      shuttingDown = false;
    }
  });
});
