import { unary } from '@contactcenter/infra';
import type { CommandResult } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';
import { commandResultSchema, conversationIdParam, customerIdSchema, conversationSchema, conversationView, messageView, priorities, statuses, ticketStatuses } from '../schemas/conversation';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const TAG = { type: 'string', pattern: '^[a-z0-9][a-z0-9_.:-]{0,63}$' } as const;
const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

type IdParams = { conversationId: string };
const result = (r: CommandResult | undefined) => ({ conversationId: r?.conversationId ?? '', revision: r?.revision ?? 0 });
const action = (operationId: string, tag: string, body?: object) => ({
  schema: { operationId, tags: [tag], security, params: conversationIdParam, ...(body ? { body } : {}), response: { 200: commandResultSchema, '4xx': problem } },
});

/**
 * The agent desk's work on conversations: lists (the agent's own list is
 * myConversations.ts: it spans regions), notes, tags, priority,
 * transfer (through routing, so capacity is respected and a team transfer
 * re-enters routing), resolve, reopen, tickets, and a customer's timeline
 * across channels. Every call is scoped to the token's tenant: another
 * tenant's conversation is 404, as one that does not exist.
 */
export async function agentDeskRoutes(app: FastifyInstance, opts: { peers: Peers }) {
  const { conversation: c, routing } = opts.peers;

  app.get<{ Querystring: { status?: string; queueId?: string; assignedAgentId?: string; pageSize?: string; pageToken?: string } }>(
    '/conversations',
    {
      schema: {
        operationId: 'listConversations',
        tags: ['conversations'],
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: statuses.names },
            queueId: ID,
            assignedAgentId: ID,
            // Query strings are text (the gateway never coerces types): 1-200.
            pageSize: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9][0-9]|200)$' },
            pageToken: { type: 'string', maxLength: 512 },
          },
        },
        response: { 200: { type: 'object', properties: { conversations: { type: 'array', items: conversationSchema }, nextPageToken: { type: 'string' } } }, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request);
      const q = request.query;
      const res = await unary(
        c,
        c.listConversations,
        { status: q.status ? statuses.fromRest(q.status) : 0, queueId: q.queueId ?? '', assignedAgentId: q.assignedAgentId ?? '', pageSize: q.pageSize ? Number(q.pageSize) : 50, pageToken: q.pageToken ?? '' },
        callOptions(request, p),
      );
      return { conversations: res.conversations.map(conversationView), nextPageToken: res.nextPageToken || undefined };
    },
  );

  app.post<{ Params: IdParams; Body: { text: string } }>(
    '/conversations/:conversationId/notes',
    idempotent(action('addInternalNote', 'conversations', { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 16384 } } })),
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(c, c.addInternalNote, { conversationId: request.params.conversationId, agentId: p.subject, text: request.body.text }, callOptions(request, p));
      return result(res.result);
    },
  );

  app.post<{ Params: IdParams; Body: { add?: string[]; remove?: string[] } }>(
    '/conversations/:conversationId/tags',
    action('tagConversation', 'conversations', { type: 'object', additionalProperties: false, properties: { add: { type: 'array', items: TAG, maxItems: 50 }, remove: { type: 'array', items: TAG, maxItems: 50 } } }),
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(c, c.tagConversation, { conversationId: request.params.conversationId, add: request.body.add ?? [], remove: request.body.remove ?? [] }, callOptions(request, p));
      return result(res.result);
    },
  );

  app.put<{ Params: IdParams; Body: { priority: string } }>(
    '/conversations/:conversationId/priority',
    action('setPriority', 'conversations', { type: 'object', required: ['priority'], additionalProperties: false, properties: { priority: { type: 'string', enum: priorities.names } } }),
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(c, c.setPriority, { conversationId: request.params.conversationId, priority: priorities.fromRest(request.body.priority) }, callOptions(request, p));
      return result(res.result);
    },
  );

  app.post<{ Params: IdParams; Body: { toAgentId?: string; toTeamId?: string; reason?: string } }>(
    '/conversations/:conversationId/transfer',
    action('transferConversation', 'conversations', {
      type: 'object',
      additionalProperties: false,
      properties: { toAgentId: ID, toTeamId: ID, reason: { type: 'string', maxLength: 500 } },
      oneOf: [{ required: ['toAgentId'] }, { required: ['toTeamId'] }],
    }),
    async (request) => {
      const p = await requireStaff(request);
      const b = request.body;
      const target = b.toAgentId !== undefined ? { $case: 'toAgentId' as const, value: b.toAgentId } : { $case: 'toTeamId' as const, value: b.toTeamId! };
      const res = await unary(routing, routing.transferConversation, { conversationId: request.params.conversationId, target, reason: b.reason ?? '' }, callOptions(request, p));
      return { conversationId: request.params.conversationId, revision: res.revision };
    },
  );

  app.post<{ Params: IdParams }>('/conversations/:conversationId/resolve', action('resolveConversation', 'conversations'), async (request) => {
    const p = await requireStaff(request);
    return result((await unary(c, c.resolveConversation, { conversationId: request.params.conversationId }, callOptions(request, p))).result);
  });

  app.post<{ Params: IdParams; Body: { reason?: string } }>(
    '/conversations/:conversationId/reopen',
    action('reopenConversation', 'conversations', { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } }),
    async (request) => {
      const p = await requireStaff(request);
      return result((await unary(c, c.reopenConversation, { conversationId: request.params.conversationId, reason: request.body?.reason ?? '' }, callOptions(request, p))).result);
    },
  );

  app.post<{ Params: IdParams; Body: { status?: string } }>(
    '/conversations/:conversationId/ticket',
    action('convertToTicket', 'tickets', { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ticketStatuses.names } } }),
    async (request) => {
      const p = await requireStaff(request);
      const ticketStatus = ticketStatuses.fromRest(request.body?.status ?? 'open');
      return result((await unary(c, c.convertToTicket, { conversationId: request.params.conversationId, ticketStatus }, callOptions(request, p))).result);
    },
  );

  app.get<{ Params: { customerId: string }; Querystring: { pageToken?: string } }>(
    '/customers/:customerId/timeline',
    {
      schema: {
        operationId: 'getCustomerTimeline',
        tags: ['customers'],
        security,
        params: { type: 'object', required: ['customerId'], properties: { customerId: customerIdSchema } },
        querystring: { type: 'object', additionalProperties: false, properties: { pageToken: { type: 'string', maxLength: 512 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              customerIds: { type: 'array', items: { type: 'string' } },
              entries: { type: 'array', items: { type: 'object', properties: { conversation: conversationSchema, recentMessages: conversationSchema.properties.messages } } },
              nextPageToken: { type: 'string' },
            },
          },
          '4xx': problem,
        },
      },
    },
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(c, c.getCustomerTimeline, { customerId: request.params.customerId, pageSize: 20, pageToken: request.query.pageToken ?? '' }, callOptions(request, p));
      return {
        customerIds: res.customerIds,
        entries: res.entries.map((e) => ({ conversation: e.conversation && conversationView(e.conversation), recentMessages: e.recentMessages.map(messageView) })),
        nextPageToken: res.nextPageToken || undefined,
      };
    },
  );
}
