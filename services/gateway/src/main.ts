import { runService } from '@contactcenter/infra';
import { buildApp } from './app';
import { gatewayConfig } from './config';
import { connectPeers } from './peers';
import { WebhookDeliveryEngine } from './webhooks/deliveryEngine';
import { DeliveryQueue } from './webhooks/deliveryQueue';
import { WebhookStore } from './webhooks/webhookStore';

/**
 * The gateway process: the public HTTP API (fastify) in front of the
 * services' gRPC APIs. It serves grpc.health.v1 itself like every service.
 */
runService('gateway', gatewayConfig, async (rt) => {
  const peers = connectPeers(rt.config);
  let shuttingDown = false;
  const c = rt.config;
  const app = await buildApp({
    logger: rt.logger,
    peers,
    nats: rt.nats,
    jwtSecret: c.JWT_SECRET,
    gatewayBucket: c.GATEWAY_BUCKET,
    region: c.REGION,
    isShuttingDown: () => shuttingDown,
    webhooksAllowInsecure: c.WEBHOOKS_ALLOW_INSECURE,
    rateLimits: { perKeyPerMinute: c.RATE_LIMIT_PER_KEY_PER_MINUTE, perIpPerMinute: c.RATE_LIMIT_PER_IP_PER_MINUTE },
    trustProxyHops: c.TRUST_PROXY_HOPS,
    corsStaffOrigins: c.CORS_STAFF_ORIGINS,
    realtimeLimits: { maxFrameBytes: c.REALTIME_MAX_FRAME_BYTES, framesPerSecond: c.REALTIME_FRAMES_PER_SECOND, maxBufferedBytes: c.REALTIME_MAX_BUFFERED_BYTES },
  });
  const webhooks = await WebhookDeliveryEngine.start({
    nats: rt.nats,
    logger: rt.logger,
    store: await WebhookStore.open(rt.nats, rt.config.GATEWAY_BUCKET),
    queue: await DeliveryQueue.open(rt.nats),
    retryScheduleMs: rt.config.WEBHOOKS_RETRY_SCHEDULE_MS,
    timeoutMs: rt.config.WEBHOOKS_TIMEOUT_MS,
    concurrency: rt.config.WEBHOOKS_CONCURRENCY,
  });
  await app.listen({ host: rt.config.HTTP_HOST, port: rt.config.HTTP_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : rt.config.HTTP_PORT;
  rt.logger.info({ http_port: port, url: `http://${rt.config.HTTP_HOST}:${port}` }, 'gateway listening');
  rt.onShutdown('http', async () => {
    shuttingDown = true;
    await app.close();
    peers.close();
  });
  // Registered after 'http': hooks run in order, so HTTP stops first, then attempts in flight finish, before NATS drains.
  rt.onShutdown('webhooks', () => webhooks.stop());
});
