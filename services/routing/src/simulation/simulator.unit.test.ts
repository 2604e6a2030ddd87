import { ValidationError } from '@contactcenter/infra/errors';
import { policy, seeded } from '../domain/routingFixtures';
import { applyPolicyChange, NO_CHANGE, type PolicyChange } from './policyChange';
import type { RecordedAgent, RecordedConversation, RecordedWindow } from './recordedWindow';
import { buildReport } from './report';
import { simulate } from './simulator';
import { runWhatIf } from './whatIf';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const S = 1_000;

const agentAt = (agentId: string, over: Partial<RecordedAgent['profile']> = {}, available = [{ from: T0, to: T0 + 3_600 * S }]): RecordedAgent => ({
  agentId,
  profile: { skills: new Map([['billing', 5]]), languages: ['en'], capacity: { chat: 1 }, teamIds: [], translationEnabled: false, ...over },
  available,
  carried: [],
});

const arrival = (id: string, atSeconds: number, over: Partial<RecordedConversation> = {}): RecordedConversation => ({
  conversationId: id,
  queueId: 'support',
  channel: 'chat',
  language: 'en',
  priority: 0,
  queuedAt: T0 + atSeconds * S,
  handleMs: 60 * S,
  replyDelayMs: 5 * S,
  ...over,
});

const window = (conversations: RecordedConversation[], agents: RecordedAgent[]): RecordedWindow => ({ start: T0, end: T0 + 3_600 * S, conversations, agents });

const change = (over: Partial<PolicyChange>): PolicyChange => ({ ...NO_CHANGE, ...over });

async function outcome(w: RecordedWindow, c: PolicyChange = NO_CHANGE, queues = [policy()]) {
  const result = await simulate(w, applyPolicyChange(w, queues, c));
  return new Map(result.conversations.map((x) => [x.conversationId, x]));
}

describe('simulate', () => {
  it('serves a line first come first served with the recorded handle times', async () => {
    const out = await outcome(window([arrival('a', 0), arrival('b', 10), arrival('c', 20)], [agentAt('ana')]));
    expect([...out.values()].map((x) => (x.assignedAt! - x.arrivedAt) / S)).toEqual([0, 50, 100]);
    expect(out.get('a')!.firstResponseAt! - out.get('a')!.assignedAt!).toBe(5 * S);
  });

  it('adds staffing per skill and language, and removes it', async () => {
    const w = window([arrival('a', 0), arrival('b', 10), arrival('c', 20)], [agentAt('ana')]);
    const more = await outcome(w, change({ staffing: [{ skill: 'billing', language: 'en', add: 2, remove: 0 }] }));
    expect([...more.values()].every((x) => x.assignedAt === x.arrivedAt)).toBe(true);
    const none = await outcome(w, change({ staffing: [{ skill: '', language: 'en', add: 0, remove: 1 }] }));
    expect([...none.values()].every((x) => x.assignedAt === undefined)).toBe(true);
  });

  it('lets visitors leave after their recorded patience, and a moved shift changes who waits', async () => {
    const w = window([arrival('a', 0), arrival('b', 10, { abandonedAfterMs: 30 * S, handleMs: undefined })], [agentAt('ana')]);
    const out = await outcome(w);
    expect(out.get('b')!.abandonedAt).toBe(T0 + 40 * S);
    expect(out.get('b')!.assignedAt).toBeUndefined();
    const late = await outcome(w, change({ shiftMoves: [{ agentId: 'ana', minutes: 1 }] }));
    expect(late.get('a')!.assignedAt).toBe(T0 + 60 * S);
    expect(late.get('b')!.abandonedAt).toBe(T0 + 40 * S);
  });

  it('decides with the production strategies: round robin spreads, least busy fills the roomiest', async () => {
    const agents = [agentAt('ana', { capacity: { chat: 4 } }), agentAt('bo', { capacity: { chat: 2 } })];
    const w = window([arrival('a', 0, { handleMs: 600 * S }), arrival('b', 1, { handleMs: 600 * S }), arrival('c', 2, { handleMs: 600 * S })], agents);
    const robin = await outcome(w, change({ queues: [{ queueId: 'support', strategy: 'round_robin' }] }));
    expect([...robin.values()].map((x) => x.agentId)).toEqual(['ana', 'bo', 'ana']);
    // Least busy: most spare slots first (4 > 2, 3 > 2), then on a tie fewest held.
    const busy = await outcome(w, change({ queues: [{ queueId: 'support', strategy: 'least_busy' }] }));
    expect([...busy.values()].map((x) => x.agentId)).toEqual(['ana', 'ana', 'bo']);
  });

  it('overflows to another queue after the set time', async () => {
    const queues = [policy({ requiredSkills: [{ name: 'billing', minLevel: 9 }], overflow: { afterSeconds: 30, widen: false, toQueueId: 'general' } }), policy({ queueId: 'general', name: 'General' })];
    const w = window([arrival('a', 0)], [agentAt('ana')]);
    const out = await outcome(w, NO_CHANGE, queues);
    expect(out.get('a')).toMatchObject({ assignedAt: T0 + 30 * S, agentId: 'ana', queueId: 'support' });
    const never = await outcome(w, change({ queues: [{ queueId: 'support', overflow: { afterSeconds: 0, widen: false, toQueueId: '' } }] }), queues);
    expect(never.get('a')!.assignedAt).toBeUndefined();
  });

  it('reports per queue and hour, with occupancy and a chart series', async () => {
    const w = window([arrival('a', 0), arrival('b', 10), arrival('c', 20, { abandonedAfterMs: 30 * S })], [agentAt('ana')]);
    const report = buildReport(await simulate(w, applyPolicyChange(w, [policy()], NO_CHANGE)), 20);
    expect(report.rows).toEqual([
      expect.objectContaining({ queueId: 'support', hourStart: T0, arrivals: 3, answered: 2, abandoned: 1, waitP50Seconds: 0, waitP90Seconds: 50, serviceLevel: 0.333, abandonment: 0.333, agentsWorking: 1 }),
    ]);
    // ana held one chat for 120 of 3600 s.
    expect(report.rows[0]!.occupancy).toBeCloseTo(120 / 3_600, 3);
    expect(report.series.find((s) => s.figure === 'arrivals')).toEqual({ queueId: 'support', figure: 'arrivals', values: [3] });
  });

  it('replays a day of traffic on the virtual clock', async () => {
    const rnd = seeded(42);
    const day = 24 * 3_600 * S;
    const agents = Array.from({ length: 30 }, (_, i) => agentAt(`a${i}`, { capacity: { chat: 3 }, languages: [rnd.pick(['en', 'de', 'fr'])] }, [{ from: T0 + rnd.int(0, 8) * 3_600 * S, to: T0 + rnd.int(12, 24) * 3_600 * S }]));
    let t = 0;
    const conversations: RecordedConversation[] = [];
    for (let i = 0; t < 24 * 3_600; i++, t += rnd.int(1, 30)) conversations.push(arrival(`c${i}`, t, { language: rnd.pick(['en', 'de', 'fr']), handleMs: rnd.int(60, 900) * S, abandonedAfterMs: rnd.next() < 0.3 ? rnd.int(10, 300) * S : undefined }));
    const w: RecordedWindow = { start: T0, end: T0 + day, conversations, agents };
    const result = await runWhatIf(w, [policy()], NO_CHANGE, { serviceLevel: 0.8, targetSeconds: 20 });
    expect(result.simulated.hours).toHaveLength(24);
    expect(result.simulated.rows.reduce((s, r) => s + r.arrivals, 0)).toBe(conversations.length);
    expect(result.staffing.length).toBe(24);
    expect(result.staffing.every((s) => s.erlangAAgents <= s.erlangCAgents)).toBe(true);
  });
});

describe('bad input', () => {
  const w = window([arrival('a', 0)], [agentAt('ana')]);
  const fieldOf = (c: Partial<PolicyChange>) => {
    try {
      applyPolicyChange(w, [policy()], change(c));
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).field;
    }
    return undefined;
  };

  it('names the field of an unknown queue, skill, language or agent, and of negative staffing', () => {
    expect(fieldOf({ queues: [{ queueId: 'nope' }] })).toBe('queue_changes[0].queue_id');
    expect(fieldOf({ queues: [{ queueId: 'support', strategy: 'fastest' as never }] })).toBe('queue_changes[0].strategy');
    expect(fieldOf({ staffing: [{ skill: 'knitting', language: '', add: 1, remove: 0 }] })).toBe('staffing[0].skill');
    expect(fieldOf({ staffing: [{ skill: '', language: 'ja', add: 1, remove: 0 }] })).toBe('staffing[0].language');
    expect(fieldOf({ staffing: [{ skill: '', language: 'not a tag', add: 1, remove: 0 }] })).toBe('staffing[0].language');
    expect(fieldOf({ staffing: [{ skill: 'billing', language: 'en', add: -1, remove: 0 }] })).toBe('staffing[0].add');
    expect(fieldOf({ staffing: [{ skill: 'billing', language: 'en', add: 0, remove: 2 }] })).toBe('staffing[0].remove');
    expect(fieldOf({ shiftMoves: [{ agentId: 'zed', minutes: 30 }] })).toBe('shift_moves[0].agent_id');
    expect(fieldOf({ shiftMoves: [{ agentId: 'ana', minutes: 0.5 }] })).toBe('shift_moves[0].minutes');
  });

  it('refuses a window without traffic', async () => {
    await expect(runWhatIf(window([], [agentAt('ana')]), [policy()], NO_CHANGE, { serviceLevel: 0.8, targetSeconds: 20 })).rejects.toMatchObject({ field: 'window' });
  });
});
