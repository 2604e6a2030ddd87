/**
 * Builders for routing's tests: one agent, one waiting conversation, one
 * queue policy, with defaults that route (an English chat agent with room,
 * a normal-priority English chat in `support`, least busy). Override what a
 * test is about; `seeded` makes random cases replayable.
 */
import type { AgentView } from './agentView';
import type { QueuePolicy } from './policy';
import type { Waiting } from './waiting';

export const NOW = Date.parse('2025-01-06T10:00:00Z');
export const MIN = 60_000;

export function agent(agentId: string, over: Partial<AgentView> = {}): AgentView {
  return {
    agentId,
    acceptsWork: true,
    onShift: true,
    unavailableReason: '',
    skills: new Map([['billing', 5]]),
    languages: ['en'],
    translationEnabled: false,
    teamIds: [],
    capacity: { chat: 2 },
    load: {},
    idleSince: NOW - MIN,
    lastAssignedAt: 0,
    holds: new Set(),
    ...over,
  };
}

export const waiting = (over: Partial<Waiting> = {}): Waiting => ({
  tenantId: 't1',
  conversationId: 'c1',
  queueId: 'support',
  teamId: '',
  channel: 'chat',
  language: 'en',
  priority: 2,
  queuedAt: NOW - 30_000,
  ...over,
});

export const policy = (over: Partial<QueuePolicy> = {}): QueuePolicy => ({
  queueId: 'support',
  name: 'Support',
  channel: 'chat',
  requiredSkills: [],
  language: '',
  priority: 2,
  strategy: 'least_busy',
  offerTimeoutSeconds: 0,
  agingSeconds: 0,
  overflow: { afterSeconds: 0, widen: false, toQueueId: '' },
  averageHandleSeconds: 300,
  teamId: '',
  revision: 7,
  ...over,
});

/** Deterministic pseudo-random numbers (mulberry32), so that a failing case can be replayed from its seed. */
export function seeded(seed: number): { next: () => number; int: (lo: number, hi: number) => number; pick: <T>(items: readonly T[]) => T } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (items) => items[Math.floor(next() * items.length)]! };
}
