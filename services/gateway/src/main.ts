import { runService } from '@contactcenter/infra';
import { buildApp } from './app';
import { gatewayConfig } from './config';
import { connectPeers } from './peers';
import { WebhookDeliveryEngine } from './webhooks/deliveryEngine';
import { DeliveryQueue } from './webhooks/deliveryQueue';
import { WebhookStore } from './webhooks/webhookStore';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';

/**
 * The gateway process: the public HTTP API (fastify) in front of the
 * services' gRPC APIs. It serves grpc.health.v1 itself like every service.
 */
runService('gateway', gatewayConfig, async (rt) => {
  const peers = connectPeers(rt.config);
  let shuttingDown = false;
  const c = rt.config;
  // One policy for the routes and the delivery engine (OUTBOUND_ALLOWED_NETWORKS).
  const outboundPolicy = new OutboundAddressPolicy({ allowedNetworks: c.OUTBOUND_ALLOWED_NETWORKS });
  const app = await buildApp({
    logger: rt.logger,
    metricsRegistry: rt.metrics.registry,
    peers,
    nats: rt.nats,
    jwtSecret: c.JWT_SECRET,
    jwtSecretPrevious: c.JWT_SECRET_PREVIOUS,
    tokenRules: { maxLifetimeSeconds: c.JWT_MAX_LIFETIME_SECONDS, clockSkewSeconds: c.JWT_CLOCK_SKEW_SECONDS, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE },
    identityProvidersAllowInsecure: c.IDENTITY_PROVIDERS_ALLOW_INSECURE,
    gatewayBucket: c.GATEWAY_BUCKET,
    idempotency: { bucket: c.IDEMPOTENCY_BUCKET, ttlHours: c.IDEMPOTENCY_TTL_HOURS },
    region: c.REGION,
    regions: { region: c.REGION, regions: c.REGIONS, forwardTimeoutMs: c.REGION_FORWARD_TIMEOUT_MS },
    visitorCountryHeader: c.VISITOR_COUNTRY_HEADER,
    isShuttingDown: () => shuttingDown,
    webhooksAllowInsecure: c.WEBHOOKS_ALLOW_INSECURE,
    clientApps: { appsDir: c.CLIENT_APPS_DIR, demoPage: c.SERVE_DEMO_PAGE },
    outboundPolicy,
    rateLimits: {
      perKeyPerMinute: c.RATE_LIMIT_PER_KEY_PER_MINUTE,
      perIpPerMinute: c.RATE_LIMIT_PER_IP_PER_MINUTE,
      ...(c.RATE_LIMIT_SYNC_MS > 0 ? { shared: { bucket: c.RATE_LIMIT_BUCKET, syncEveryMs: c.RATE_LIMIT_SYNC_MS } } : {}),
    },
    trustProxyHops: c.TRUST_PROXY_HOPS,
    corsStaffOrigins: c.CORS_STAFF_ORIGINS,
    tenantLimits: { apiKeys: c.TENANT_MAX_API_KEYS, widgetKeys: c.TENANT_MAX_WIDGET_KEYS, webhooks: c.TENANT_MAX_WEBHOOKS, invitationRules: c.TENANT_MAX_INVITATION_RULES },
    realtimeLimits: { maxFrameBytes: c.REALTIME_MAX_FRAME_BYTES, framesPerSecond: c.REALTIME_FRAMES_PER_SECOND, maxBufferedBytes: c.REALTIME_MAX_BUFFERED_BYTES },
    connectionLimits: {
      socketsPerPrincipal: c.REALTIME_MAX_SOCKETS_PER_PRINCIPAL,
      socketsPerVisitor: c.REALTIME_MAX_SOCKETS_PER_VISITOR,
      streamsPerApiKey: c.EVENTS_MAX_STREAMS_PER_API_KEY,
      connectionsPerTenant: c.REALTIME_MAX_CONNECTIONS_PER_TENANT,
    },
    admission: { maxEventLoopDelayMs: c.GATEWAY_MAX_EVENT_LOOP_DELAY_MS, maxHeapUsedPercent: c.GATEWAY_MAX_HEAP_USED_PERCENT, maxInFlight: c.GATEWAY_MAX_IN_FLIGHT },
    visitorSessionLimits: { perWidgetKeyPerMinute: c.VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY, perAddressPerMinute: c.VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS },
  });
  const webhooks = await WebhookDeliveryEngine.start({
    nats: rt.nats,
    logger: rt.logger,
    store: await WebhookStore.open(rt.nats, rt.config.GATEWAY_BUCKET),
    queue: await DeliveryQueue.open(rt.nats),
    policy: outboundPolicy,
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
