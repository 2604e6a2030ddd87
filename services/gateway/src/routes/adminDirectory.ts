import { unary, ValidationError } from '@contactcenter/infra';
import { AgentProfile } from '@contactcenter/proto/presence/v1';
import { FaqEntry, Queue, Team } from '@contactcenter/proto/routing/v1';
import { CannedResponse, TenantSettings } from '@contactcenter/proto/translation/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { placeholderProblem } from '../cannedResponses/placeholders';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { fieldValidationError, protoBodySchema } from '../schemas/protoBodies';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const idParam = (name: string) => ({ type: 'object', required: [name], properties: { [name]: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } }) as const;
/** The proto3-JSON bodies, checked against the contracts: an unknown field, a wrong type or an unknown enum name is a 400 naming the field. */
const bodies = {
  agent: protoBodySchema('contactcenter.presence.v1.AgentProfile', { fromPath: ['agentId'] }),
  queue: protoBodySchema('contactcenter.routing.v1.Queue', { fromPath: ['queueId'], serverSet: ['revision'] }),
  team: protoBodySchema('contactcenter.routing.v1.Team', { fromPath: ['teamId'] }),
  faqEntry: protoBodySchema('contactcenter.routing.v1.FaqEntry', { fromPath: ['entryId'] }),
  cannedResponse: protoBodySchema('contactcenter.translation.v1.CannedResponse', { fromPath: ['cannedResponseId'] }),
  settings: protoBodySchema('contactcenter.translation.v1.TenantSettings'),
};
const admin = (request: FastifyRequest) => requireStaff(request, ['admin']);

/**
 * Tenant administration over REST: agents (skills, languages, capacity,
 * shifts), teams, queues, FAQ entries for the after-hours bot, canned
 * responses and translation settings, each of the admin's own tenant only.
 * Bodies use the proto3 JSON mapping of the contracts in `proto/` (camelCase
 * fields, enum names such as "STRATEGY_LEAST_BUSY"). The gateway checks
 * their shape against the contract (unknown fields, types, enum names), the
 * owning service the values; either names the field at fault (400). An id
 * in the body is optional: the path's wins.
 */
export async function adminDirectoryRoutes(app: FastifyInstance, opts: { peers: Peers }) {
  const { presence, routing, translation } = opts.peers;

  app.put<{ Params: { agentId: string }; Body: Record<string, unknown> }>(
    '/admin/agents/:agentId',
    { schema: { operationId: 'putAgent', tags: ['admin'], security, params: idParam('agentId'), body: bodies.agent, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const profile = AgentProfile.fromJSON({ ...request.body, agentId: request.params.agentId });
      const res = await unary(presence, presence.upsertAgent, { profile }, callOptions(request, p));
      return { agent: AgentProfile.toJSON(res.agent!.profile!) };
    },
  );

  app.get('/admin/agents', { schema: { operationId: 'listAgents', tags: ['admin'], security, response: { '4xx': problem } } }, async (request) => {
    const p = await admin(request);
    const res = await unary(presence, presence.listAgents, { availableOnly: false, channel: '' }, callOptions(request, p));
    return { agents: res.agents.map((a) => AgentProfile.toJSON(a.profile!)) };
  });

  app.put<{ Params: { queueId: string }; Body: Record<string, unknown> }>(
    '/admin/queues/:queueId',
    { schema: { operationId: 'putQueue', tags: ['admin'], security, params: idParam('queueId'), body: bodies.queue, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const queue = Queue.fromJSON({ ...request.body, queueId: request.params.queueId, revision: undefined });
      return { queue: Queue.toJSON((await unary(routing, routing.upsertQueue, { queue }, callOptions(request, p))).queue!) };
    },
  );

  // Queues and teams are read by supervisors too (their live views name them); only admins change them.
  app.get('/admin/queues', { schema: { operationId: 'listQueues', tags: ['admin'], security, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin', 'supervisor']);
    return { queues: (await unary(routing, routing.listQueues, {}, callOptions(request, p))).queues.map((q) => Queue.toJSON(q)) };
  });

  app.put<{ Params: { teamId: string }; Body: Record<string, unknown> }>(
    '/admin/teams/:teamId',
    { schema: { operationId: 'putTeam', tags: ['admin'], security, params: idParam('teamId'), body: bodies.team, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const team = Team.fromJSON({ ...request.body, teamId: request.params.teamId });
      return { team: Team.toJSON((await unary(routing, routing.upsertTeam, { team }, callOptions(request, p))).team!) };
    },
  );

  app.get('/admin/teams', { schema: { operationId: 'listTeams', tags: ['admin'], security, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin', 'supervisor']);
    return { teams: (await unary(routing, routing.listTeams, {}, callOptions(request, p))).teams.map((t) => Team.toJSON(t)) };
  });

  app.put<{ Params: { entryId: string }; Body: Record<string, unknown> }>(
    '/admin/faq/:entryId',
    { schema: { operationId: 'putFaqEntry', tags: ['admin'], security, params: idParam('entryId'), body: bodies.faqEntry, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const entry = FaqEntry.fromJSON({ ...request.body, entryId: request.params.entryId });
      return { entry: FaqEntry.toJSON((await unary(routing, routing.upsertFaqEntry, { entry }, callOptions(request, p))).entry!) };
    },
  );

  app.put<{ Params: { cannedResponseId: string }; Body: Record<string, unknown> }>(
    '/admin/canned-responses/:cannedResponseId',
    { schema: { operationId: 'putCannedResponse', tags: ['admin'], security, params: idParam('cannedResponseId'), body: bodies.cannedResponse, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const cannedResponse = CannedResponse.fromJSON({ ...request.body, cannedResponseId: request.params.cannedResponseId });
      // Placeholders are checked here, next to the renderer that fills them in (cannedResponses/placeholders.ts).
      for (const [tag, text] of Object.entries(cannedResponse.versions)) {
        const wrong = placeholderProblem(text);
        if (wrong) throw new ValidationError(`canned_response.versions[${tag}]`, wrong);
      }
      const res = await unary(translation, translation.upsertCannedResponse, { cannedResponse }, callOptions(request, p));
      return { cannedResponse: CannedResponse.toJSON(res.cannedResponse!) };
    },
  );

  // Agents read canned responses to pick one; only admins write them.
  app.get('/canned-responses', { schema: { operationId: 'listCannedResponses', tags: ['conversations'], security, response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request);
    const res = await unary(translation, translation.listCannedResponses, {}, callOptions(request, p));
    return { cannedResponses: res.cannedResponses.map((c) => CannedResponse.toJSON(c)) };
  });

  app.put<{ Body: Record<string, unknown> }>(
    '/admin/translation',
    { schema: { operationId: 'putTranslationSettings', tags: ['admin'], security, body: bodies.settings, response: { '4xx': problem } }, schemaErrorFormatter: fieldValidationError },
    async (request) => {
      const p = await admin(request);
      const settings = TenantSettings.fromJSON(request.body);
      return { settings: TenantSettings.toJSON((await unary(translation, translation.setTenantSettings, { settings }, callOptions(request, p))).settings!) };
    },
  );
}
