import { isEvent, type ContactCenterClient, type ContactCenterEvent } from '@contactcenter/client';
import { ageOf, fill, h } from './dom';
import { MetricsPanel } from './metricsPanel';
import type { ProblemBanner } from './problems';
import type { AgentProfile, Conversation, Presence, QueueDefinition, TeamDefinition } from './types';

const REFRESH_MS = 15_000;
const PAGES = 5;
const MAX_CONVERSATION_ROWS = 100;

interface AgentRow {
  agentId: string;
  name?: string;
  status?: string;
  load: Record<string, number>;
  capacity: Record<string, number>;
}

/**
 * Supervisors and admins: the live queues (waiting, longest wait), the
 * agents (status, load), the conversations waiting or in progress (any one
 * opens with its full history), and the service metrics (metricsPanel.ts).
 * Directory names come from the admin routes when the staff member is an
 * admin; otherwise ids stand in for them.
 */
export class SupervisorView {
  readonly element: HTMLElement;
  private readonly queuesBody = h('tbody');
  private readonly agentsBody = h('tbody');
  private readonly conversationsBody = h('tbody');
  private assigned: Conversation[] = [];
  private readonly metrics: MetricsPanel;
  private queueDefs: QueueDefinition[] = [];
  teams: TeamDefinition[] = [];
  agentProfiles: AgentProfile[] = [];
  private readonly agents = new Map<string, AgentRow>();
  private queued: Conversation[] = [];
  private waitingSince = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: { client: ContactCenterClient; banner: ProblemBanner; admin: boolean; openConversation(conversationId: string): void }) {
    this.metrics = new MetricsPanel(deps);
    const table = (label: string, testid: string, headers: string[], body: HTMLElement) =>
      h(
        'div',
        { className: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': label },
        h('table', { testid }, h('caption', {}, label), h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))), body),
      );
    this.element = h(
      'section',
      { className: 'supervisor', id: 'supervisor', 'aria-labelledby': 'supervisor-title' },
      h('h2', { id: 'supervisor-title' }, 'Supervision'),
      h(
        'div',
        { className: 'supervisor-grid' },
        h('section', { className: 'panel', 'aria-labelledby': 'queues-title' }, h('h3', { id: 'queues-title' }, 'Queues'), table('Queues, live', 'desk-queues', ['Queue', 'Waiting', 'Longest wait'], this.queuesBody)),
        h('section', { className: 'panel', 'aria-labelledby': 'agents-title' }, h('h3', { id: 'agents-title' }, 'Agents'), table('Agents, live', 'desk-agents', ['Agent', 'Status', 'Load'], this.agentsBody)),
      ),
      h(
        'section',
        { className: 'panel', 'aria-labelledby': 'live-conversations-title' },
        h('h3', { id: 'live-conversations-title' }, 'Conversations waiting or in progress'),
        table('Conversations, live (open one to read it and its full history)', 'desk-supervisor-conversations', ['Conversation', 'Status', 'Queue', 'Agent', 'Since'], this.conversationsBody),
      ),
      this.metrics.element,
    );
  }

  start(): void {
    void this.loadDirectory();
    void this.loadAgentStates();
    void this.loadLive();
    void this.metrics.load();
    this.timer = setInterval(() => void this.loadLive(), REFRESH_MS);
  }

  /** The supervisor's own presence, as the heartbeat answers it (others' come as events). */
  presence(p: Presence): void {
    if (!p.agentId || !p.status) return;
    const a = this.agent(p.agentId);
    a.status = p.status === 'custom' ? p.customStatus || 'custom' : p.status;
    this.renderAgents();
  }

  /** After a reconnect: read the live state again. */
  reload(): void {
    void this.loadAgentStates();
    void this.loadLive();
  }

  /** Every agent's status, load and capacity now, from presence; events keep them up to date from there. */
  private async loadAgentStates(): Promise<void> {
    try {
      const { agents } = await this.deps.client.GET('/v1/supervisor/agents');
      for (const s of agents ?? []) {
        if (!s.agentId) continue;
        const a = this.agent(s.agentId);
        a.name = s.displayName || a.name;
        if (s.status) a.status = s.status === 'custom' ? s.customStatus || 'custom' : s.status;
        a.capacity = { ...(s.capacity ?? {}) };
        a.load = { ...(s.load ?? {}) };
      }
      this.renderAgents();
    } catch (err) {
      this.deps.banner.show(err, 'Loading the agents');
    }
  }

  onEvent(event: ContactCenterEvent): void {
    if (isEvent(event, 'contactcenter.presence.v1.AgentStatusChanged')) {
      this.agent(event.data.agentId).status = event.data.to === 'custom' ? event.data.toCustom || 'custom' : event.data.to;
      this.renderAgents();
    } else if (isEvent(event, 'contactcenter.presence.v1.CapacityReserved')) {
      const a = this.agent(event.data.agentId);
      a.load[event.data.channel] = event.data.load;
      a.capacity[event.data.channel] = event.data.capacity;
      this.renderAgents();
    } else if (isEvent(event, 'contactcenter.presence.v1.CapacityReleased')) {
      this.agent(event.data.agentId).load[event.data.channel] = event.data.load;
      this.renderAgents();
    } else if (isEvent(event, 'contactcenter.conversation.v1.ConversationQueued')) {
      if (event.data.conversationId && event.data.occurredAt) this.waitingSince.set(event.data.conversationId, event.data.occurredAt);
      this.soon();
    } else if (isEvent(event, 'contactcenter.conversation.v1.AgentAssigned') || isEvent(event, 'contactcenter.conversation.v1.ConversationStarted') || isEvent(event, 'contactcenter.conversation.v1.ConversationResolved')) {
      this.soon();
    }
  }

  /** Many events come in bursts: read the queues once after them. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.loadLive();
    }, 1000);
  }

  private agent(agentId: string): AgentRow {
    let a = this.agents.get(agentId);
    if (!a) this.agents.set(agentId, (a = { agentId, load: {}, capacity: {} }));
    return a;
  }

  private async loadDirectory(): Promise<void> {
    try {
      // Supervisors read the queues and teams (to name them); the agents' profiles are the admin's.
      const [queues, teams, agents] = await Promise.all([
        this.deps.client.GET('/v1/admin/queues') as Promise<unknown>,
        this.deps.client.GET('/v1/admin/teams') as Promise<unknown>,
        this.deps.admin ? (this.deps.client.GET('/v1/admin/agents') as Promise<unknown>) : Promise.resolve(undefined),
      ]);
      this.queueDefs = (queues as { queues?: QueueDefinition[] } | undefined)?.queues ?? [];
      this.teams = (teams as { teams?: TeamDefinition[] } | undefined)?.teams ?? [];
      this.agentProfiles = (agents as { agents?: AgentProfile[] } | undefined)?.agents ?? [];
      for (const p of this.agentProfiles) {
        if (!p.agentId) continue;
        const a = this.agent(p.agentId);
        a.name = p.displayName || undefined;
        a.capacity = { ...(p.capacity ?? {}), ...a.capacity };
      }
      this.renderQueues();
      this.renderAgents();
    } catch (err) {
      this.deps.banner.show(err, 'Loading queues, teams and agents');
    }
  }

  private async listAll(status: 'queued' | 'assigned'): Promise<Conversation[]> {
    const out: Conversation[] = [];
    let pageToken: string | undefined;
    for (let i = 0; i < PAGES; i++) {
      const res = await this.deps.client.GET('/v1/conversations', { params: { query: { status, pageSize: '200', ...(pageToken ? { pageToken } : {}) } } });
      out.push(...(res.conversations ?? []));
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
    return out;
  }

  private async loadLive(): Promise<void> {
    try {
      const [queued, assigned] = await Promise.all([this.listAll('queued'), this.listAll('assigned')]);
      this.queued = queued;
      this.assigned = assigned;
      // Load from the conversations assigned now; capacity events refine it live.
      const loads = new Map<string, Record<string, number>>();
      for (const c of assigned) {
        if (!c.assignedAgentId) continue;
        const l = loads.get(c.assignedAgentId) ?? {};
        const channel = c.channel ?? 'chat';
        l[channel] = (l[channel] ?? 0) + 1;
        loads.set(c.assignedAgentId, l);
      }
      for (const a of this.agents.values()) a.load = {};
      for (const [agentId, load] of loads) this.agent(agentId).load = load;
      await this.loadWaits();
      this.renderQueues();
      this.renderAgents();
      this.renderConversations();
    } catch (err) {
      this.deps.banner.show(err, 'Loading the live queues');
    }
  }

  /** Since when each queue's longest waiting conversations wait, as routing says (the oldest few per queue). */
  private async loadWaits(): Promise<void> {
    const byQueue = groupBy(this.queued, (c) => c.queueId ?? '');
    const asks: Promise<void>[] = [];
    for (const list of byQueue.values()) {
      const oldest = [...list].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '')).slice(0, 3);
      for (const c of oldest) {
        const id = c.conversationId;
        if (!id || this.waitingSince.has(id)) continue;
        asks.push(
          this.deps.client
            .GET('/v1/conversations/{conversationId}/queue-position', { params: { path: { conversationId: id } } })
            .then((p) => void (p.waitingSince && this.waitingSince.set(id, p.waitingSince)))
            .catch(() => undefined), // assigned meanwhile: no longer waiting
        );
      }
    }
    await Promise.all(asks);
  }

  private renderQueues(): void {
    const byQueue = groupBy(this.queued, (c) => c.queueId ?? '');
    const ids = new Set([...this.queueDefs.map((q) => q.queueId ?? ''), ...byQueue.keys()].filter((id) => id !== '' || byQueue.has('')));
    const now = Date.now();
    const rows = [...ids].sort().map((id) => {
      const waiting = byQueue.get(id) ?? [];
      const since = waiting.map((c) => this.waitingSince.get(c.conversationId ?? '') ?? c.startedAt).filter((s): s is string => Boolean(s)).sort()[0];
      const name = this.queueDefs.find((q) => q.queueId === id)?.name;
      return h(
        'tr',
        { 'data-queue-id': id, 'data-waiting': waiting.length },
        h('th', { scope: 'row' }, name ? `${name} (${id})` : id || 'No queue'),
        h('td', {}, waiting.length),
        h('td', {}, since ? h('time', { datetime: since }, ageOf(since, now)) : '—'),
      );
    });
    fill(this.queuesBody, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 3 }, 'Nobody is waiting.'))]));
  }

  private renderAgents(): void {
    const rows = [...this.agents.values()]
      .sort((a, b) => (a.name ?? a.agentId).localeCompare(b.name ?? b.agentId))
      .map((a) => {
        const channels = [...new Set([...Object.keys(a.load), ...Object.keys(a.capacity)])].filter((ch) => (a.load[ch] ?? 0) > 0 || (a.capacity[ch] ?? 0) > 0);
        const load = channels.map((ch) => `${ch} ${a.load[ch] ?? 0}${a.capacity[ch] ? `/${a.capacity[ch]}` : ''}`).join(', ') || '0';
        return h(
          'tr',
          { 'data-agent-id': a.agentId, 'data-status': a.status ?? 'unknown' },
          h('th', { scope: 'row' }, a.name ? `${a.name} (${a.agentId})` : a.agentId),
          h('td', {}, a.status ?? 'not reported yet'),
          h('td', {}, load),
        );
      });
    fill(this.agentsBody, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 3 }, 'No agents to show yet.'))]));
  }

  private renderConversations(): void {
    const now = Date.now();
    const rows = [...this.queued, ...this.assigned]
      .filter((c) => c.conversationId)
      .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''))
      .slice(0, MAX_CONVERSATION_ROWS)
      .map((c) => {
        const id = c.conversationId!;
        const since = this.waitingSince.get(id) ?? c.startedAt;
        return h(
          'tr',
          { 'data-entry-id': id },
          h('th', { scope: 'row' }, h('button', { type: 'button', className: 'quiet', onClick: () => this.deps.openConversation(id) }, `${c.channel ?? 'conversation'} ${c.subject ?? ''}`.trim(), h('span', { className: 'visually-hidden' }, ` ${id}`))),
          h('td', {}, c.status ?? ''),
          h('td', {}, c.queueId ?? ''),
          h('td', {}, c.assignedAgentId ?? ''),
          h('td', {}, since ? h('time', { datetime: since }, ageOf(since, now)) : ''),
        );
      });
    fill(this.conversationsBody, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 5 }, 'No conversation is waiting or in progress.'))]));
  }

}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
