import type { Logger } from '@contactcenter/infra';
import type { AgentView } from '../domain/agentView';
import type { ConversationFacts } from './conversationFeed';

export interface UnusedReservationsDeps {
  /** Tenants whose agents this replica knows. */
  tenants: () => Iterable<string>;
  agents: (tenantId: string) => Iterable<AgentView>;
  /** What the conversation events say of a conversation; undefined when they do not know it (another region's). */
  facts: (tenantId: string, conversationId: string) => ConversationFacts | undefined;
  /** An offer record exists for it: its claim's expiry cleans up, not this sweep. */
  claimed: (tenantId: string, conversationId: string) => boolean;
  /** This replica is reserving or assigning it right now. */
  busy: (tenantId: string, conversationId: string) => boolean;
  /**
   * Runs `work` while this replica does nothing else with the conversation
   * (a pass could otherwise reserve the same agent again, a no-op, and assign
   * between the check and the release); undefined, `work` not run, when busy.
   */
  exclusively: <T>(tenantId: string, conversationId: string, work: () => Promise<T>) => Promise<T | undefined>;
  /**
   * Runs `work` while no other routing replica may act on the conversation
   * (under its offer claim; at once when this replica is alone): another
   * replica could otherwise claim it, reserve the same agent (a no-op, the
   * slot being held) and assign between the check and the release.
   * Undefined, `work` not run, when another replica holds the claim.
   */
  whileClaimed: <T>(tenantId: string, conversationId: string, work: () => Promise<T>) => Promise<T | undefined>;
  /** The conversation service's word on who holds it ('' nobody; undefined when it does not know the conversation). @throws when it does not answer */
  holderOf: (tenantId: string, conversationId: string) => Promise<string | undefined>;
  /** Gives the slot back in presence. */
  release: (tenantId: string, agentId: string, conversationId: string) => Promise<void>;
  /** How long a reservation must stay unused before it is released (the claim TTL: what a claim would have held). */
  graceMs: number;
  now: () => number;
  logger: Logger;
  /** Counts each release. */
  onReleased?: () => void;
}

/**
 * Finds reservations nobody used and releases them: an agent's slot held for
 * a conversation that, by the events, is not theirs (still waiting, someone
 * else's, or over), with no offer record and nothing under way in this
 * replica. They are what a replica leaves when it dies between reserving an
 * agent and assigning without a claim (OfferBook, alone). A sweep only
 * notes such a slot; if a sweep at least `graceMs` later still finds it, the
 * conversation service is asked who holds the conversation (the events may
 * lag), and the slot is released unless it is that agent's. The check and
 * the release run while this replica does nothing else with the
 * conversation and, with other replicas alive, under its offer claim.
 *
 * Conversations the events do not know (another region's, held here for
 * follow-the-sun) are left to their leases.
 *
 * @example
 *   const sweep = new UnusedReservations({ ...deps, graceMs: 10_000 });
 *   setInterval(() => void sweep.sweep(), 5_000);
 */
export class UnusedReservations {
  /** Per tenant/agent/conversation, when a sweep first found the slot unused. */
  private readonly suspects = new Map<string, number>();
  private stopped = false;

  constructor(private readonly deps: UnusedReservationsDeps) {}

  /** Makes no more calls: a sweep under way ends at its next release. */
  stop(): void {
    this.stopped = true;
  }

  /** One look at every reservation; resolves to how many were released. */
  async sweep(): Promise<number> {
    const { now, graceMs } = this.deps;
    const seen = new Set<string>();
    const due: { tenantId: string; agentId: string; conversationId: string }[] = [];
    for (const tenantId of this.deps.tenants()) {
      for (const agent of this.deps.agents(tenantId)) {
        for (const conversationId of agent.holds) {
          if (!this.unused(tenantId, agent.agentId, conversationId)) continue;
          const k = `${tenantId}\n${agent.agentId}\n${conversationId}`;
          seen.add(k);
          const since = this.suspects.get(k);
          if (since === undefined) this.suspects.set(k, now());
          else if (now() - since >= graceMs) due.push({ tenantId, agentId: agent.agentId, conversationId });
        }
      }
    }
    for (const k of this.suspects.keys()) if (!seen.has(k)) this.suspects.delete(k);
    let released = 0;
    for (const r of due) {
      if (this.stopped) break;
      try {
        if (await this.release(r.tenantId, r.agentId, r.conversationId)) released++;
      } catch (err) {
        this.deps.logger.warn({ err, agent_id: r.agentId, conversation_id: r.conversationId }, 'could not check or release an unused reservation; looking again later');
      }
    }
    return released;
  }

  private unused(tenantId: string, agentId: string, conversationId: string): boolean {
    return this.unusedByRecords(tenantId, agentId, conversationId) && !this.deps.busy(tenantId, conversationId);
  }

  /** By the events and the offer records (not asking whether this replica is busy with it). */
  private unusedByRecords(tenantId: string, agentId: string, conversationId: string): boolean {
    const facts = this.deps.facts(tenantId, conversationId);
    if (!facts) return false;
    if (facts.status === 'assigned' && facts.agentId === agentId) return false;
    return !this.deps.claimed(tenantId, conversationId);
  }

  private async release(tenantId: string, agentId: string, conversationId: string): Promise<boolean> {
    const released = await this.deps.exclusively(tenantId, conversationId, async () => {
      // Looked at again now: the sweep's await on an earlier release may have let an assignment in.
      if (!this.unusedByRecords(tenantId, agentId, conversationId)) return false;
      const done = await this.deps.whileClaimed(tenantId, conversationId, async () => {
        const holder = await this.deps.holderOf(tenantId, conversationId);
        if (holder === undefined || holder === agentId) return false;
        await this.deps.release(tenantId, agentId, conversationId);
        return true;
      });
      return done ?? false;
    });
    if (!released) return false;
    this.suspects.delete(`${tenantId}\n${agentId}\n${conversationId}`);
    this.deps.logger.info({ tenant_id: tenantId, agent_id: agentId, conversation_id: conversationId }, 'released a reservation nobody used');
    this.deps.onReleased?.();
    return true;
  }
}
