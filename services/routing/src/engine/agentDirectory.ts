import type { Logger } from '@contactcenter/infra';
import { decodeCloudEvent, eventFilter, parseEventSubject } from '@contactcenter/infra/events';
import type { Agent } from '@contactcenter/proto/presence/v1';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { primaryLanguage } from '@contactcenter/infra';
import { AgentPool } from '../domain/agentPool';
import type { AgentView } from '../domain/agentView';
import type { ChannelName } from '../domain/policy';
import type { Peers } from './peers';
import { shiftHoursOf } from './shiftHours';

const ms = (d: Date | undefined): number => (d ? d.getTime() : 0);

/** Presence's Agent, as routing looks at it. */
export function toView(agent: Agent): AgentView {
  const p = agent.profile!;
  return {
    agentId: p.agentId,
    acceptsWork: agent.acceptsWork,
    onShift: agent.onShift,
    unavailableReason: agent.unavailableReason,
    skills: new Map(p.skills.map((s) => [s.name, s.level])),
    languages: p.languages.map((l) => l.toLowerCase()),
    primaryLanguages: new Set(p.languages.map(primaryLanguage)),
    translationEnabled: p.translationEnabled,
    teamIds: p.teamIds,
    capacity: p.capacity as Partial<Record<ChannelName, number>>,
    load: agent.load as Partial<Record<ChannelName, number>>,
    idleSince: ms(agent.idleSince),
    lastAssignedAt: ms(agent.lastAssignedAt),
    holds: new Set(agent.reservations.map((r) => r.conversationId)),
    revision: agent.revision,
    hours: shiftHoursOf(p.calendar),
  };
}

/** A reservation presence announced or released, as its event carries it. */
type CapacityEvent = { conversationId: string; channel: ChannelName; at: number; load: number };

/** A reservation counted before presence confirmed it. */
type Pending = { channel: ChannelName; at: number };

/** A reservation counted ahead that nothing settled (a missed update) stops counting after this long; presence's word stands. */
const PENDING_TTL_MS = 30_000;

/**
 * Every agent of the tenants routing serves, kept close to presence without
 * re-reading them: presence's answers (to a reservation, say) are taken as
 * they come; its CapacityReserved and CapacityReleased events are folded in
 * directly (they say the load they left); any other change of an agent is
 * re-read. A full read per tenant at start and every `resyncMs` catches what
 * no event says (shifts begin and end by the clock) and what core NATS may
 * have dropped. Every state carries presence's revision, so an answer or an
 * event that arrives late never overwrites a newer state.
 *
 * The views live in one AgentPool per tenant, which routing decides on.
 */
export class AgentDirectory {
  /** Presence's word on each agent. */
  private readonly confirmed = new Map<string, Map<string, AgentView>>();
  /** What routing reserved and presence has not confirmed yet, per tenant/agent. */
  private readonly pending = new Map<string, Map<string, Pending>>();
  private readonly pools = new Map<string, AgentPool>();
  private readonly dirty = new Map<string, Set<string>>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly peers: Peers,
    private readonly logger: Logger,
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** The tenant's agents as routing decides on them (reservations in flight counted). */
  pool(tenantId: string): AgentPool {
    let pool = this.pools.get(tenantId);
    if (!pool) this.pools.set(tenantId, (pool = new AgentPool()));
    return pool;
  }

  agents(tenantId: string): Iterable<AgentView> {
    return this.pools.get(tenantId)?.values() ?? [];
  }

  get(tenantId: string, agentId: string): AgentView | undefined {
    return this.pools.get(tenantId)?.get(agentId);
  }

  has(tenantId: string): boolean {
    return this.confirmed.has(tenantId);
  }

  /** The tenants routing serves, as of the last resync (those with queues) and since (those routed to). */
  tenantIds(): IterableIterator<string> {
    return this.confirmed.keys();
  }

  /** Takes presence's answer (e.g. to a reservation) as the agent's latest state, unless a newer one is known. */
  apply(tenantId: string, agent: Agent | undefined): void {
    if (!agent?.profile) return;
    this.confirm(tenantId, toView(agent));
  }

  /** Counts a reservation before presence confirms it, so that one pass does not pick the same agent twice. */
  reserveLocally(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): void {
    const view = this.confirmed.get(tenantId)?.get(agentId);
    if (!view || view.holds.has(conversationId)) return;
    const k = `${tenantId}/${agentId}`;
    let mine = this.pending.get(k);
    if (!mine) this.pending.set(k, (mine = new Map()));
    mine.set(conversationId, { channel, at: Date.now() });
    // Quiet: it only makes the agent less available, no "wait" verdict changes.
    this.pool(tenantId).set(this.withPending(view, mine), { quiet: true });
  }

  /** The reservation counted ahead is settled (confirmed, refused or given up): presence's word alone counts again. */
  settleLocally(tenantId: string, agentId: string, conversationId: string): void {
    const k = `${tenantId}/${agentId}`;
    const mine = this.pending.get(k);
    if (!mine?.delete(conversationId)) return;
    if (mine.size === 0) this.pending.delete(k);
    const view = this.confirmed.get(tenantId)?.get(agentId);
    if (view) this.publish(tenantId, view);
  }

  async refreshTenant(tenantId: string): Promise<void> {
    const agents = await this.peers.listAgents(tenantId);
    const seen = new Set<string>();
    if (!this.confirmed.has(tenantId)) this.confirmed.set(tenantId, new Map());
    const known = this.confirmed.get(tenantId)!;
    for (const agent of agents) {
      if (!agent.profile) continue;
      seen.add(agent.profile.agentId);
      // Unchanged since last seen (same revision, and the clock did not move them on or off shift): nothing to do.
      const view = known.get(agent.profile.agentId);
      if (view && view.revision === agent.revision && view.acceptsWork === agent.acceptsWork && view.onShift === agent.onShift) continue;
      this.confirm(tenantId, toView(agent), false);
    }
    const confirmed = this.confirmed.get(tenantId)!;
    for (const agentId of [...confirmed.keys()].filter((id) => !seen.has(id))) {
      confirmed.delete(agentId);
      this.pool(tenantId).delete(agentId);
    }
    this.onChange();
  }

  /**
   * Follows presence events (core NATS; a missed one is caught by the next
   * resync) and re-reads `tenants()` every `resyncMs`.
   */
  start(nc: NatsConnection, tenants: () => Promise<string[]>, resyncMs: number): void {
    this.subscription = nc.subscribe(eventFilter({ context: 'presence' }), { callback: (_err, msg) => this.onEvent(msg) });
    let last = 0;
    const loop = async () => {
      try {
        if (Date.now() - last >= resyncMs) {
          last = Date.now();
          for (const t of await tenants()) await this.refreshTenant(t);
        } else {
          await this.refreshDirty();
        }
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ err }, 'agent directory refresh failed');
      }
      // A refresh that was under way when stop() came must not schedule the next one.
      if (!this.stopped) this.timer = setTimeout(loop, 100);
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
  }

  private onEvent(msg: Msg): void {
    const where = parseEventSubject(msg.subject);
    const agentId = msg.headers?.get('ce-subject');
    if (!where || !agentId || !this.confirmed.has(where.tenantId)) return;
    const revision = Number(msg.headers?.get('ce-revision') ?? 0);
    const view = this.confirmed.get(where.tenantId)!.get(agentId);
    if (view && revision > 0 && revision <= (view.revision ?? 0)) return; // already known
    if (view && revision > 0 && (where.eventType === 'CapacityReserved' || where.eventType === 'CapacityReleased')) {
      try {
        const e = decodeCloudEvent(msg).data as CapacityEvent;
        this.confirm(where.tenantId, folded(view, where.eventType === 'CapacityReserved', e, revision));
        return;
      } catch (err) {
        this.logger.debug({ err, subject: msg.subject }, 'presence event not understood; the agent is read again');
      }
    }
    let set = this.dirty.get(where.tenantId);
    if (!set) this.dirty.set(where.tenantId, (set = new Set()));
    set.add(agentId);
  }

  private async refreshDirty(): Promise<void> {
    const dirty = [...this.dirty.entries()];
    this.dirty.clear();
    await Promise.all(
      dirty.flatMap(([tenantId, ids]) =>
        [...ids].map(async (agentId) => this.apply(tenantId, await this.peers.getAgent(tenantId, agentId).catch(() => undefined))),
      ),
    );
  }

  private confirm(tenantId: string, view: AgentView, notify = true): void {
    let agents = this.confirmed.get(tenantId);
    if (!agents) this.confirmed.set(tenantId, (agents = new Map()));
    const known = agents.get(view.agentId);
    if (known && (view.revision ?? 0) > 0 && (view.revision ?? 0) < (known.revision ?? 0)) return;
    agents.set(view.agentId, view);
    this.publish(tenantId, view);
    if (notify) this.onChange();
  }

  private publish(tenantId: string, view: AgentView): void {
    const mine = this.pending.get(`${tenantId}/${view.agentId}`);
    this.pool(tenantId).set(mine ? this.withPending(view, mine) : view);
  }

  /** The agent with the reservations counted ahead added (those presence already shows are not counted twice). */
  private withPending(view: AgentView, mine: Map<string, Pending>): AgentView {
    const load = { ...view.load };
    const holds = new Set(view.holds);
    let lastAssignedAt = view.lastAssignedAt;
    const now = Date.now();
    for (const [conversationId, p] of mine) {
      if (now - p.at > PENDING_TTL_MS) mine.delete(conversationId);
      if (holds.has(conversationId) || now - p.at > PENDING_TTL_MS) continue;
      holds.add(conversationId);
      load[p.channel] = (load[p.channel] ?? 0) + 1;
      lastAssignedAt = Math.max(lastAssignedAt, p.at);
    }
    return { ...view, load, holds, lastAssignedAt, idleSince: holds.size > 0 ? 0 : view.idleSince };
  }
}

/** The agent after a reservation or release presence announced: the event says the load it left on the channel. */
function folded(view: AgentView, reserved: boolean, e: CapacityEvent, revision: number): AgentView {
  const holds = new Set(view.holds);
  if (reserved) holds.add(e.conversationId);
  else holds.delete(e.conversationId);
  return {
    ...view,
    load: { ...view.load, [e.channel]: e.load },
    holds,
    lastAssignedAt: reserved ? e.at : view.lastAssignedAt,
    idleSince: holds.size > 0 ? 0 : reserved ? view.idleSince : e.at,
    revision,
  };
}
