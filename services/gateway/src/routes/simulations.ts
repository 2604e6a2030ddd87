import { unary } from '@contactcenter/infra';
import { SimulateRoutingRequest, type QueueHourFigures, type SimulateRoutingResponse } from '@contactcenter/proto/routing/v1';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { fieldValidationError, protoBodySchema } from '../schemas/protoBodies';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const requestBody = protoBodySchema('contactcenter.routing.v1.SimulateRoutingRequest');
/** A replay reads a window of events and runs it on a virtual clock: seconds for a day of traffic, not milliseconds. */
const SIMULATION_DEADLINE_MS = 120_000;
const HOUR = 3_600_000;

/** Figures a chart draws per queue and hour, recorded beside simulated. */
const CHARTED = ['arrivals', 'waitP50Seconds', 'waitP90Seconds', 'firstResponseP50Seconds', 'serviceLevel', 'abandonment', 'occupancy', 'agentsWorking'] as const;

const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const hourStart = { type: 'string', format: 'date-time' } as const;
const rowSchema = {
  type: 'object',
  properties: {
    queueId: { type: 'string' }, hourStart, arrivals: int, answered: int, abandoned: int, waitP50Seconds: num, waitP90Seconds: num,
    firstResponseP50Seconds: num, firstResponseP90Seconds: num, abandonment: num, serviceLevel: num, occupancy: num, agentsWorking: num,
  },
} as const;
const staffingSchema = {
  type: 'object',
  properties: { queueId: { type: 'string' }, hourStart, arrivals: int, averageHandleSeconds: num, patienceSeconds: num, concurrency: int, erlangCAgents: int, erlangAAgents: int },
} as const;
const nullableNumbers = { type: 'array', items: { type: ['number', 'null'] } } as const;
const responseSchema = {
  type: 'object',
  properties: {
    windowStart: hourStart,
    windowEnd: hourStart,
    conversations: int,
    agents: int,
    recorded: { type: 'array', items: rowSchema },
    simulated: { type: 'array', items: rowSchema },
    staffing: { type: 'array', items: staffingSchema },
    series: {
      type: 'object',
      properties: {
        hours: { type: 'array', items: hourStart },
        lines: { type: 'array', items: { type: 'object', properties: { queueId: { type: 'string' }, figure: { type: 'string', enum: [...CHARTED] }, recorded: nullableNumbers, simulated: nullableNumbers } } },
      },
    },
  },
} as const;

const rowView = (r: QueueHourFigures) => ({ ...r, hourStart: r.hourStart?.toISOString() });

/**
 * The rows as lines of a chart: one x axis (the window's hours) and per
 * queue and figure the recorded and the simulated values, null in hours
 * when the queue had no arrivals.
 */
export function chartSeries(res: SimulateRoutingResponse, start: Date, end: Date) {
  const hours: number[] = [];
  for (let h = Math.floor(start.getTime() / HOUR) * HOUR; h < end.getTime(); h += HOUR) hours.push(h);
  const at = (rows: QueueHourFigures[], queueId: string, figure: (typeof CHARTED)[number]) =>
    hours.map((h) => rows.find((r) => r.queueId === queueId && r.hourStart?.getTime() === h)?.[figure] ?? null);
  const queueIds = [...new Set([...res.recorded, ...res.simulated].map((r) => r.queueId))].sort();
  return {
    hours: hours.map((h) => new Date(h).toISOString()),
    lines: queueIds.flatMap((queueId) => CHARTED.map((figure) => ({ queueId, figure, recorded: at(res.recorded, queueId, figure), simulated: at(res.simulated, queueId, figure) }))),
  };
}

/**
 * Routing what-ifs for supervisors and admins: POST /v1/simulations replays
 * a recorded window of the tenant's traffic under a changed policy and
 * answers per queue and hour (recorded, simulated, Erlang staffing) and as
 * chart series. Bad input is a 400 naming the field (from routing's
 * INVALID_ARGUMENT); nothing in the live system changes.
 */
export async function simulationRoutes(app: FastifyInstance, opts: { peers: Peers }): Promise<void> {
  const { routing } = opts.peers;
  app.post<{ Body: Record<string, unknown> }>(
    '/simulations',
    {
      schema: { operationId: 'simulateRouting', tags: ['supervisor'], security, body: requestBody, response: { 200: responseSchema, '4xx': problem } },
      schemaErrorFormatter: fieldValidationError,
    },
    async (request) => {
      const p = await requireStaff(request, ['supervisor', 'admin']);
      const req = SimulateRoutingRequest.fromJSON(request.body);
      const res = await unary(routing, routing.simulateRouting, req, { ...callOptions(request, p), deadlineMs: SIMULATION_DEADLINE_MS });
      return {
        windowStart: req.windowStart?.toISOString(),
        windowEnd: req.windowEnd?.toISOString(),
        conversations: res.conversations,
        agents: res.agents,
        recorded: res.recorded.map(rowView),
        simulated: res.simulated.map(rowView),
        staffing: res.staffing.map((s) => ({ ...s, hourStart: s.hourStart?.toISOString() })),
        series: req.windowStart && req.windowEnd ? chartSeries(res, req.windowStart, req.windowEnd) : { hours: [], lines: [] },
      };
    },
  );
}
