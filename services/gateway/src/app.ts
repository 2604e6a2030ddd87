import type { Logger, NatsConnection } from '@contactcenter/infra';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Peers } from './peers';
import { apiKeyAuthPlugin } from './plugins/apiKeyAuth';
import { authPlugin } from './plugins/auth';
import { openapiPlugin } from './plugins/openapi';
import { problemPlugin } from './plugins/problem';
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
import { ApiKeys } from './store/apiKeys';
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
    // No type coercion: a number where a string belongs is a client error, not something to guess at.
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false } },
  });
  problemPlugin(app);
  await openapiPlugin(app);
  await authPlugin(app, { secret: deps.jwtSecret }); // not encapsulated: every route verifies tokens
  // One bucket for the gateway's own state (widget keys, API keys, webhooks, invitations), opened once.
  const gatewayKv = await openStateBucket(deps.nats, deps.gatewayBucket ?? DEFAULT_GATEWAY_BUCKET, 'gateway');
  const apiKeys = new ApiKeys(gatewayKv);
  apiKeyAuthPlugin(app, { authenticator: apiKeys }); // on the root, before the routes: requireApiKey works in every route plugin
  await app.register(healthRoutes, { peers: deps.peers, nats: deps.nats, isShuttingDown: deps.isShuttingDown ?? (() => false) });
  await app.register(conversationRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(agentWorkRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(agentDeskRoutes, { prefix: '/v1', peers: deps.peers });
  await app.register(adminDirectoryRoutes, { prefix: '/v1', peers: deps.peers });
  const widgetKeys = new WidgetKeys(gatewayKv);
  await app.register(visitorRoutes, { prefix: '/v1', peers: deps.peers, widgetKeys });
  await app.register(adminRoutes, { prefix: '/v1', widgetKeys });
  await app.register(surveyRoutes, { prefix: '/v1', peers: deps.peers });
  const invitations = new InvitationStore(gatewayKv);
  await app.register(invitationRoutes, { prefix: '/v1', peers: deps.peers, nats: deps.nats, invitations, region: deps.region ?? 'local' });
  await app.register(realtimeRoutes, { prefix: '/v1', peers: deps.peers, nats: deps.nats });
  await app.register(apiKeyRoutes, { prefix: '/v1', apiKeys });
  await app.register(eventsRoutes, { prefix: '/v1', nats: deps.nats });
  const webhookStore = new WebhookStore(gatewayKv);
  await app.register(webhookRoutes, { prefix: '/v1', store: webhookStore, queue: await DeliveryQueue.open(deps.nats), allowInsecureUrls: deps.webhooksAllowInsecure ?? false });
  return app;
}
