import { unary, ForbiddenError, UnauthorizedError } from '@contactcenter/infra';
import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Peers } from '../peers';
import { callOptions, requireVisitor, type Principal } from '../plugins/auth';
import { channels, commandResultSchema, customerIdSchema, conversationIdParam, messageView, postMessageBody, visitorConversationSchema, visitorConversationView } from '../schemas/conversation';
import { queuePositionSchema, queuePositionView } from '../schemas/routing';
import { profileFields, type CustomerProfiles } from '../store/customerProfiles';
import { identityMatches, type WidgetKeys } from '../store/widgetKeys';
import { ownConversation, requireOwn } from './ownConversation';
import type { ConversationOwners } from '../realtime/conversationOwners';
import { clientMessageIdOf } from '../schemas/idempotencyKey';
import { idempotent, idempotentIdOf } from '../idempotency/idempotentRoute';
import { DEFAULT_VISITOR_SESSION_LIMITS, visitorSessionLimiter, type VisitorSessionLimits } from '../plugins/visitorSessionLimits';
import { AgentDisplayNames, displayNameFromPresence } from '../presence/agentDisplayNames';
import { forwardStart, placeStart, type StartPlacement } from '../regions/startPlacement';
import { startResultSchema } from '../schemas/startResult';

const problem = { $ref: 'problem#' } as const;
const security = [{ visitorToken: [] }];
const SESSION_TTL_SECONDS = 12 * 3600;

type SessionBody = { widgetKey: string; customerId?: string; identityHash?: string; name?: string; email?: string };
type StartBody = { language: string; channel?: string; queueId?: string; subject?: string };

/**
 * Whose Idempotency-Keys an unauthenticated session request's key is among:
 * its widget key and client address (visitors behind one address who pick the
 * same key for the same widget share the answer, so keys must be random).
 */
const widgetClientScope = (request: FastifyRequest) => `widget:${(request.body as SessionBody).widgetKey}:${request.ip}`;

/**
 * The customer widget's API. A visitor session comes from a tenant's public
 * widget key; it names a customer id only when the tenant's server vouched
 * for it (HMAC-SHA256 under the key's identity secret), otherwise the visitor
 * is anonymous. A visitor sees only conversations of their own customer id:
 * anything else is 404, the same as a conversation that does not exist.
 */
export async function visitorRoutes(
  app: FastifyInstance,
  opts: {
    peers: Peers;
    widgetKeys: WidgetKeys;
    customerProfiles: CustomerProfiles;
    owners: ConversationOwners;
    sessionLimits?: Partial<VisitorSessionLimits>;
    /** Multi-region mode: where new conversations live (residency); absent with one region. */
    placement?: StartPlacement;
  },
) {
  const { conversation, routing, routingStarts, presence } = opts.peers;
  const agentNames = new AgentDisplayNames({ fetch: displayNameFromPresence(presence) });
  const limitSessions = await visitorSessionLimiter(app, { ...DEFAULT_VISITOR_SESSION_LIMITS, ...opts.sessionLimits });

  app.post<{ Body: SessionBody }>(
    '/visitor/sessions',
    idempotent({
      schema: {
        operationId: 'createVisitorSession',
        tags: ['visitors'],
        body: {
          type: 'object',
          required: ['widgetKey'],
          additionalProperties: false,
          properties: {
            widgetKey: { type: 'string', maxLength: 64 },
            customerId: customerIdSchema,
            identityHash: { type: 'string', maxLength: 128 },
            // The visitor's own word, also when the customer id is verified: it fills {{customer.name}} in canned replies.
            name: { type: 'string', maxLength: 200, description: 'How the visitor wants to be addressed (visitor-supplied).' },
            email: { type: 'string', maxLength: 254, description: 'Visitor-supplied.' },
          },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, customerId: { type: 'string' }, verified: { type: 'boolean' }, expiresAt: { type: 'string', format: 'date-time' } } }, '4xx': problem },
      },
      preHandler: limitSessions,
    }, { anonymousScope: widgetClientScope }),
    async (request, reply) => {
      const { widgetKey, customerId, identityHash } = request.body;
      const key = await opts.widgetKeys.get(widgetKey);
      if (!key || key.revoked) throw new UnauthorizedError('unknown or revoked widget key');
      if (identityHash !== undefined && customerId === undefined) throw new ForbiddenError('identityHash given without customerId');
      if (customerId !== undefined && !identityMatches(key.identitySecret, customerId, identityHash ?? '')) {
        throw new ForbiddenError('customerId needs a valid identityHash from the tenant\'s server');
      }
      const subject = customerId ?? `anon-${randomUUID()}`;
      const profile = profileFields(request.body);
      if (profile.name !== undefined || profile.email !== undefined) {
        await opts.customerProfiles.update(key.tenantId, subject, profile, { identityVerified: customerId !== undefined });
      }
      // `wk` lets CORS check the visitor's page against the key's allowed origins (plugins/cors.ts).
      const token = app.jwt.sign({ tid: key.tenantId, sub: subject, roles: ['visitor'], wk: key.widgetKey }, { expiresIn: SESSION_TTL_SECONDS });
      return reply.code(201).send({ token, customerId: subject, verified: customerId !== undefined, expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString() });
    },
  );

  /** The conversation, if it is the visitor's own; 404 otherwise, so nothing about others leaks. */
  const own = (request: FastifyRequest, p: Principal, conversationId: string) => ownConversation(conversation, request, p, conversationId);

  app.post<{ Body: StartBody }>(
    '/visitor/conversations',
    idempotent({
      schema: {
        operationId: 'startVisitorConversation',
        tags: ['visitors'],
        security,
        body: {
          type: 'object',
          required: ['language'],
          additionalProperties: false,
          properties: {
            language: { type: 'string', maxLength: 35 },
            channel: { type: 'string', enum: channels.names },
            queueId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            subject: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: startResultSchema, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireVisitor(request);
      // Placed before anything is asked of this region's services: queues and conversations of another region are its own.
      const placed = opts.placement && (await placeStart(opts.placement, request, p.tenantId));
      if (placed && placed.region !== opts.placement!.localRegion) {
        request.log.info({ region: placed.region, reason: placed.reason }, 'visitor conversation placed in another region');
        return forwardStart(opts.placement!, placed.region, request, reply);
      }
      const b = request.body;
      // With an Idempotency-Key the id derives from it: a re-run after a takeover finds the first start.
      const start = { conversationId: idempotentIdOf(request, 'ik-') ?? '', channel: channels.fromRest(b.channel ?? 'chat'), customerId: p.subject, language: b.language, region: '', subject: b.subject ?? '', invitationId: '' };
      // Into a queue: routing starts it there in one append, and an unknown queue fails before anything is written.
      const { conversationId, revision } = b.queueId
        ? await routingStarts.start({ start, queueId: b.queueId }, callOptions(request, p))
        : (await unary(conversation, conversation.startConversation, start, callOptions(request, p))).result!;
      opts.owners.learn(p.tenantId, conversationId, p.subject);
      return reply.code(201).send({ conversationId, revision, ...(placed ? { region: placed.region } : {}) });
    },
  );

  app.get<{ Params: { conversationId: string } }>(
    '/visitor/conversations/:conversationId',
    { schema: { operationId: 'getVisitorConversation', tags: ['visitors'], security, params: conversationIdParam, response: { 200: visitorConversationSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireVisitor(request);
      const res = await own(request, p, request.params.conversationId);
      const agentId = res.conversation.assignedAgentId;
      const displayName = agentId ? await agentNames.displayNameOf(callOptions(request, p), agentId) : undefined;
      return { ...visitorConversationView(res.conversation), agent: displayName ? { displayName } : undefined, messages: res.messages.map(messageView) };
    },
  );

  app.post<{ Params: { conversationId: string }; Body: { text: string; clientMessageId?: string; language?: string } }>(
    '/visitor/conversations/:conversationId/messages',
    idempotent({
      schema: {
        operationId: 'postVisitorMessage',
        tags: ['visitors'],
        security,
        params: conversationIdParam,
        body: postMessageBody,
        response: { 201: commandResultSchema, 200: commandResultSchema, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireVisitor(request);
      const clientMessageId = clientMessageIdOf(request.body.clientMessageId, request.headers['idempotency-key']);
      await requireOwn(opts.owners, p, request.params.conversationId);
      const res = await unary(
        conversation,
        conversation.postMessage,
        {
          conversationId: request.params.conversationId,
          authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
          authorId: p.subject,
          text: request.body.text,
          attachments: [],
          clientMessageId,
          language: request.body.language ?? '',
          cannedResponseId: '',
        },
        callOptions(request, p),
      );
      return reply.code(res.duplicate ? 200 : 201).send({ ...res.result!, messageId: res.messageId, duplicate: res.duplicate });
    },
  );

  app.get<{ Params: { conversationId: string } }>(
    '/visitor/conversations/:conversationId/queue-position',
    { schema: { operationId: 'getVisitorQueuePosition', tags: ['visitors'], security, params: conversationIdParam, response: { 200: queuePositionSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireVisitor(request);
      await requireOwn(opts.owners, p, request.params.conversationId);
      return queuePositionView(await unary(routing, routing.getQueuePosition, { conversationId: request.params.conversationId }, callOptions(request, p)));
    },
  );
}
