import { runService } from '@contactcenter/infra';
import { buildApp } from './app';
import { gatewayConfig } from './config';
import { connectPeers } from './peers';

/**
 * The gateway process: the public HTTP API (fastify) in front of the
 * services' gRPC APIs. It serves grpc.health.v1 itself like every service.
 */
runService('gateway', gatewayConfig, async (rt) => {
  const peers = connectPeers(rt.config);
  let shuttingDown = false;
  const app = await buildApp({ logger: rt.logger, peers, nats: rt.nats, jwtSecret: rt.config.JWT_SECRET, gatewayBucket: rt.config.GATEWAY_BUCKET, isShuttingDown: () => shuttingDown });
  await app.listen({ host: rt.config.HTTP_HOST, port: rt.config.HTTP_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : rt.config.HTTP_PORT;
  rt.logger.info({ http_port: port, url: `http://${rt.config.HTTP_HOST}:${port}` }, 'gateway listening');
  rt.onShutdown('http', async () => {
    shuttingDown = true;
    await app.close();
    peers.close();
  });
});
