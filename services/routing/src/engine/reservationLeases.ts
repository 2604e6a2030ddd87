import type { Logger } from '@contactcenter/infra';

/** How long a slot held for another region's conversation stands before its home region is asked whether it was used. */
export const DEFAULT_LEASE_MS = 30_000;

export interface LeaseDeps {
  leaseMs?: number;
  /** Which agent holds the conversation, asked of its home region; undefined when it cannot say yet. @throws when it does not answer */
  holderOf: (homeRegion: string, tenantId: string, conversationId: string) => Promise<string | undefined>;
  /** Gives the slot back in this region's presence. */
  release: (tenantId: string, agentId: string, conversationId: string) => Promise<void>;
  logger: Logger;
}

interface Lease {
  homeRegion: string;
  tenantId: string;
  conversationId: string;
  agentId: string;
  timer: NodeJS.Timeout;
}

/**
 * Slots this region's presence holds for conversations of other regions,
 * each on a lease: the home region reserves here, then assigns at home, and
 * could die or lose the link in between, leaving the slot held for nobody.
 * When a lease runs out, the home region is asked which agent holds the
 * conversation: the agent → the lease ends (the slot is released later by the
 * home, when the conversation ends or changes hands); anyone else or nobody →
 * the slot is released here; no answer or "cannot say yet" → asked again
 * after another lease. Only a clear "not this agent" releases, so a slow or
 * cut link never takes a slot from a conversation that has it.
 *
 * Leases live in the memory of the replica that reserved: if it stops, its
 * open leases are lost and such a slot stays held (as without leases).
 *
 * @example
 *   const leases = new ReservationLeases({ holderOf: (home, t, c) => remote.holder(home, { tenantId: t, conversationId: c }), release, logger });
 *   leases.take('eu', tenantId, conversationId, 'ann'); // after presence reserved ann's slot
 *   leases.end(tenantId, conversationId, 'ann');        // the home released it first
 */
export class ReservationLeases {
  private readonly leases = new Map<string, Lease>();
  private stopped = false;

  constructor(private readonly deps: LeaseDeps) {}

  get size(): number {
    return this.leases.size;
  }

  /** A slot was just held for `homeRegion`'s conversation. */
  take(homeRegion: string, tenantId: string, conversationId: string, agentId: string): void {
    if (this.stopped) return;
    const k = key(tenantId, conversationId, agentId);
    clearTimeout(this.leases.get(k)?.timer);
    const lease: Lease = { homeRegion, tenantId, conversationId, agentId, timer: this.schedule(() => this.check(lease)) };
    this.leases.set(k, lease);
  }

  /** The slot was released (by its home region): nothing left to watch. */
  end(tenantId: string, conversationId: string, agentId: string): void {
    const k = key(tenantId, conversationId, agentId);
    clearTimeout(this.leases.get(k)?.timer);
    this.leases.delete(k);
  }

  stop(): void {
    this.stopped = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
  }

  private schedule(work: () => Promise<void>): NodeJS.Timeout {
    const timer = setTimeout(() => void work(), this.deps.leaseMs ?? DEFAULT_LEASE_MS);
    timer.unref();
    return timer;
  }

  private async check(lease: Lease): Promise<void> {
    const { tenantId, conversationId, agentId, homeRegion } = lease;
    const { logger } = this.deps;
    const k = key(tenantId, conversationId, agentId);
    let holder: string | undefined;
    try {
      holder = await this.deps.holderOf(homeRegion, tenantId, conversationId);
    } catch (err) {
      logger.debug({ err, home_region: homeRegion, conversation_id: conversationId }, 'lease check: home region did not answer; asked again later');
    }
    if (this.leases.get(k) !== lease || this.stopped) return; // released or taken again meanwhile
    if (holder === undefined) {
      lease.timer = this.schedule(() => this.check(lease));
      return;
    }
    this.leases.delete(k);
    if (holder === agentId) return;
    logger.info({ tenant_id: tenantId, conversation_id: conversationId, agent_id: agentId, home_region: homeRegion, holder }, 'slot held for another region was not used there; released');
    await this.deps.release(tenantId, agentId, conversationId).catch((err) => {
      logger.warn({ err, conversation_id: conversationId, agent_id: agentId }, 'releasing an unused slot failed; asked again later');
      if (!this.stopped && !this.leases.has(k)) this.leases.set(k, { ...lease, timer: this.schedule(() => this.check(this.leases.get(k)!)) });
    });
  }
}

const key = (tenantId: string, conversationId: string, agentId: string) => `${tenantId}/${conversationId}/${agentId}`;
