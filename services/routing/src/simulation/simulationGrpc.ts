import { requireTenantId, type AsyncService, type Logger } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import type { QueueChange as QueueChangeProto, QueueHourFigures, RoutingServiceServer, SimulateRoutingRequest } from '@contactcenter/proto/routing/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import { requireToken, type StrategyName } from '../domain/policy';
import type { Peers } from '../engine/peers';
import { STRATEGY_NAMES } from '../grpc';
import type { RoutingStore } from '../store/routingStore';
import type { PolicyChange, QueueChange } from './policyChange';
import { readRecordedEvents } from './recordedEvents';
import { foldRecordedWindow, profileFacts } from './recordedWindow';
import type { QueueHour } from './report';
import { runWhatIf } from './whatIf';

/** The longest window replayed in one call: a week of traffic. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;

export interface SimulationDeps {
  store: RoutingStore;
  nats: NatsConnection;
  peers: Peers;
  /** The events stream (default CC_EVENTS). */
  stream?: string;
  logger?: Logger;
}

/**
 * SimulateRouting over gRPC: reads the tenant's recorded window (read-only),
 * its stored queues and its agents' current profiles, and replays the window
 * under the requested change. Writes nothing anywhere.
 */
export function simulationGrpc(deps: SimulationDeps): Pick<AsyncService<RoutingServiceServer>, 'simulateRouting'> {
  return {
    simulateRouting: async (req, ctx) => {
      const tenantId = requireTenantId(ctx.tenantId);
      const { start, end } = requireWindow(req, Date.now());
      const change = policyChangeFromProto(req);
      const target = { targetSeconds: req.serviceLevelTargetSeconds || 20, serviceLevel: req.serviceLevelGoal || 0.8 };
      const [events, queues, agents] = await Promise.all([
        readRecordedEvents(deps.nats, { tenantId, start, end, stream: deps.stream }),
        deps.store.listQueues(tenantId),
        deps.peers.listAgents(tenantId),
      ]);
      const known = new Map(agents.filter((a) => a.profile).map((a) => [a.profile!.agentId, profileFacts(a.profile!)]));
      const window = foldRecordedWindow(events, start, end, known);
      const result = await runWhatIf(window, queues, change, target, { logger: deps.logger });
      return {
        recorded: result.recorded.rows.map(figuresToProto),
        simulated: result.simulated.rows.map(figuresToProto),
        staffing: result.staffing.map((s) => ({ ...s, hourStart: new Date(s.hourStart) })),
        conversations: window.conversations.length,
        agents: result.agents,
      };
    },
  };
}

/** @throws ValidationError naming window_start or window_end. */
export function requireWindow(req: Pick<SimulateRoutingRequest, 'windowStart' | 'windowEnd'>, now: number): { start: number; end: number } {
  if (!req.windowStart) throw new ValidationError('window_start', 'is required');
  if (!req.windowEnd) throw new ValidationError('window_end', 'is required');
  const start = req.windowStart.getTime();
  const end = req.windowEnd.getTime();
  if (!(end > start)) throw new ValidationError('window_end', 'must be after window_start');
  if (end - start > MAX_WINDOW_MS) throw new ValidationError('window_end', `the window may be at most ${MAX_WINDOW_MS / 3_600_000} hours long`);
  if (end > now) throw new ValidationError('window_end', 'is in the future: only recorded traffic can be replayed');
  return { start, end };
}

function policyChangeFromProto(req: SimulateRoutingRequest): PolicyChange {
  return {
    queues: req.queueChanges.map((q, i) => queueChangeFromProto(q, i)),
    staffing: req.staffing.map((s) => ({ skill: s.skill, language: s.language, add: s.add, remove: s.remove })),
    shiftMoves: req.shiftMoves.map((m) => ({ agentId: m.agentId, minutes: m.minutes })),
  };
}

function queueChangeFromProto(q: QueueChangeProto, i: number): QueueChange {
  const strategy: StrategyName | undefined = q.strategy === undefined ? undefined : STRATEGY_NAMES[q.strategy];
  if (q.strategy !== undefined && !strategy) throw new ValidationError(`queue_changes[${i}].strategy`, `unknown strategy ${q.strategy}`);
  return {
    queueId: requireToken(`queue_changes[${i}].queue_id`, q.queueId),
    strategy,
    offerTimeoutSeconds: q.offerTimeoutSeconds,
    agingSeconds: q.agingSeconds,
    overflow: q.overflow && { afterSeconds: q.overflow.afterSeconds, widen: q.overflow.widen, toQueueId: q.overflow.toQueueId },
  };
}

const figuresToProto = (r: QueueHour): QueueHourFigures => ({ ...r, hourStart: new Date(r.hourStart) });
