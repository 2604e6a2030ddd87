import { unary, ValidationError } from '@contactcenter/infra';
import { AuthorKind, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance } from 'fastify';
import type { CannedReplies } from '../cannedResponses/cannedReplies';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { idempotent, idempotentIdOf } from '../idempotency/idempotentRoute';
import { clientMessageIdOf } from '../schemas/idempotencyKey';
import { inRestTerms } from '../schemas/restFields';
import { forwardStart, placeStart, type StartPlacement } from '../regions/startPlacement';
import { startResultSchema } from '../schemas/startResult';
import { asksForThePast, pastConversation, pastQuerySchema, type PastQuery } from './conversationHistory';
import {
  channels,
  commandResultSchema,
  conversationIdParam,
  conversationSchema,
  conversationView,
  messageView,
  agentMessageBody,
  startConversationBody,
} from '../schemas/conversation';

type StartBody = { conversationId?: string; channel: string; customerId: string; language: string; region?: string; subject?: string };
type PostBody = { text?: string; clientMessageId?: string; language?: string; cannedResponseId?: string; template?: { name: string; language: string; parameters?: string[] } };
type IdParams = { conversationId: string };

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];


/** Agent-desk routes on conversations. Every call is scoped to the token's tenant. */
export async function conversationRoutes(
  app: FastifyInstance,
  opts: {
    peers: Peers;
    cannedReplies: CannedReplies;
    /** Multi-region mode: where new conversations live (residency, by the customer's country); absent with one region. */
    placement?: StartPlacement;
  },
) {
  const client: ConversationServiceClient = opts.peers.conversation;

  app.post<{ Body: StartBody }>(
    '/conversations',
    idempotent({ schema: { operationId: 'startConversation', tags: ['conversations'], security, body: startConversationBody, response: { 201: startResultSchema, '4xx': problem } } }),
    async (request, reply) => {
      const p = await requireStaff(request);
      // As a visitor's: the tenant's residency rules and the country header (set by the CDN for the caller's address) place it.
      const placed = opts.placement && (await placeStart(opts.placement, request, p.tenantId));
      if (placed && placed.region !== opts.placement!.localRegion) {
        request.log.info({ region: placed.region, reason: placed.reason }, 'conversation placed in another region');
        return forwardStart(opts.placement!, placed.region, request, reply);
      }
      const b = request.body;
      const res = await unary(
        client,
        client.startConversation,
        // Without a client-chosen id, one derived from the Idempotency-Key: a re-run after a takeover finds the first start.
        { conversationId: b.conversationId ?? idempotentIdOf(request, 'ik-') ?? '', channel: channels.fromRest(b.channel), customerId: b.customerId, language: b.language, region: b.region ?? '', subject: b.subject ?? '', invitationId: '' },
        callOptions(request, p),
      ).catch((err: unknown) => {
        // An id naming another region (multi-region) is refused by the service as conversation_id: the body's conversationId.
        throw inRestTerms(err, (field) => (field === 'conversation_id' ? 'conversationId' : undefined));
      });
      return reply.code(201).send({ ...res.result, ...(placed ? { region: placed.region } : {}) });
    },
  );

  app.get<{ Params: IdParams; Querystring: PastQuery }>(
    '/conversations/:conversationId',
    { schema: { operationId: 'getConversation', tags: ['conversations'], security, params: conversationIdParam, querystring: pastQuerySchema, response: { 200: conversationSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request);
      // As it stood then: folded from the event store, not read from the read model.
      if (asksForThePast(request.query)) return pastConversation(client, request, p, request.params.conversationId, request.query);
      const res = await unary(client, client.getConversation, { conversationId: request.params.conversationId, includeNotes: false }, callOptions(request, p));
      return { ...conversationView(res.conversation!), messages: res.messages.map(messageView) };
    },
  );

  app.post<{ Params: IdParams; Body: PostBody }>(
    '/conversations/:conversationId/messages',
    idempotent({
      schema: {
        operationId: 'postMessage',
        tags: ['conversations'],
        security,
        params: conversationIdParam,
        body: agentMessageBody,
        response: { 201: commandResultSchema, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireStaff(request);
      const clientMessageId = clientMessageIdOf(request.body.clientMessageId, request.headers['idempotency-key']);
      const { text, cannedResponseId, language, template } = request.body;
      if (text === undefined && cannedResponseId === undefined && template === undefined) throw new ValidationError('text', 'is required unless cannedResponseId or template is given');
      // A canned response is rendered here (placeholders filled in); what is stored is what the customer reads.
      const sent = cannedResponseId
        ? await opts.cannedReplies.compose(callOptions(request, p), { conversationId: request.params.conversationId, cannedResponseId, agentId: p.subject, text, language })
        : { text: text ?? '', language: language ?? '' };
      const res = await unary(
        client,
        client.postMessage,
        {
          conversationId: request.params.conversationId,
          authorKind: AuthorKind.AUTHOR_KIND_AGENT,
          authorId: p.subject,
          text: sent.text,
          attachments: [],
          clientMessageId,
          cannedResponseId: cannedResponseId ?? '',
          language: sent.language,
          // Free text outside WhatsApp's customer-service window is refused (409); a template is what may still go.
          ...(template ? { template: { name: template.name, language: template.language, parameters: template.parameters ?? [] } } : {}),
        },
        callOptions(request, p),
      );
      return reply.code(res.duplicate ? 200 : 201).send({ ...res.result!, messageId: res.messageId, duplicate: res.duplicate });
    },
  );
}
