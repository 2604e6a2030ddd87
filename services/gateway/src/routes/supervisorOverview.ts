import { unary } from '@contactcenter/infra';
import { AgentStatus } from '@contactcenter/proto/presence/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff, type Principal } from '../plugins/auth';
import { AGENT_STATUSES, mergeOverview, regionOverviewOf, type AgentCounts, type RegionOverview, type SupervisorOverview } from '../regions/crossRegionView';
import { askEveryRegion, wantsAllRegions, withQuery, type RegionFanOut } from '../regions/regionFanOut';
import { regionScopeSchema, regionStatesSchema } from '../schemas/regionScope';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];

const STATUS_KEYS = new Map<AgentStatus, keyof AgentCounts>([
  [AgentStatus.AGENT_STATUS_ONLINE, 'online'],
  [AgentStatus.AGENT_STATUS_AWAY, 'away'],
  [AgentStatus.AGENT_STATUS_BUSY, 'busy'],
  [AgentStatus.AGENT_STATUS_CUSTOM, 'custom'],
]);

const queueFigures = {
  queueId: { type: 'string' },
  name: { type: 'string' },
  waiting: { type: 'integer', description: 'Conversations waiting in the queue now.' },
  oldestWaitingSince: { type: ['string', 'null'], format: 'date-time', description: 'Since when the longest-waiting conversation waits (null: nobody waits).' },
  longestWaitSeconds: { type: ['integer', 'null'] },
} as const;
const agentCounts = Object.fromEntries([...AGENT_STATUSES, 'acceptingWork'].map((k) => [k, { type: 'integer' }]));
const overviewSchema = {
  type: 'object',
  properties: {
    scope: { type: 'string', enum: ['region', 'all-regions'] },
    asOf: { type: 'string', format: 'date-time' },
    complete: { type: 'boolean', description: 'Every region answered; when false, the totals cover only the regions `regions` lists as ok.' },
    regions: regionStatesSchema,
    queues: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ...queueFigures, byRegion: { type: 'array', items: { type: 'object', properties: { region: { type: 'string' }, ...queueFigures } } } },
      },
    },
    agents: {
      type: 'object',
      description: 'Agents by presence status (an agent counts in the one region their desk connects to), together and per region.',
      properties: { ...agentCounts, byRegion: { type: 'array', items: { type: 'object', properties: { region: { type: 'string' }, ...agentCounts } } } },
    },
  },
} as const;

/**
 * The supervisor's live overview: queue depth and the longest wait per
 * queue, and how many agents are online, away, busy or offline. With
 * `scope=all-regions` (multi-region deployments) every region answers for
 * itself, in parallel, and the answers are merged: a region that does not
 * answer in time is named and left out of the totals.
 */
export async function supervisorOverviewRoutes(app: FastifyInstance, opts: { peers: Peers; regions: RegionFanOut }) {
  const { presence, routing } = opts.peers;

  const regionOverview = async (request: FastifyRequest, p: Principal): Promise<RegionOverview> => {
    const call = callOptions(request, p);
    const [{ agents }, { queues }] = await Promise.all([
      unary(presence, presence.listAgents, { availableOnly: false, channel: '' }, call),
      unary(routing, routing.listQueues, {}, call),
    ]);
    const counts: AgentCounts = { online: 0, away: 0, busy: 0, custom: 0, offline: 0, acceptingWork: 0 };
    for (const a of agents) {
      counts[STATUS_KEYS.get(a.status) ?? 'offline']++;
      if (a.acceptsWork) counts.acceptingWork++;
    }
    const loads = await Promise.all(
      queues.map(async (q) => {
        const res = await unary(routing, routing.getQueue, { queueId: q.queueId }, call);
        return { queueId: q.queueId, name: q.name, waiting: res.waiting, oldestWaitingSince: res.oldestWaitingSince?.toISOString() ?? null };
      }),
    );
    return { queues: loads, agents: counts };
  };

  app.get<{ Querystring: { scope?: 'region' | 'all-regions' } }>(
    '/supervisor/overview',
    {
      schema: {
        operationId: 'getSupervisorOverview',
        tags: ['presence'],
        security,
        querystring: { type: 'object', additionalProperties: false, properties: { scope: regionScopeSchema } },
        response: { 200: overviewSchema, '4xx': problem },
      },
    },
    async (request): Promise<SupervisorOverview> => {
      const p = await requireStaff(request, ['supervisor', 'admin']);
      if (!wantsAllRegions(request, request.query.scope)) {
        return mergeOverview('region', [{ region: opts.regions.region, status: 'ok', answer: await regionOverview(request, p) }], Date.now());
      }
      // Another region answers with its one-region view: its own figures are that view's totals.
      const outcomes = await askEveryRegion(opts.regions, request, withQuery(request.url, { scope: 'region' }), () => regionOverview(request, p), (json) => regionOverviewOf(json as SupervisorOverview));
      return mergeOverview('all-regions', outcomes, Date.now());
    },
  );
}
