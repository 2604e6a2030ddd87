import type { Logger, NatsConnection } from '@contactcenter/infra';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { asyncapiRoutes } from './asyncapi/asyncapiRoutes';
import { CannedReplies } from './cannedResponses/cannedReplies';
import type { Peers } from './peers';
import { apiKeyAuthPlugin } from './plugins/apiKeyAuth';
import { authPlugin } from './plugins/auth';
import { openapiPlugin } from './plugins/openapi';
import { clientErrorProblem, frameworkErrorProblem, problemPlugin } from './plugins/problem';
import { corsPlugin } from './plugins/cors';
import { jsonBodyPlugin } from './plugins/jsonBody';
import { DEFAULT_RATE_LIMITS, rateLimitPlugin, type RateLimits } from './plugins/rateLimits';
import { securityHeadersPlugin } from './plugins/securityHeaders';
import type { RealtimeLimits } from './realtime/realtimeSession';
import { adminRoutes } from './routes/admin';
import { adminDirectoryRoutes } from './routes/adminDirectory';
import { apiKeyRoutes } from './routes/apiKeys';
import { eventsRoutes } from './routes/events';
import { agentDeskRoutes } from './routes/agentDesk';
import { agentWorkRoutes } from './routes/agentWork';
import { conversationRoutes } from './routes/conversations';
import { healthRoutes } from './routes/health';
import { realtimeRoutes } from './routes/realtime';
import { visitorRoutes } from './routes/visitors';
import { surveyRoutes } from './routes/surveys';
import { GATEWAY_AJV } from './schemas/ajvOptions';
import { conversationOwnersOf } from './routes/ownConversation';
import { metricsRoutes } from './routes/metrics';
import { ApiKeys } from './store/apiKeys';
import { CustomerProfiles } from './store/customerProfiles';
import { DEFAULT_GATEWAY_BUCKET, WidgetKeys } from './store/widgetKeys';
import { openStateBucket } from '@contactcenter/infra/kv';
import { InvitationStore } from './engagement/invitationStore';
import { invitationRoutes } from './routes/invitations';
import { webhookRoutes } from './routes/webhooks';
import { DeliveryQueue } from './webhooks/deliveryQueue';
import { WebhookStore } from './webhooks/webhookStore';

export interface AppDeps {
  logger: Logger;
  peers: Peers;
  nats: NatsConnection;
  jwtSecret: string;
  /** NATS KV bucket of widget keys. */
  gatewayBucket?: string;
  isShuttingDown?: () => boolean;
  /** Region this gateway runs in, as the source of the events it publishes. */
  region?: string;
  /** WEBHOOKS_ALLOW_INSECURE: http webhook URLs to localhost (development and tests). */
  webhooksAllowInsecure?: boolean;
  /** RATE_LIMIT_PER_KEY_PER_MINUTE and RATE_LIMIT_PER_IP_PER_MINUTE (default: the production defaults). */
  rateLimits?: RateLimits;
  /** TRUST_PROXY_HOPS: proxies whose X-Forwarded-For gives the client address (default 0: the TCP peer). */
  trustProxyHops?: number;
  /** CORS_STAFF_ORIGINS: staff web apps allowed to call the staff API from a browser (default none). */
  corsStaffOrigins?: readonly string[];
  /** REALTIME_*: the WebSocket's frame size, frame rate and buffer limits. */
  realtimeLimits?: Partial<RealtimeLimits>;
  /** Sees every route as it is added (route inventories, the fuzz test). */
  onRoute?: (route: RouteOptions) => void;
}

/** The gateway as a fastify app: external plugins, then app plugins, then routes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
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
  jsonBodyPlugin(app);
  // One bucket for the gateway's own state (widget keys, API keys, webhooks, invitations), opened once.
  const gatewayKv = await openStateBucket(deps.nats, deps.gatewayBucket ?? DEFAULT_GATEWAY_BUCKET, 'gateway');
  const widgetKeys = new WidgetKeys(gatewayKv);
  // Protection before any route, /docs included, so that its hooks run for every one. Rate limits
  // before CORS: a preflight flood counts too.
  await securityHeadersPlugin(app);
  await rateLimitPlugin(app, deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  await corsPlugin(app, { staffOrigins: deps.corsStaffOrigins ?? [], widgetKeys });
  await openapiPlugin(app);
  await authPlugin(app, { secret: deps.jwtSecret }); // not encapsulated: every route verifies tokens
  const apiKeys = new ApiKeys(gatewayKv);
  apiKeyAuthPlugin(app, { authenticator: apiKeys }); // on the root, before the routes: requireApiKey works in every route plugin
  await app.register(healthRoutes, { peers: deps.peers, nats: deps.nats, isShuttingDown: deps.isShuttingDown ?? (() => false) });
  await app.register(asyncapiRoutes); // built once here, from the protos: a broken proto fails the start
  const customerProfiles = new CustomerProfiles(gatewayKv);
  await app.register(conversationRoutes, { prefix: '/v1', peers: deps.peers, cannedReplies: new CannedReplies({ peers: deps.peers, profiles: customerProfiles }) });
  await app.register(agentWorkRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(agentDeskRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(adminDirectoryRoutes, { prefix: '/v1', peers: deps.peers });
  // One cache of whose each conversation is, for the visitor routes and the real-time sockets alike.
  const owners = conversationOwnersOf(deps.peers.conversation);
  await app.register(visitorRoutes, { prefix: '/v1', peers: deps.peers, widgetKeys, customerProfiles, owners });
  await app.register(adminRoutes, { prefix: '/v1', widgetKeys });
  await app.register(surveyRoutes, { prefix: '/v1', peers: deps.peers, owners });
  await app.register(metricsRoutes, { prefix: '/v1', peers: deps.peers });
  const invitations = new InvitationStore(gatewayKv);
  await app.register(invitationRoutes, { prefix: '/v1', peers: deps.peers, nats: deps.nats, invitations, region: deps.region ?? 'local' });
  await app.register(realtimeRoutes, { prefix: '/v1', owners, nats: deps.nats, limits: deps.realtimeLimits });
  await app.register(apiKeyRoutes, { prefix: '/v1', apiKeys });
  await app.register(eventsRoutes, { prefix: '/v1', nats: deps.nats });
  const webhookStore = new WebhookStore(gatewayKv);
  await app.register(webhookRoutes, { prefix: '/v1', store: webhookStore, queue: await DeliveryQueue.open(deps.nats), allowInsecureUrls: deps.webhooksAllowInsecure ?? false });
  return app;
}
