/**
 * The gateway app (buildApp) on a private NATS server, for tests of its edge:
 * limits, CORS, headers, the fuzz test. Its gRPC peers point at a port
 * nothing listens on, so a request that got past the edge to a service
 * fails with 503: a test sees at once when something went through that
 * should not have, and no service state can change.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../services/gateway/src/app';
import { connectPeers } from '../../services/gateway/src/peers';
import type { RealtimeDirectory } from '../../services/gateway/src/realtime/realtimeDirectory';
import { signStaffToken } from '../../scripts/devToken';
import { freshNats, type TestNats } from './nats';

export interface EdgeApp {
  app: FastifyInstance;
  nats: NatsConnection;
  /** Its NATS server: `startEdgeApp(overrides, { natsUrl })` starts another replica on the same server. */
  natsUrl: string;
  /** Signs a token as the gateway expects (HS256 with its secret); `ttlSeconds` negative for an expired one. */
  sign(claims: { tid: string; sub: string; roles: string[] }, ttlSeconds?: number): string;
  close(): Promise<void>;
}

const SECRET = 'e'.repeat(48);
const NOTHING_LISTENS = '127.0.0.1:1';

/** With no peers, sockets open as for newcomers: no conversation yet, nothing assigned, no queue or team to subscribe to. */
const newcomers: RealtimeDirectory = {
  conversationsOfCustomer: async () => [],
  assignedTo: async () => [],
  conversationExists: async () => false,
  queueExists: async () => false,
  teamIds: async () => new Set(),
};

/** `peerAddress`: where every gRPC peer is dialled instead (a test's own server, e.g. one that never answers). */
export async function startEdgeApp(overrides: Partial<AppDeps> = {}, options: { natsUrl?: string; peerAddress?: string } = {}): Promise<EdgeApp> {
  // A replica on another app's server leaves stopping the server to that app.
  const server: TestNats = options.natsUrl ? { url: options.natsUrl, stop: async () => undefined } : await freshNats();
  const logger = createLogger('gateway-edge-test', 'silent');
  const nats = await connectNats(server.url, 'gateway-edge-test', logger);
  const peer = options.peerAddress ?? NOTHING_LISTENS;
  const peers = connectPeers({
    CONVERSATION_GRPC_ADDR: peer,
    ROUTING_GRPC_ADDR: peer,
    PRESENCE_GRPC_ADDR: peer,
    TRANSLATION_GRPC_ADDR: peer,
    SURVEY_GRPC_ADDR: peer,
    CHANNELS_GRPC_ADDR: peer,
  });
  const app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, realtimeDirectory: newcomers, ...overrides });
  return {
    app,
    nats,
    natsUrl: server.url,
    sign: (claims, ttlSeconds) => signStaffToken(overrides.jwtSecret ?? SECRET, claims, ttlSeconds, { iss: overrides.tokenRules?.issuer, aud: overrides.tokenRules?.audience }),
    async close() {
      await app.close();
      peers.close();
      await nats.close();
      await server.stop();
    },
  };
}
