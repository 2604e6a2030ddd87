import type { Logger } from '@contactcenter/infra';
import { eventFilter, parseEventSubject } from '@contactcenter/infra/events';
import type { Agent } from '@contactcenter/proto/presence/v1';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { primaryLanguage } from '@contactcenter/infra';
import type { AgentView } from '../domain/agentView';
import type { ChannelName } from '../domain/policy';
import type { Peers } from './peers';

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
  };
}

/**
 * Every agent of the tenants routing serves, kept close to presence: a full
 * read per tenant at start and every `resyncMs` (shifts begin and end without
 * an event), and a re-read of one agent whenever presence announces a change
 * to them. `version` moves on every change, so routing can skip re-judging a
 * waiting conversation when no agent changed.
 */
export class AgentDirectory {
  private readonly tenants = new Map<string, Map<string, AgentView>>();
  private readonly dirty = new Map<string, Set<string>>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  version = 0;

  constructor(
    private readonly peers: Peers,
    private readonly logger: Logger,
    private readonly onChange: () => void = () => undefined,
  ) {}

  agents(tenantId: string): Iterable<AgentView> {
    return this.tenants.get(tenantId)?.values() ?? [];
  }

  get(tenantId: string, agentId: string): AgentView | undefined {
    return this.tenants.get(tenantId)?.get(agentId);
  }

  has(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  /** The tenants routing serves, as of the last resync (those with queues) and since (those routed to). */
  tenantIds(): IterableIterator<string> {
    return this.tenants.keys();
  }

  /** Takes presence's answer (e.g. to a reservation) as the agent's latest state. */
  apply(tenantId: string, agent: Agent | undefined): void {
    if (!agent?.profile) return;
    let agents = this.tenants.get(tenantId);
    if (!agents) this.tenants.set(tenantId, (agents = new Map()));
    agents.set(agent.profile.agentId, toView(agent));
    this.version++;
    this.onChange();
  }

  /** Counts a reservation before presence confirms it, so one pass does not pick the same agent twice. */
  reserveLocally(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): void {
    const view = this.get(tenantId, agentId);
    if (!view || view.holds.has(conversationId)) return;
    this.tenants.get(tenantId)!.set(agentId, {
      ...view,
      load: { ...view.load, [channel]: (view.load[channel] ?? 0) + 1 },
      holds: new Set([...view.holds, conversationId]),
      lastAssignedAt: Date.now(),
    });
  }

  async refreshTenant(tenantId: string): Promise<void> {
    const agents = await this.peers.listAgents(tenantId);
    this.tenants.set(tenantId, new Map(agents.filter((a) => a.profile).map((a) => [a.profile!.agentId, toView(a)])));
    this.version++;
    this.onChange();
  }

  /**
   * Follows presence events (core NATS; a missed one is caught by the next
   * resync) and re-reads `tenants()` every `resyncMs`.
   */
  start(nc: NatsConnection, tenants: () => Promise<string[]>, resyncMs: number): void {
    this.subscription = nc.subscribe(eventFilter({ context: 'presence' }), {
      callback: (_err, msg) => {
        const tenantId = parseEventSubject(msg.subject)?.tenantId;
        const agentId = msg.headers?.get('ce-subject');
        if (!agentId || tenantId === undefined || !this.tenants.has(tenantId)) return;
        let set = this.dirty.get(tenantId);
        if (!set) this.dirty.set(tenantId, (set = new Set()));
        set.add(agentId);
      },
    });
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

  private async refreshDirty(): Promise<void> {
    const dirty = [...this.dirty.entries()];
    this.dirty.clear();
    await Promise.all(
      dirty.flatMap(([tenantId, ids]) =>
        [...ids].map(async (agentId) => this.apply(tenantId, await this.peers.getAgent(tenantId, agentId).catch(() => undefined))),
      ),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
  }
}
