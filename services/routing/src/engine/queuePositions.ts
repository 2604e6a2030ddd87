import type { AgentPool } from '../domain/agentPool';
import { capacityOn, loadOn } from '../domain/agentView';
import { judgeFit, requirementFor } from '../domain/eligibility';
import { estimateWaitSeconds, THROUGHPUT_WINDOW_MS } from '../domain/estimate';
import { isActive, type OfferRecord } from '../domain/offer';
import type { QueuePolicy } from '../domain/policy';
import { route } from '../domain/route';
import { effectivePriority, type Waiting } from '../domain/waiting';
import type { WaitingLine } from '../domain/waitingLine';
import type { Versioned } from '../store/routingStore';

/** Where a waiting conversation stands. */
export interface Position {
  queueId: string;
  position: number;
  queueLength: number;
  estimatedWaitSeconds: number | undefined;
  effectivePriority: number;
  waitingSince: number;
  reason: string;
  excluded: Record<string, number>;
  offeredTo: string[];
}

export interface QueuePositionsDeps {
  line: (tenantId: string) => WaitingLine | undefined;
  /** The tenant's policy lookup, once its definitions are loaded. */
  policies: (tenantId: string) => Promise<(w: Waiting) => QueuePolicy | undefined>;
  pool: (tenantId: string) => AgentPool;
  offer: (tenantId: string, conversationId: string) => Versioned<OfferRecord> | undefined;
  now: () => number;
}

/**
 * What a waiting conversation is told (GetQueuePosition, the bot's
 * greeting): its place in its own line, the line's length, the expected
 * wait from the queue's recent pace (the assignments recorded here) or its
 * staffing, and why it waits.
 */
export class QueuePositions {
  private readonly assignedAt = new Map<string, number[]>();

  constructor(private readonly deps: QueuePositionsDeps) {}

  recordAssignment(tenantId: string, queueId: string, at: number): void {
    const k = `${tenantId}/${queueId}`;
    const recent = this.assignedAt.get(k) ?? [];
    recent.push(at);
    // Trimmed now and then, not on every assignment: at a thousand a second, a filter each time is the cost.
    if (recent.length > 1_500) this.assignedAt.set(k, recent.filter((t) => at - t <= THROUGHPUT_WINDOW_MS).slice(-1_000));
    else this.assignedAt.set(k, recent);
  }

  /** Undefined when the conversation does not wait. */
  async position(tenantId: string, conversationId: string): Promise<Position | undefined> {
    const line = this.deps.line(tenantId);
    const w = line?.get(conversationId);
    if (!w) return undefined;
    const policyOf = await this.deps.policies(tenantId);
    const now = this.deps.now();
    const policy = policyOf(w);
    const place = line!.position(conversationId, policyOf, now);
    if (!place) return undefined;
    const { servingSlots, freeSlots } = this.slotsFor(tenantId, w, policy, now);
    const offer = this.deps.offer(tenantId, conversationId);
    const offeredTo = isActive(offer?.value, now) ? offer!.value.agentIds : [];
    const outcome = route({ waiting: w, policy, agents: this.deps.pool(tenantId), declined: new Set(offer?.value.declined ?? []), now });
    const { position } = place;
    const reason =
      offeredTo.length > 0
        ? `offered to ${offeredTo.length === 1 ? `agent ${offeredTo[0]}` : `${offeredTo.length} agents`}, waiting for acceptance`
        : outcome.kind === 'wait'
          ? outcome.reason
          : `${position - 1} conversation${position === 2 ? '' : 's'} ahead; an eligible agent is being chosen`;
    return {
      queueId: w.queueId || w.teamId,
      position,
      queueLength: place.length,
      estimatedWaitSeconds: estimateWaitSeconds({
        position,
        recentAssignments: this.assignedAt.get(`${tenantId}/${w.queueId}`) ?? [],
        servingSlots,
        freeSlots,
        averageHandleSeconds: policy?.averageHandleSeconds || 300,
        now,
      }),
      effectivePriority: effectivePriority(w, policy, now),
      waitingSince: w.queuedAt,
      reason,
      excluded: (outcome.kind === 'wait' ? outcome.excluded : outcome.decision.excluded) as Record<string, number>,
      offeredTo,
    };
  }

  /**
   * The expected wait alone (what the bot's greeting says). Nobody serving:
   * undefined at once, without finding the conversation's place among
   * possibly tens of thousands waiting after hours.
   */
  async estimate(tenantId: string, conversationId: string): Promise<number | undefined> {
    const w = this.deps.line(tenantId)?.get(conversationId);
    if (!w) return undefined;
    const policyOf = await this.deps.policies(tenantId);
    if (this.slotsFor(tenantId, w, policyOf(w), this.deps.now()).servingSlots === 0) return undefined;
    return (await this.position(tenantId, conversationId))?.estimatedWaitSeconds;
  }

  /** Slots of the agents on shift and at work who fit the conversation: all of them, and those free now. */
  private slotsFor(tenantId: string, w: Waiting, policy: QueuePolicy | undefined, now: number): { servingSlots: number; freeSlots: number } {
    const req = requirementFor(w, policy, now);
    let servingSlots = 0;
    let freeSlots = 0;
    for (const a of this.deps.pool(tenantId).values()) {
      if (!a.onShift || !a.acceptsWork || !judgeFit(a, req).ok) continue;
      servingSlots += capacityOn(a, w.channel);
      freeSlots += Math.max(0, capacityOn(a, w.channel) - loadOn(a, w.channel));
    }
    return { servingSlots, freeSlots };
  }
}
