import { IllegalStateError, unary } from '@contactcenter/infra';
import { AgentStatus, type Agent } from '@contactcenter/proto/presence/v1';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { conversationIdParam } from '../schemas/conversation';
import { queuePositionSchema, queuePositionView } from '../schemas/routing';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];

const STATUS = { online: AgentStatus.AGENT_STATUS_ONLINE, away: AgentStatus.AGENT_STATUS_AWAY, busy: AgentStatus.AGENT_STATUS_BUSY, offline: AgentStatus.AGENT_STATUS_OFFLINE } as const;
const STATUS_NAMES = new Map<AgentStatus, string>([...Object.entries(STATUS).map(([k, v]) => [v, k] as [AgentStatus, string]), [AgentStatus.AGENT_STATUS_CUSTOM, 'custom']]);

const presenceSchema = {
  type: 'object',
  properties: {
    agentId: { type: 'string' },
    status: { type: 'string' },
    customStatus: { type: 'string' },
    acceptsWork: { type: 'boolean' },
    onShift: { type: 'boolean' },
    unavailableReason: { type: 'string' },
    connections: { type: 'integer' },
    load: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;
const presenceView = (a: Agent) => ({
  agentId: a.profile?.agentId ?? '',
  status: STATUS_NAMES.get(a.status) ?? 'offline',
  customStatus: a.customStatus,
  acceptsWork: a.acceptsWork,
  onShift: a.onShift,
  unavailableReason: a.unavailableReason,
  connections: a.connections,
  load: a.load,
});

/** An agent as a supervisor watches them: who, their presence, and their load against their capacity. */
const agentStateSchema = {
  type: 'object',
  properties: {
    ...presenceSchema.properties,
    displayName: { type: 'string' },
    statusSince: { type: 'string', format: 'date-time', description: 'When the status last changed (absent if never reported).' },
    capacity: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Conversations the agent may hold at once, per channel.' },
  },
} as const;
const agentStateView = (a: Agent) => ({
  ...presenceView(a),
  displayName: a.profile?.displayName ?? '',
  ...(a.statusSince ? { statusSince: a.statusSince.toISOString() } : {}),
  capacity: a.profile?.capacity ?? {},
});

const connectionBody = { type: 'object', required: ['connectionId'], additionalProperties: false, properties: { connectionId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } } as const;

/**
 * The agent desk's live link to presence and routing: heartbeats from each
 * open connection, status, the offers waiting for the agent, accepting and
 * declining them; and where a waiting conversation stands in its queue.
 */
export async function agentWorkRoutes(app: FastifyInstance, opts: { peers: Peers }) {
  const { presence, routing, conversation } = opts.peers;

  // Supervisors' live view of the team: every agent's status and load, which events then keep up to date.
  app.get(
    '/supervisor/agents',
    {
      schema: {
        operationId: 'listAgentStates',
        tags: ['presence'],
        security,
        response: { 200: { type: 'object', properties: { agents: { type: 'array', items: agentStateSchema } } }, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['supervisor', 'admin']);
      const res = await unary(presence, presence.listAgents, { availableOnly: false, channel: '' }, callOptions(request, p));
      return { agents: res.agents.map(agentStateView) };
    },
  );

  app.post<{ Body: { connectionId: string } }>(
    '/agents/me/heartbeat',
    { schema: { operationId: 'sendHeartbeat', tags: ['presence'], security, body: connectionBody, response: { 200: presenceSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(presence, presence.heartbeat, { agentId: p.subject, connectionId: request.body.connectionId }, callOptions(request, p));
      return presenceView(res.agent!);
    },
  );

  app.delete<{ Params: { connectionId: string } }>(
    '/agents/me/connections/:connectionId',
    { schema: { operationId: 'closeAgentConnection', tags: ['presence'], security, params: connectionBody, response: { 200: presenceSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(presence, presence.disconnect, { agentId: p.subject, connectionId: request.params.connectionId }, callOptions(request, p));
      return presenceView(res.agent!);
    },
  );

  app.put<{ Body: { status: keyof typeof STATUS | 'custom'; customStatus?: string } }>(
    '/agents/me/status',
    {
      schema: {
        operationId: 'setMyStatus',
        tags: ['presence'],
        security,
        body: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: [...Object.keys(STATUS), 'custom'] }, customStatus: { type: 'string', maxLength: 32 } } },
        response: { 200: presenceSchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request);
      const status = request.body.status === 'custom' ? AgentStatus.AGENT_STATUS_CUSTOM : STATUS[request.body.status];
      const res = await unary(presence, presence.setAgentStatus, { agentId: p.subject, status, customStatus: request.body.customStatus ?? '' }, callOptions(request, p));
      return presenceView(res.agent!);
    },
  );

  app.get(
    '/agents/me/offers',
    {
      schema: {
        operationId: 'listMyOffers',
        tags: ['routing'],
        security,
        response: {
          200: {
            type: 'object',
            properties: {
              offers: {
                type: 'array',
                items: { type: 'object', properties: { conversationId: { type: 'string' }, queueId: { type: 'string' }, channel: { type: 'string' }, language: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, offeredTo: { type: 'integer' } } },
              },
            },
          },
          '4xx': problem,
        },
      },
    },
    async (request) => {
      const p = await requireStaff(request);
      const res = await unary(routing, routing.listOffers, { agentId: p.subject }, callOptions(request, p));
      return { offers: res.offers.map((o) => ({ conversationId: o.conversationId, queueId: o.queueId, channel: o.channel, language: o.language, expiresAt: o.expiresAt?.toISOString(), offeredTo: o.agentIds.length })) };
    },
  );

  for (const action of ['accept', 'decline'] as const) {
    app.post<{ Params: { conversationId: string } }>(
      `/offers/:conversationId/${action}`,
      { schema: { operationId: `${action}Offer`, tags: ['routing'], security, params: conversationIdParam, response: { 200: { type: 'object', properties: { revision: { type: 'integer' } } }, '4xx': problem } } },
      async (request) => {
        const p = await requireStaff(request);
        const req = { conversationId: request.params.conversationId, agentId: p.subject };
        try {
          if (action === 'accept') return { revision: (await unary(routing, routing.acceptOffer, req, callOptions(request, p))).revision };
          await unary(routing, routing.declineOffer, req, callOptions(request, p));
          return {};
        } catch (err) {
          // Offers are kept per tenant, so routing answers any unknown id with 409 "no open offer"; a conversation
          // the tenant does not have is 404, as on every other route (another tenant's included). Looked up only
          // then, off the path of the accept an agent waits for.
          if (err instanceof IllegalStateError) await unary(conversation, conversation.getConversation, { conversationId: req.conversationId, includeNotes: false }, callOptions(request, p));
          throw err;
        }
      },
    );
  }

  app.get<{ Params: { conversationId: string } }>(
    '/conversations/:conversationId/queue-position',
    { schema: { operationId: 'getQueuePosition', tags: ['routing'], security, params: conversationIdParam, response: { 200: queuePositionSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request);
      return queuePositionView(await unary(routing, routing.getQueuePosition, { conversationId: request.params.conversationId }, callOptions(request, p)));
    },
  );
}
