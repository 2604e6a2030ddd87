import type { AgentView } from './agentView';
import type { StrategyName } from './policy';
import { ranking, topK } from './strategy';

const NOW = Date.parse('2025-01-06T10:00:00Z');
const MIN = 60_000;

function agent(agentId: string, over: Partial<AgentView> = {}): AgentView {
  return {
    agentId,
    acceptsWork: true,
    onShift: true,
    unavailableReason: '',
    skills: new Map(),
    languages: ['en'],
    translationEnabled: false,
    teamIds: [],
    capacity: { chat: 3 },
    load: {},
    idleSince: NOW - MIN,
    lastAssignedAt: 0,
    holds: new Set(),
    ...over,
  };
}

const order = (strategy: StrategyName, agents: AgentView[]): string[] => [...agents].sort(ranking(strategy, 'chat')).map((a) => a.agentId);

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const shuffled = <T>(items: readonly T[], next: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('ranking: longest idle', () => {
  it('does not put an agent with an unknown idle time (0) first', () => {
    const known = agent('b', { idleSince: NOW - 5 * MIN });
    const unknown = agent('a', { idleSince: 0 });
    expect(order('longest_idle', [unknown, known])).toEqual(['b', 'a']);
  });

  it('offers agents holding nothing on the channel first, the one idle longest first', () => {
    const agents = [
      agent('busy', { load: { chat: 1 }, idleSince: NOW - 60 * MIN }),
      agent('idle-2m', { idleSince: NOW - 2 * MIN }),
      agent('idle-10m', { idleSince: NOW - 10 * MIN }),
      agent('idle-5m', { idleSince: NOW - 5 * MIN }),
    ];
    expect(order('longest_idle', agents)).toEqual(['idle-10m', 'idle-5m', 'idle-2m', 'busy']);
  });

  it('orders busy agents by least recent assignment, ignoring idle time', () => {
    const agents = [
      agent('b-recent', { load: { chat: 1 }, lastAssignedAt: NOW - MIN, idleSince: NOW - 90 * MIN }),
      agent('b-old', { load: { chat: 2 }, lastAssignedAt: NOW - 30 * MIN, idleSince: NOW - MIN }),
    ];
    expect(order('longest_idle', agents)).toEqual(['b-old', 'b-recent']);
  });

  it('counts only load on the routed channel as busy', () => {
    const agents = [agent('email-busy', { load: { email: 2 }, idleSince: NOW - 10 * MIN }), agent('chat-busy', { load: { chat: 1 }, idleSince: NOW - 20 * MIN })];
    expect(order('longest_idle', agents)).toEqual(['email-busy', 'chat-busy']);
  });

  it('breaks ties on the agent id', () => {
    const same = { idleSince: NOW - 3 * MIN };
    expect(order('longest_idle', [agent('c', same), agent('a', same), agent('b', same)])).toEqual(['a', 'b', 'c']);
    const busy = { load: { chat: 1 }, lastAssignedAt: NOW - MIN };
    expect(order('longest_idle', [agent('z', busy), agent('y', busy)])).toEqual(['y', 'z']);
  });
});

describe('ranking: least busy', () => {
  it('offers the most spare capacity first', () => {
    const agents = [agent('spare-1', { capacity: { chat: 3 }, load: { chat: 2 } }), agent('spare-3', { capacity: { chat: 4 }, load: { chat: 1 } }), agent('spare-2', { capacity: { chat: 2 }, load: {} })];
    expect(order('least_busy', agents)).toEqual(['spare-3', 'spare-2', 'spare-1']);
  });

  it('then the fewest held, then the least recently assigned, then the agent id', () => {
    const agents = [
      agent('holds-1', { capacity: { chat: 3 }, load: { chat: 1 } }),
      agent('holds-0-recent', { capacity: { chat: 2 }, load: {}, lastAssignedAt: NOW - MIN }),
      agent('holds-0-old', { capacity: { chat: 2 }, load: {}, lastAssignedAt: NOW - 9 * MIN }),
      agent('holds-0-never-b', { capacity: { chat: 2 }, load: {}, lastAssignedAt: 0 }),
      agent('holds-0-never-a', { capacity: { chat: 2 }, load: {}, lastAssignedAt: 0 }),
    ];
    expect(order('least_busy', agents)).toEqual(['holds-0-never-a', 'holds-0-never-b', 'holds-0-old', 'holds-0-recent', 'holds-1']);
  });

  it('is also the order manual pick offers in', () => {
    const next = random(7);
    const agents = Array.from({ length: 30 }, (_, i) =>
      agent(`a${i}`, { capacity: { chat: 1 + Math.floor(next() * 4) }, load: { chat: Math.floor(next() * 2) }, lastAssignedAt: Math.floor(next() * 3) * MIN }),
    );
    expect(order('manual_pick', agents)).toEqual(order('least_busy', agents));
  });
});

describe('ranking: round robin', () => {
  it('offers the least recently assigned first, never assigned before all, ties on the id', () => {
    const agents = [
      agent('recent', { lastAssignedAt: NOW - MIN, load: {} }),
      agent('old', { lastAssignedAt: NOW - 60 * MIN, load: { chat: 2 } }),
      agent('never-b', { lastAssignedAt: 0 }),
      agent('never-a', { lastAssignedAt: 0, load: { chat: 1 } }),
    ];
    expect(order('round_robin', agents)).toEqual(['never-a', 'never-b', 'old', 'recent']);
  });
});

describe('ranking is a total order, whatever the input order', () => {
  it.each<StrategyName>(['longest_idle', 'least_busy', 'round_robin', 'manual_pick'])('%s ranks alike on every replica', (strategy) => {
    const next = random(42);
    // Coarse values make ties on every criterion common, so the agent id has to settle them.
    const agents = Array.from({ length: 40 }, (_, i) =>
      agent(`agent-${String(i).padStart(2, '0')}`, {
        capacity: { chat: 1 + Math.floor(next() * 3) },
        load: { chat: Math.floor(next() * 2) },
        idleSince: NOW - Math.floor(next() * 3) * MIN,
        lastAssignedAt: Math.floor(next() * 3) * MIN,
      }),
    );
    const expected = order(strategy, agents);
    for (let i = 0; i < 10; i++) expect(order(strategy, shuffled(agents, next))).toEqual(expected);
  });
});

describe('topK', () => {
  const byNumber = (a: number, b: number) => a - b;

  it('returns the k best, best first', () => {
    expect(topK([5, 3, 9, 1, 7, 2], 3, byNumber)).toEqual([1, 2, 3]);
    expect(topK([5, 3, 9, 1, 7, 2], 1, byNumber)).toEqual([1]);
  });

  it('returns everything, sorted, when there are fewer than k items', () => {
    expect(topK([4, 2, 3], 10, byNumber)).toEqual([2, 3, 4]);
    expect(topK([], 5, byNumber)).toEqual([]);
  });

  it('takes any iterable and leaves the input alone', () => {
    const input = [3, 1, 2];
    expect(topK(new Set(input), 2, byNumber)).toEqual([1, 2]);
    expect(topK((function* () { yield* input; })(), 2, byNumber)).toEqual([1, 2]);
    expect(input).toEqual([3, 1, 2]);
  });

  it('keeps equal items in input order, like a stable sort', () => {
    const items = [{ k: 1, i: 0 }, { k: 0, i: 1 }, { k: 1, i: 2 }, { k: 0, i: 3 }, { k: 1, i: 4 }];
    expect(topK(items, 3, (a, b) => a.k - b.k).map((x) => x.i)).toEqual([1, 3, 0]);
  });

  it("equals a full sort's first k on random numbers, ties included", () => {
    const next = random(1);
    for (let trial = 0; trial < 300; trial++) {
      const items = Array.from({ length: Math.floor(next() * 60) }, (_, i) => ({ v: Math.floor(next() * 20), i }));
      const k = 1 + Math.floor(next() * 12);
      const rank = (a: { v: number }, b: { v: number }) => a.v - b.v;
      expect(topK(items, k, rank)).toEqual([...items].sort(rank).slice(0, k));
    }
  });

  it.each<StrategyName>(['longest_idle', 'least_busy', 'round_robin'])("equals a full sort's first k on random agents under %s", (strategy) => {
    const next = random(99);
    const rank = ranking(strategy, 'chat');
    for (let trial = 0; trial < 100; trial++) {
      const agents = Array.from({ length: 1 + Math.floor(next() * 80) }, (_, i) =>
        agent(`a${Math.floor(next() * 1e6)}-${i}`, {
          capacity: { chat: 1 + Math.floor(next() * 4) },
          load: { chat: Math.floor(next() * 3) },
          idleSince: NOW - Math.floor(next() * 5) * MIN,
          lastAssignedAt: Math.floor(next() * 5) * MIN,
        }),
      );
      const k = 1 + Math.floor(next() * 25);
      expect(topK(agents, k, rank).map((a) => a.agentId)).toEqual([...agents].sort(rank).slice(0, k).map((a) => a.agentId));
    }
  });
});

describe('topK with k = 0', () => {
  it('returns nothing', () => {
    expect(topK([agent('a'), agent('b')], 0, ranking('least_busy', 'chat'))).toEqual([]);
  });
});
