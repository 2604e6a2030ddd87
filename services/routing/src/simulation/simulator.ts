import { createLogger, type Logger } from '@contactcenter/infra';
import { PRIORITY_NORMAL, type ChannelName, type QueuePolicy } from '../domain/policy';
import type { Waiting } from '../domain/waiting';
import { WaitingLine } from '../domain/waitingLine';
import { OfferDispatcher, type DispatchActions } from '../engine/offerDispatcher';
import { EventQueue } from './eventQueue';
import type { Scenario } from './policyChange';
import type { RecordedConversation, RecordedWindow } from './recordedWindow';
import { VirtualAgents, type ChannelHour } from './virtualAgents';

/** What became of one conversation in the replay. */
export interface SimulatedConversation {
  conversationId: string;
  /** The queue it arrived in (figures stay with it after an overflow). */
  queueId: string;
  channel: ChannelName;
  arrivedAt: number;
  assignedAt?: number;
  agentId?: string;
  abandonedAt?: number;
  firstResponseAt?: number;
}

export interface SimulationResult {
  start: number;
  end: number;
  conversations: SimulatedConversation[];
  /** `<channel>|<hour start ms>` → agent time. */
  channelHours: ReadonlyMap<string, ChannelHour>;
}

type Happening =
  | { at: number; order: 0; kind: 'release'; agentId: string; conversationId: string; channel: ChannelName }
  | { at: number; order: 1; kind: 'working'; agentId: string; working: boolean }
  | { at: number; order: 2; kind: 'abandon'; conversationId: string }
  | { at: number; order: 3; kind: 'arrive'; recorded: RecordedConversation }
  | { at: number; order: 4; kind: 'due' };

const TENANT = 'replay';
const DEFAULT_HANDLE_MS = 120_000;
/** Overflow chains end; this bounds a pathological chain at one instant. */
const MAX_PASSES_PER_INSTANT = 16;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replays a recorded window under a scenario on a virtual clock: arrivals,
 * agents starting and stopping work, visitors leaving and conversations
 * ending happen at their recorded times (handle time, patience and reply
 * delay as recorded), and after each instant the production OfferDispatcher
 * serves the waiting line with the production `route`, AgentPool and
 * WaitingLine, exactly as a routing replica does. Offers are taken at once
 * (no declines or offer timeouts are replayed). Nothing outside this
 * process is read or written.
 */
export async function simulate(window: RecordedWindow, scenario: Scenario, options: { logger?: Logger } = {}): Promise<SimulationResult> {
  const { start, end } = window;
  let now = start;
  const agents = new VirtualAgents(scenario.agents, start);
  const line = new WaitingLine();
  const outcomes = new Map<string, SimulatedConversation>();
  const recordedOf = new Map(window.conversations.map((c) => [c.conversationId, c]));
  const queue = new EventQueue<Happening>();
  const handleMs = meanHandle(window.conversations, scenario.policies);
  const replyMs = meanOf(window.conversations.map((c) => c.replyDelayMs));
  const policyOf = (w: Pick<Waiting, 'queueId'>): QueuePolicy | undefined => scenario.policies.get(w.queueId);
  const dueAt = (w: Waiting) => {
    const after = policyOf(w)?.overflow.afterSeconds ?? 0;
    if (after > 0) queue.push({ at: w.queuedAt + after * 1000, order: 4, kind: 'due' });
  };

  let acted = 0;
  const actions: DispatchActions = {
    dispatch: async (w, _policy, outcome) => {
      acted++;
      const agentId = outcome.candidates[0]?.agentId;
      const c = outcomes.get(w.conversationId);
      if (!agentId || !c || !line.remove(w.conversationId)) return false;
      dispatcher.left(TENANT, w.conversationId);
      const recorded = recordedOf.get(w.conversationId)!;
      Object.assign(c, { assignedAt: now, agentId, firstResponseAt: now + (recorded.replyDelayMs ?? replyMs ?? 0) });
      agents.take(agentId, w.conversationId, w.channel, now);
      const handle = recorded.handleMs ?? handleMs.get(recorded.queueId) ?? DEFAULT_HANDLE_MS;
      queue.push({ at: now + handle, order: 0, kind: 'release', agentId, conversationId: w.conversationId, channel: w.channel });
      return true;
    },
    // Offers are accepted at once in a replay: none is ever left to expire.
    expire: async () => undefined,
    overflow: async (w, toQueueId, teamId) => {
      acted++;
      const moved = { ...w, queueId: toQueueId, teamId, queuedAt: now };
      line.put(moved);
      dispatcher.joined(TENANT, w.conversationId);
      dueAt(moved);
    },
  };
  const dispatcher = new OfferDispatcher({
    view: {
      lines: () => [[TENANT, line]],
      offer: () => undefined,
      offersOf: () => [],
      definitions: async () => ({ queues: scenario.policies, policyOf }),
      pool: () => agents.pool,
      reserveLocally: () => undefined,
      settleLocally: () => undefined,
    },
    actions,
    onAfterHours: () => undefined,
    logger: options.logger ?? createLogger('routing-simulation', 'warn'),
    now: () => now,
    maxInFlight: Number.MAX_SAFE_INTEGER,
  });

  for (const a of scenario.agents) {
    for (const r of a.available) {
      queue.push({ at: r.from, order: 1, kind: 'working', agentId: a.agentId, working: true });
      queue.push({ at: r.to, order: 1, kind: 'working', agentId: a.agentId, working: false });
    }
    a.carried.forEach((c, i) => queue.push({ at: c.until, order: 0, kind: 'release', agentId: a.agentId, conversationId: `carried-${i}`, channel: c.channel }));
  }
  for (const c of window.conversations) {
    queue.push({ at: c.queuedAt, order: 3, kind: 'arrive', recorded: c });
    if (c.abandonedAfterMs !== undefined) queue.push({ at: c.queuedAt + c.abandonedAfterMs, order: 2, kind: 'abandon', conversationId: c.conversationId });
  }

  while (queue.size > 0 && queue.peek()!.at < end) {
    now = queue.peek()!.at;
    while (queue.size > 0 && queue.peek()!.at === now) {
      const h = queue.pop()!;
      switch (h.kind) {
        case 'release':
          agents.release(h.agentId, h.conversationId, h.channel, now);
          break;
        case 'working':
          agents.setWorking(h.agentId, h.working, now);
          break;
        case 'abandon':
          if (line.remove(h.conversationId)) {
            dispatcher.left(TENANT, h.conversationId);
            outcomes.get(h.conversationId)!.abandonedAt = now;
          }
          break;
        case 'arrive': {
          const c = h.recorded;
          const w: Waiting = { tenantId: TENANT, conversationId: c.conversationId, queueId: c.queueId, teamId: '', channel: c.channel, language: c.language, priority: c.priority || PRIORITY_NORMAL, queuedAt: now };
          outcomes.set(c.conversationId, { conversationId: c.conversationId, queueId: c.queueId, channel: c.channel, arrivedAt: now });
          line.put(w);
          dispatcher.joined(TENANT, c.conversationId);
          dueAt(w);
          break;
        }
        case 'due':
          break;
      }
    }
    agents.advance(now);
    // As a replica does, pass again after acting (what was in flight is looked at again), until a pass changes nothing.
    for (let round = 0; round < MAX_PASSES_PER_INSTANT; round++) {
      acted = 0;
      await dispatcher.pass();
      // The dispatcher acts in promises of its own: let them settle before the clock moves on.
      await flush();
      if (acted === 0) break;
    }
  }
  agents.advance(end);
  return { start, end, conversations: [...outcomes.values()], channelHours: agents.hours };
}

const meanOf = (xs: (number | undefined)[]): number | undefined => {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length ? known.reduce((s, x) => s + x, 0) / known.length : undefined;
};

/** Per queue, the recorded mean handle time; the queue's stated average where nothing was recorded. */
function meanHandle(conversations: readonly RecordedConversation[], policies: ReadonlyMap<string, QueuePolicy>): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of policies.values()) if (q.averageHandleSeconds > 0) out.set(q.queueId, q.averageHandleSeconds * 1000);
  const byQueue = new Map<string, RecordedConversation[]>();
  for (const c of conversations) byQueue.get(c.queueId)?.push(c) ?? byQueue.set(c.queueId, [c]);
  for (const [queueId, cs] of byQueue) {
    const mean = meanOf(cs.map((c) => c.handleMs));
    if (mean !== undefined) out.set(queueId, mean);
  }
  return out;
}
