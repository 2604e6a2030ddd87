import type { CloudEvent } from '@contactcenter/infra/events';

/** One event of the events stream as the hub hands it on: decoded once, for every listener. */
export interface HubEvent {
  /** JetStream stream sequence: the position a client resumes after. 0 for an event of another region (`region`). */
  seq: number;
  /**
   * Multi-region mode: the other region the event comes from (its conversation lives there), received live
   * (remoteConversationEvents.ts) and not in this region's stream: it has no position here.
   */
  region?: string;
  tenantId: string;
  /** conversation, routing, presence, engagement, … */
  context: string;
  /** The type without its package: `MessagePosted`. */
  type: string;
  /** The conversation it is about, for conversation and routing events. */
  conversationId?: string;
  /** That conversation's customer, when known (its start names them; the gateway remembers it since). */
  customerId?: string;
  data: Record<string, unknown>;
  event: CloudEvent;
}

/** An index key of a listener in its tenant's room: how the hub finds who may want an event without asking everyone. */
export type InterestKey = `conversation:${string}` | `customer:${string}` | `agent:${string}` | `queue:${string}` | `team:${string}` | 'tenant';

export interface InterestChanges {
  added: InterestKey[];
  removed: InterestKey[];
}

/** What a client asked to follow on an open socket (staff only). */
export interface Subscription {
  conversations?: string[];
  queues?: string[];
  teams?: string[];
  /** Every event of the tenant: supervisors and admins. */
  tenant?: boolean;
}

type Kind = { kind: 'visitor'; customerId: string } | { kind: 'staff'; agentId: string } | { kind: 'integration' };

/**
 * What one socket or event stream follows, and so which events of its
 * tenant the hub hands it (visibility.ts then decides what of each it may see):
 *
 * - a **visitor**: the conversations whose customer they are: those known
 *   when the socket opened, and any other whose customer the hub knows to
 *   be them (from the conversation's start: one started just before or
 *   after the socket opened);
 * - a **staff member**: "their work" by default: events that name them
 *   (offers made to them, assignments, transfers to or from them) and every
 *   event of a conversation assigned or transferred to them (from then on,
 *   and those assigned when the socket opened); plus what they subscribe to
 *   on the open socket: conversations, queues, teams, and the whole tenant
 *   for supervisors and admins;
 * - an **integration** (SSE with an API key): the whole tenant.
 *
 * Pure: the hub asks `wants(event)` for each candidate event, in stream order.
 */
export class Interest {
  private readonly conversations = new Set<string>();
  private readonly queues = new Set<string>();
  private readonly teams = new Set<string>();
  private tenant: boolean;

  private constructor(private readonly who: Kind) {
    this.tenant = who.kind === 'integration';
  }

  static visitor(customerId: string, conversations: Iterable<string> = []): Interest {
    const interest = new Interest({ kind: 'visitor', customerId });
    for (const c of conversations) interest.conversations.add(c);
    return interest;
  }

  static staff(agentId: string, assigned: Iterable<string> = []): Interest {
    const interest = new Interest({ kind: 'staff', agentId });
    for (const c of assigned) interest.conversations.add(c);
    return interest;
  }

  static integration(): Interest {
    return new Interest({ kind: 'integration' });
  }

  /** Every key the hub indexes this interest under now. */
  keys(): InterestKey[] {
    const keys: InterestKey[] = [...this.conversations].map((c) => `conversation:${c}` as const);
    if (this.who.kind === 'visitor') keys.push(`customer:${this.who.customerId}`);
    if (this.who.kind === 'staff') keys.push(`agent:${this.who.agentId}`);
    for (const q of this.queues) keys.push(`queue:${q}`);
    for (const t of this.teams) keys.push(`team:${t}`);
    if (this.tenant) keys.push('tenant');
    return keys;
  }

  follows(conversationId: string): boolean {
    return this.tenant || this.conversations.has(conversationId);
  }

  /**
   * Whether `e` is for this listener; learns from it what to follow next (a
   * visitor's new conversation, a conversation assigned to this agent) and
   * returns the index changes that follow.
   */
  wants(e: HubEvent): { wanted: boolean; changes?: InterestChanges } {
    const c = e.conversationId;
    if (this.who.kind === 'visitor') {
      if (c === undefined) return { wanted: false };
      if (this.conversations.has(c)) return { wanted: true };
      if (e.customerId === this.who.customerId) return { wanted: true, changes: this.follow(c) };
      return { wanted: false };
    }
    if (this.who.kind === 'integration') return { wanted: true };
    if (e.context !== 'conversation' && e.context !== 'routing') return { wanted: false };
    const me = this.who.agentId;
    const namesMe = agentsNamed(e).includes(me);
    let changes: InterestChanges | undefined;
    if (c && e.context === 'conversation' && (e.type === 'AgentAssigned' || e.type === 'ConversationTransferred')) {
      if (e.data.agentId === me || e.data.toAgentId === me) changes = this.follow(c);
    }
    const wanted =
      this.tenant ||
      namesMe ||
      (c !== undefined && this.conversations.has(c)) ||
      (typeof e.data.queueId === 'string' && this.queues.has(e.data.queueId)) ||
      (typeof e.data.teamId === 'string' && this.teams.has(e.data.teamId)) ||
      (typeof e.data.toTeamId === 'string' && this.teams.has(e.data.toTeamId));
    return changes ? { wanted, changes } : { wanted };
  }

  /** Adds what `s` names; returns the index changes. The caller has checked that the principal may follow each. */
  subscribe(s: Subscription): InterestChanges {
    const added: InterestKey[] = [];
    for (const c of s.conversations ?? []) if (!this.conversations.has(c)) (this.conversations.add(c), added.push(`conversation:${c}`));
    for (const q of s.queues ?? []) if (!this.queues.has(q)) (this.queues.add(q), added.push(`queue:${q}`));
    for (const t of s.teams ?? []) if (!this.teams.has(t)) (this.teams.add(t), added.push(`team:${t}`));
    if (s.tenant && !this.tenant) (this.tenant = true), added.push('tenant');
    return { added, removed: [] };
  }

  unsubscribe(s: Subscription): InterestChanges {
    const removed: InterestKey[] = [];
    for (const c of s.conversations ?? []) if (this.conversations.delete(c)) removed.push(`conversation:${c}`);
    for (const q of s.queues ?? []) if (this.queues.delete(q)) removed.push(`queue:${q}`);
    for (const t of s.teams ?? []) if (this.teams.delete(t)) removed.push(`team:${t}`);
    if (s.tenant && this.tenant && this.who.kind !== 'integration') (this.tenant = false), removed.push('tenant');
    return { added: [], removed };
  }

  /** What the listener follows now, for the `subscribed` frame. */
  describe(): Required<Subscription> {
    return { conversations: [...this.conversations], queues: [...this.queues], teams: [...this.teams], tenant: this.tenant };
  }

  private follow(conversationId: string): InterestChanges | undefined {
    if (this.conversations.has(conversationId)) return undefined;
    this.conversations.add(conversationId);
    return { added: [`conversation:${conversationId}`], removed: [] };
  }
}

/** The index keys under which listeners may want `e`. */
export function candidateKeys(e: HubEvent): InterestKey[] {
  const keys: InterestKey[] = ['tenant'];
  if (e.context !== 'conversation' && e.context !== 'routing') return keys;
  if (e.conversationId) keys.push(`conversation:${e.conversationId}`);
  const d = e.data;
  if (e.customerId) keys.push(`customer:${e.customerId}`);
  for (const agentId of agentsNamed(e)) keys.push(`agent:${agentId}`);
  if (typeof d.queueId === 'string' && d.queueId) keys.push(`queue:${d.queueId}`);
  for (const field of ['teamId', 'toTeamId'] as const) if (typeof d[field] === 'string' && d[field]) keys.push(`team:${d[field]}`);
  return keys;
}

/** A decoded event in the hub's form (also for events read back while catching up). */
export function toHubEvent(seq: number, tenantId: string, context: string, type: string, aggregateId: string | undefined, event: CloudEvent): HubEvent {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  // Only conversation and routing events are about a conversation (presence's aggregate is an agent, engagement's an invitation).
  const about = context === 'conversation' || context === 'routing';
  const conversationId = !about ? undefined : (aggregateId ?? event.subject ?? (typeof data.conversationId === 'string' ? data.conversationId : undefined));
  const customerId = context === 'conversation' && type === 'ConversationStarted' && typeof data.customerId === 'string' ? data.customerId : undefined;
  return { seq, tenantId, context, type, ...(conversationId ? { conversationId: String(conversationId) } : {}), ...(customerId ? { customerId } : {}), data, event };
}

/** The agents an event names: assigned, transferred to or from, offered to (routing's `agentIds`), declining. */
function agentsNamed(e: HubEvent): string[] {
  const d = e.data;
  const named: string[] = [];
  for (const field of ['agentId', 'toAgentId', 'fromAgentId'] as const) if (typeof d[field] === 'string' && d[field]) named.push(d[field] as string);
  if (Array.isArray(d.agentIds)) for (const a of d.agentIds) if (typeof a === 'string' && a) named.push(a);
  return named;
}
