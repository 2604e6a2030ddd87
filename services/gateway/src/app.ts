import type { Logger, NatsConnection, ServiceMetrics } from '@contactcenter/infra';
import { clientAppsRoutes, type ClientAppsOptions } from './routes/clientApps';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { asyncapiRoutes } from './asyncapi/asyncapiRoutes';
import { CannedReplies } from './cannedResponses/cannedReplies';
import type { Peers } from './peers';
import { admissionControlPlugin, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from './plugins/admissionControl';
import { natsReconnectWaitPlugin } from './plugins/natsReconnectWait';
import { clientGonePlugin } from './plugins/clientGone';
import { apiKeyAuthPlugin } from './plugins/apiKeyAuth';
import { authPlugin } from './plugins/auth';
import { openapiPlugin } from './plugins/openapi';
import { clientErrorProblem, frameworkErrorProblem, problemPlugin } from './plugins/problem';
import { corsPlugin } from './plugins/cors';
import { jsonBodyPlugin } from './plugins/jsonBody';
import { DEFAULT_RATE_LIMITS, rateLimitPlugin, type RateLimits } from './plugins/rateLimits';
import { securityHeadersPlugin } from './plugins/securityHeaders';
import { authenticateBeforeValidation } from './plugins/authenticateFirst';
import { liveWidgetKeyPlugin } from './plugins/liveWidgetKey';
import type { VisitorSessionLimits } from './plugins/visitorSessionLimits';
import { ConnectionCaps, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './realtime/connectionCaps';
import { Revocations } from './store/revocations';
import type { RealtimeLimits } from './realtime/realtimeSession';
import { adminRoutes } from './routes/admin';
import { adminDirectoryRoutes } from './routes/adminDirectory';
import { apiKeyRoutes } from './routes/apiKeys';
import { eventsRoutes } from './routes/events';
import { agentDeskRoutes } from './routes/agentDesk';
import { agentWorkRoutes } from './routes/agentWork';
import { myConversationsRoutes } from './routes/myConversations';
import { conversationRoutes } from './routes/conversations';
import { conversationHistoryRoutes } from './routes/conversationHistory';
import { healthRoutes } from './routes/health';
import { realtimeRoutes } from './routes/realtime';
import { EventHub } from './realtime/eventHub';
import { realtimeDirectoryOf, type RealtimeDirectory } from './realtime/realtimeDirectory';
import { visitorRoutes } from './routes/visitors';
import { surveyRoutes } from './routes/surveys';
import { GATEWAY_AJV } from './schemas/ajvOptions';
import { conversationOwnersOf } from './routes/ownConversation';
import { metricsRoutes } from './routes/metrics';
import { supervisorOverviewRoutes } from './routes/supervisorOverview';
import { simulationRoutes } from './routes/simulations';
import { channelEndpointRoutes } from './routes/channelEndpoints';
import { identityLinkRoutes } from './routes/identityLinks';
import { attachmentRoutes } from './routes/attachments';
import { ApiKeys } from './store/apiKeys';
import { CustomerProfiles } from './store/customerProfiles';
import { DEFAULT_GATEWAY_BUCKET, WidgetKeys } from './store/widgetKeys';
import { DEFAULT_TENANT_LIMITS, type TenantLimits } from './store/tenantLimits';
import { openStateBucket } from '@contactcenter/infra/kv';
import { InvitationStore } from './engagement/invitationStore';
import { invitationRoutes } from './routes/invitations';
import { webhookRoutes } from './routes/webhooks';
import { DeliveryQueue } from './webhooks/deliveryQueue';
import { WebhookStore } from './webhooks/webhookStore';
import { IdempotencyStore, type IdempotencyStoreOptions } from './idempotency/idempotencyStore';
import { idempotencyPlugin } from './idempotency/idempotentRoute';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { IdentityProviders } from './store/identityProviders';
import { identityProviderRoutes } from './routes/identityProvider';
import { IdentityProviderCache } from './tokens/identityProviderCache';
import { JwksCache } from './tokens/jwksCache';
import { jwksFetcher } from './tokens/jwksFetch';
import { DEFAULT_TOKEN_RULES, TokenVerifier } from './tokens/tokenVerifier';
import type { ClaimRules } from './tokens/claimRules';
import { requestTelemetryPlugin } from './plugins/requestTelemetry';
import { isMultiRegion, type RegionSettings } from '@contactcenter/infra/regions';
import { RegionLink } from './regions/regionLink';
import { regionForwardingPlugin } from './regions/regionForwarding';
import { RegionResponder } from './regions/regionResponder';
import { ResidencySettingsStore } from './regions/residencySettings';
import { residencyReplicator } from './regions/residencyReplication';
import { DEFAULT_VISITOR_COUNTRY_HEADER, type StartPlacement } from './regions/startPlacement';
import { residencyRoutes } from './routes/residency';
import { KeyReplication } from './regions/keyReplication';
import { regionKeyCopyRoutes } from './routes/regionKeyCopies';

export interface AppDeps {
  logger: Logger;
  /** The browser apps (widget, desk, demo page): where they are built, and whether the demo page is served. */
  clientApps?: ClientAppsOptions;
  peers: Peers;
  nats: NatsConnection;
  jwtSecret: string;
  /** JWT_SECRET_PREVIOUS: the secret being retired during a rotation; tokens signed with it still verify. */
  jwtSecretPrevious?: string;
  /** JWT_MAX_LIFETIME_SECONDS, JWT_CLOCK_SKEW_SECONDS, JWT_ISSUER, JWT_AUDIENCE (default 1 day, 30 s, none, none). */
  tokenRules?: Partial<ClaimRules>;
  /** IDENTITY_PROVIDERS_ALLOW_INSECURE: http JWKS URLs too (development and tests). */
  identityProvidersAllowInsecure?: boolean;
  /** At most one JWKS fetch per tenant this often (default 30 s; tests shorten it). */
  jwksMinRefreshIntervalMs?: number;
  /** NATS KV bucket of widget keys. */
  gatewayBucket?: string;
  /** IDEMPOTENCY_BUCKET and IDEMPOTENCY_TTL_HOURS (tests also shorten the lease and the wait). */
  idempotency?: IdempotencyStoreOptions;
  isShuttingDown?: () => boolean;
  /** Region this gateway runs in, as the source of the events it publishes. */
  region?: string;
  /**
   * REGION, REGIONS and REGION_FORWARD_TIMEOUT_MS (default: `region` alone, 10 s). With more than one region, requests
   * about a conversation homed elsewhere are forwarded there, and this gateway answers those other regions forward to it.
   */
  regions?: RegionSettings & { forwardTimeoutMs?: number };
  /** VISITOR_COUNTRY_HEADER: where the CDN in front puts the caller's country, which places new conversations by residency rules (multi-region). */
  visitorCountryHeader?: string;
  /** WEBHOOKS_ALLOW_INSECURE: http webhook URLs too (development and tests); addresses stay the outbound policy's call. */
  webhooksAllowInsecure?: boolean;
  /** OUTBOUND_ALLOWED_NETWORKS: non-public CIDR ranges tenant-given URLs may reach (default none). */
  outboundAllowedNetworks?: readonly string[];
  /** The outbound address policy itself (main.ts shares it with the delivery engine; tests inject a resolver). Default: built from outboundAllowedNetworks. */
  outboundPolicy?: OutboundAddressPolicy;
  /** RATE_LIMIT_PER_KEY_PER_MINUTE and RATE_LIMIT_PER_IP_PER_MINUTE (default: the production defaults). */
  rateLimits?: RateLimits;
  /** TRUST_PROXY_HOPS: proxies whose X-Forwarded-For gives the client address (default 0: the TCP peer). */
  trustProxyHops?: number;
  /** CORS_STAFF_ORIGINS: staff web apps allowed to call the staff API from a browser (default none). */
  corsStaffOrigins?: readonly string[];
  /** REALTIME_*: the WebSocket's frame size, frame rate and buffer limits. */
  realtimeLimits?: Partial<RealtimeLimits>;
  /** Who follows what when a socket opens (default: asked of the conversation and routing services). */
  realtimeDirectory?: RealtimeDirectory;
  /** REALTIME_MAX_SOCKETS_PER_*, EVENTS_MAX_STREAMS_PER_API_KEY, REALTIME_MAX_CONNECTIONS_PER_TENANT: live connections per holder, per replica. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** VISITOR_SESSIONS_PER_MINUTE_PER_*: new visitor sessions per widget key and per address, per replica. */
  visitorSessionLimits?: Partial<VisitorSessionLimits>;
  /** TENANT_MAX_*: API keys, widget keys, webhooks and invitation rules one tenant may have. */
  tenantLimits?: Partial<TenantLimits>;
  /** GATEWAY_MAX_EVENT_LOOP_DELAY_MS, GATEWAY_MAX_HEAP_USED_PERCENT, GATEWAY_MAX_IN_FLIGHT: when this replica refuses requests as overloaded. */
  admission?: Partial<AdmissionLimits>;
  /** The process's Prometheus registry: request durations by route and status are recorded in it (default: not recorded). */
  metricsRegistry?: ServiceMetrics['registry'];
  /** Sees every route as it is added (route inventories, the fuzz test). */
  onRoute?: (route: RouteOptions) => void;
}

/** The gateway as a fastify app: external plugins, then app plugins, then routes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One access line per request, from requestTelemetryPlugin, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: GATEWAY_AJV,
    // Trust the nearest `trustProxyHops` proxies' X-Forwarded-For (fastify's numeric form, which its types omit).
    trustProxy: deps.trustProxyHops ? (_address: string, hop: number) => hop < deps.trustProxyHops! : false,
    // Problem JSON also for what fails before routing (bad percent-encoding) or before fastify (unparseable HTTP).
    frameworkErrors: frameworkErrorProblem,
    clientErrorHandler: clientErrorProblem,
  });
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  problemPlugin(app);
  // Before admission control: requests it refuses are timed and traced too.
  requestTelemetryPlugin(app, deps.metricsRegistry);
  // First of all hooks: an overloaded replica refuses before verifying a token or reading KV.
  await admissionControlPlugin(app, { ...DEFAULT_ADMISSION_LIMITS, ...deps.admission });
  // Requests to other regions' gateways (forwarding here, residency settings): one link, on every app.
  const regions: RegionSettings = deps.regions ?? { region: deps.region ?? 'local', regions: [deps.region ?? 'local'] };
  const { region } = regions;
  const regionLink = new RegionLink(deps.nats, { region, timeoutMs: deps.regions?.forwardTimeoutMs, registry: deps.metricsRegistry, logger: deps.logger });
  app.decorate('regionLink', regionLink);
  app.addHook('onClose', () => regionLink.close());
  // Right after admission: a request about another region's conversation goes there before this region authenticates, counts or reads anything for it.
  if (isMultiRegion(regions)) regionForwardingPlugin(app, { regions, link: regionLink });
  // After admission (a shed request must not wait), before anything that reads KV.
  natsReconnectWaitPlugin(app, deps.nats);
  clientGonePlugin(app);
  jsonBodyPlugin(app);
  // One bucket for the gateway's own state (widget keys, API keys, webhooks, invitations), opened once.
  const gatewayKv = await openStateBucket(deps.nats, deps.gatewayBucket ?? DEFAULT_GATEWAY_BUCKET, 'gateway');
  const limits = { ...DEFAULT_TENANT_LIMITS, ...deps.tenantLimits };
  const widgetKeys = new WidgetKeys(gatewayKv, limits.widgetKeys);
  // One policy for every URL a tenant gives (webhooks, identity providers' keys): pass `outbound` to a route plugin that dials out.
  const outbound = deps.outboundPolicy ?? new OutboundAddressPolicy({ allowedNetworks: deps.outboundAllowedNetworks });
  // Protection before any route, /docs included, so that its hooks run for every one. Rate limits
  // before CORS: a preflight flood counts too.
  await securityHeadersPlugin(app);
  await rateLimitPlugin(app, deps.rateLimits ?? DEFAULT_RATE_LIMITS, deps.nats);
  await corsPlugin(app, { staffOrigins: deps.corsStaffOrigins ?? [], widgetKeys });
  await openapiPlugin(app);
  const identityProviders = new IdentityProviders(gatewayKv);
  const tokenRules = { ...DEFAULT_TOKEN_RULES, ...deps.tokenRules };
  const tokenVerifier = new TokenVerifier({
    secrets: [deps.jwtSecret, ...(deps.jwtSecretPrevious ? [deps.jwtSecretPrevious] : [])],
    rules: tokenRules,
    identityProviders: new IdentityProviderCache(identityProviders),
    jwks: new JwksCache(jwksFetcher({ policy: outbound }), { minRefreshIntervalMs: deps.jwksMinRefreshIntervalMs }),
  });
  // Not encapsulated: every route verifies tokens. The gateway's own tokens carry the issuer and audience it requires.
  await authPlugin(app, { secret: deps.jwtSecret, issuer: tokenRules.issuer, audience: tokenRules.audience, verifier: tokenVerifier });
  const apiKeys = new ApiKeys(gatewayKv, limits.apiKeys);
  apiKeyAuthPlugin(app, { authenticator: apiKeys }); // on the root, before the routes: requireApiKey works in every route plugin
  idempotencyPlugin(app, await IdempotencyStore.open(deps.nats, deps.idempotency)); // on the root: every `idempotent` route uses it
  // Revoked widget keys and API keys, seen by every replica: they end live sockets and streams.
  const revocations = await Revocations.start(deps.nats, gatewayKv, deps.logger);
  app.addHook('onClose', () => revocations.stop());
  liveWidgetKeyPlugin(app, { widgetKeys, revocations });
  authenticateBeforeValidation(app); // before the routes: its onRoute hook sees only routes added after it
  const connectionCaps = new ConnectionCaps({ ...DEFAULT_CONNECTION_LIMITS, ...deps.connectionLimits });
  await app.register(healthRoutes, { peers: deps.peers, nats: deps.nats, isShuttingDown: deps.isShuttingDown ?? (() => false) });
  await app.register(asyncapiRoutes); // built once here, from the protos: a broken proto fails the start
  await app.register(clientAppsRoutes, deps.clientApps ?? {});
  const customerProfiles = new CustomerProfiles(gatewayKv);
  // Tenants' residency settings: written by admins in every region, read by every start to place it.
  const residency = await ResidencySettingsStore.start(deps.nats, gatewayKv, deps.logger);
  app.addHook('onClose', () => residency.stop());
  const placement: StartPlacement | undefined = isMultiRegion(regions)
    ? { localRegion: regions.region, settings: residency, countryHeader: deps.visitorCountryHeader ?? DEFAULT_VISITOR_COUNTRY_HEADER, link: regionLink }
    : undefined;
  await app.register(conversationRoutes, { prefix: '/v1', peers: deps.peers, cannedReplies: new CannedReplies({ peers: deps.peers, profiles: customerProfiles }), placement });
  await app.register(agentWorkRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(agentDeskRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(identityLinkRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(attachmentRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(conversationHistoryRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(adminDirectoryRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(channelEndpointRoutes, { prefix: '/v1', peers: deps.peers });
  // One cache of whose each conversation is, for the visitor routes and the real-time sockets alike.
  const owners = conversationOwnersOf(deps.peers.conversation);
  await app.register(visitorRoutes, { prefix: '/v1', peers: deps.peers, widgetKeys, customerProfiles, owners, sessionLimits: deps.visitorSessionLimits, placement });
  const otherRegions = regions.regions.filter((r) => r !== regions.region);
  // Multi-region: a tenant's widget keys and API keys are made, changed and revoked in every region, through internal copy routes.
  const keyReplication = otherRegions.length > 0 ? new KeyReplication(regionLink, otherRegions) : undefined;
  if (keyReplication) await app.register(regionKeyCopyRoutes, { prefix: '/v1', widgetKeys, apiKeys, regions: regions.regions, region });
  await app.register(adminRoutes, { prefix: '/v1', widgetKeys, replication: keyReplication });
  await app.register(residencyRoutes, { prefix: '/v1', store: residency, regions: regions.regions, replicate: otherRegions.length > 0 ? residencyReplicator(regionLink, otherRegions) : undefined });
  await app.register(identityProviderRoutes, {
    prefix: '/v1',
    providers: identityProviders,
    policy: outbound,
    allowInsecure: deps.identityProvidersAllowInsecure ?? false,
    onChange: (tenantId) => tokenVerifier.forgetTenant(tenantId),
  });
  await app.register(surveyRoutes, { prefix: '/v1', peers: deps.peers, owners });
  // Supervisor views with scope=all-regions ask every other region for its own figures and merge them.
  const regionFanOut = { region: regions.region, others: otherRegions, link: regionLink };
  await app.register(metricsRoutes, { prefix: '/v1', peers: deps.peers, regions: regionFanOut });
  await app.register(supervisorOverviewRoutes, { prefix: '/v1', peers: deps.peers, regions: regionFanOut });
  // The agent's own list also asks the other regions: follow-the-sun assigns their conversations to this region's agents.
  await app.register(myConversationsRoutes, { prefix: '/v1', peers: deps.peers, regions: regionFanOut });
  await app.register(simulationRoutes, { prefix: '/v1', peers: deps.peers });
  const invitations = new InvitationStore(gatewayKv, limits.invitationRules);
  await app.register(invitationRoutes, { prefix: '/v1', peers: deps.peers, nats: deps.nats, invitations, region: deps.region ?? 'local' });
  // One consumer of the events stream for every socket and SSE stream of this replica.
  // Multi-region: also the live events of other regions' conversations that sockets here follow.
  const hub = await EventHub.start(deps.nats, { logger: deps.logger, owners, regions });
  app.addHook('onClose', async () => hub.stop());
  app.decorate('eventHub', hub);
  const directory = deps.realtimeDirectory ?? realtimeDirectoryOf(deps.peers);
  await app.register(realtimeRoutes, {
    prefix: '/v1', owners, nats: deps.nats, hub, directory, limits: deps.realtimeLimits, caps: connectionCaps, revocations,
    ...(isMultiRegion(regions) ? { regions: { settings: regions, link: regionLink } } : {}),
  });
  await app.register(apiKeyRoutes, { prefix: '/v1', apiKeys, replication: keyReplication });
  await app.register(eventsRoutes, { prefix: '/v1', hub, caps: connectionCaps, revocations });
  const webhookStore = new WebhookStore(gatewayKv, limits.webhooks);
  // Records made before per-tenant index entries existed (or by a previous version's replica) get theirs.
  await Promise.all([apiKeys.indexLegacyKeys(), widgetKeys.indexLegacyKeys(), webhookStore.indexLegacyWebhooks()]);
  await app.register(webhookRoutes, { prefix: '/v1', store: webhookStore, queue: await DeliveryQueue.open(deps.nats), allowInsecureUrls: deps.webhooksAllowInsecure ?? false, policy: outbound });
  if (isMultiRegion(regions)) {
    // Answers other regions' forwards once every route is there; stops taking them before the app closes.
    let responder: RegionResponder | undefined;
    app.addHook('onReady', async () => {
      responder = RegionResponder.start({ app, nats: deps.nats, region, logger: deps.logger });
    });
    app.addHook('preClose', async () => responder?.stop());
  }
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's one consumer of the events stream (realtime/eventHub.ts). */
    eventHub: EventHub;
    /** Requests to other regions' gateways (regions/regionLink.ts). */
    regionLink: RegionLink;
  }
}
