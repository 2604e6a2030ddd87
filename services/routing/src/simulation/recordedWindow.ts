import * as conv from '@contactcenter/proto/conversation/v1';
import { channelName } from '../engine/conversationFeed';
import type { ChannelName } from '../domain/policy';

/** One stored event as the simulation reads it: its context, short type, time (epoch ms) and data (proto JSON). */
export interface RecordedEvent {
  context: 'conversation' | 'presence' | string;
  type: string;
  at: number;
  data: Record<string, unknown>;
}

/** A conversation that entered a queue inside the window, and what happened to it. */
export interface RecordedConversation {
  conversationId: string;
  queueId: string;
  channel: ChannelName;
  language: string;
  /** 1 low … 4 urgent; 0: the queue's default. */
  priority: number;
  queuedAt: number;
  /** When it was assigned, and to whom (absent: never within the window). */
  assignedAt?: number;
  agentId?: string;
  /** Assignment to the agent's first reply, as recorded (first response = wait + this). */
  replyDelayMs?: number;
  /** Assignment to resolution; to the window's end when still open then. */
  handleMs?: number;
  /** Resolved while still waiting: the visitor left after this long. */
  abandonedAfterMs?: number;
}

export interface AgentProfileFacts {
  skills: ReadonlyMap<string, number>;
  languages: readonly string[];
  capacity: Readonly<Partial<Record<ChannelName, number>>>;
  teamIds: readonly string[];
  translationEnabled: boolean;
}

/** An agent as recorded: when they accepted work, and what they still held when the window opened. */
export interface RecordedAgent {
  agentId: string;
  profile: AgentProfileFacts;
  /** [from, to) epoch ms intervals in which the agent accepted work (status online with a live connection). */
  available: { from: number; to: number }[];
  /** Conversations held at the window's start, kept until their recorded release. */
  carried: { channel: ChannelName; until: number }[];
}

export interface RecordedWindow {
  start: number;
  end: number;
  conversations: RecordedConversation[];
  agents: RecordedAgent[];
}

type AgentFold = { profile?: AgentProfileFacts; online: boolean; connections: Set<string>; since?: number; available: { from: number; to: number }[]; held: Map<string, ChannelName>; carried: Map<string, { channel: ChannelName; until: number }> };

export function profileFacts(p: { skills?: { name: string; level: number }[]; languages?: string[]; capacity?: Record<string, number>; teamIds?: string[]; translationEnabled?: boolean }): AgentProfileFacts {
  return {
    skills: new Map((p.skills ?? []).map((s) => [s.name, s.level])),
    languages: (p.languages ?? []).map((l) => l.toLowerCase()),
    capacity: { ...(p.capacity ?? {}) } as Partial<Record<ChannelName, number>>,
    teamIds: p.teamIds ?? [],
    translationEnabled: !!p.translationEnabled,
  };
}

/**
 * Folds a tenant's recorded events (in time order, from before the window
 * opens to its end) into what a replay needs: the conversations queued in
 * [start, end) with their recorded handle time, reply delay and patience,
 * and each agent's profile, working intervals and carried load. Events
 * before `start` only set the scene (who is online, what they hold).
 * `knownProfiles`: profiles as presence holds them now, for agents whose
 * profile was written before the events read.
 */
export function foldRecordedWindow(events: Iterable<RecordedEvent>, start: number, end: number, knownProfiles: ReadonlyMap<string, AgentProfileFacts> = new Map()): RecordedWindow {
  const started = new Map<string, { channel: ChannelName; language: string; priority: number }>();
  const byId = new Map<string, RecordedConversation>();
  const agents = new Map<string, AgentFold>();
  const agentOf = (id: string): AgentFold => {
    let a = agents.get(id);
    if (!a) agents.set(id, (a = { online: false, connections: new Set(), available: [], held: new Map(), carried: new Map() }));
    return a;
  };
  const working = (a: AgentFold) => a.online && a.connections.size > 0;
  const flip = (a: AgentFold, at: number, change: () => void) => {
    const before = working(a);
    change();
    const after = working(a);
    const t = Math.min(Math.max(at, start), end);
    if (!before && after) a.since = t;
    if (before && !after && a.since !== undefined && t > a.since) a.available.push({ from: a.since, to: t });
  };

  let opened = false;
  const open = () => {
    opened = true;
    for (const a of agents.values()) for (const [id, channel] of a.held) a.carried.set(id, { channel, until: end });
  };

  for (const e of events) {
    if (e.at >= end) break;
    if (!opened && e.at >= start) open();
    const d = e.data;
    if (e.context === 'presence') {
      const a = agentOf(String(d.agentId));
      switch (e.type) {
        case 'AgentProfileUpdated':
          a.profile = profileFacts((d.profile ?? {}) as Parameters<typeof profileFacts>[0]);
          break;
        case 'AgentStatusChanged':
          flip(a, e.at, () => (a.online = d.to === 'online'));
          break;
        case 'AgentConnected':
          flip(a, e.at, () => a.connections.add(String(d.connectionId)));
          break;
        case 'AgentDisconnected':
          flip(a, e.at, () => a.connections.delete(String(d.connectionId)));
          break;
        case 'CapacityReserved':
          if (e.at < start) a.held.set(String(d.conversationId), d.channel as ChannelName);
          break;
        case 'CapacityReleased': {
          const id = String(d.conversationId);
          if (e.at < start) a.held.delete(id);
          else if (a.carried.has(id)) a.carried.get(id)!.until = e.at;
          break;
        }
      }
      continue;
    }
    if (e.context !== 'conversation') continue;
    const id = String(d.conversationId ?? '');
    const c = byId.get(id);
    switch (e.type) {
      case 'ConversationStarted': {
        const s = conv.ConversationStarted.fromJSON(d);
        started.set(id, { channel: channelName(s.channel), language: s.language.toLowerCase(), priority: 0 });
        break;
      }
      case 'PriorityChanged':
        if (started.has(id)) started.get(id)!.priority = conv.PriorityChanged.fromJSON(d).priority;
        break;
      case 'ConversationQueued': {
        const s = started.get(id);
        // Only the first waiting spell in the window is an arrival; a conversation queued again (overflow, reopen) keeps it.
        if (e.at < start || !s || c) break;
        byId.set(id, { conversationId: id, queueId: conv.ConversationQueued.fromJSON(d).queueId, ...s, queuedAt: e.at });
        break;
      }
      case 'AgentAssigned':
        if (c && c.assignedAt === undefined && c.abandonedAfterMs === undefined) Object.assign(c, { assignedAt: e.at, agentId: conv.AgentAssigned.fromJSON(d).agentId });
        break;
      case 'MessagePosted': {
        const m = conv.MessagePosted.fromJSON(d).message;
        if (c?.assignedAt !== undefined && c.replyDelayMs === undefined && m?.authorKind === conv.AuthorKind.AUTHOR_KIND_AGENT) c.replyDelayMs = e.at - c.assignedAt;
        break;
      }
      case 'ConversationResolved':
        if (!c || c.handleMs !== undefined || c.abandonedAfterMs !== undefined) break;
        if (c.assignedAt === undefined) c.abandonedAfterMs = e.at - c.queuedAt;
        else c.handleMs = e.at - c.assignedAt;
        break;
    }
  }
  // Load held when the window opens stays until its recorded release (or the window's end).
  if (!opened) open();

  for (const a of agents.values()) {
    if (working(a) && a.since !== undefined && end > a.since) a.available.push({ from: a.since, to: end });
  }
  for (const c of byId.values()) if (c.assignedAt !== undefined && c.handleMs === undefined) c.handleMs = end - c.assignedAt;
  return {
    start,
    end,
    conversations: [...byId.values()].sort((x, y) => x.queuedAt - y.queuedAt || (x.conversationId < y.conversationId ? -1 : 1)),
    agents: [...agents.entries()]
      .map(([agentId, a]) => ({ agentId, a, profile: a.profile ?? knownProfiles.get(agentId) }))
      .filter((x): x is { agentId: string; a: AgentFold; profile: AgentProfileFacts } => !!x.profile)
      .map(({ agentId, a, profile }) => ({ agentId, profile, available: a.available, carried: [...a.carried.values()] }))
      .sort((x, y) => (x.agentId < y.agentId ? -1 : 1)),
  };
}
