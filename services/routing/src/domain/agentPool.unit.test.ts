import { primaryLanguage } from '@contactcenter/infra';
import { AgentPool } from './agentPool';
import type { AgentView } from './agentView';
import { STRATEGIES } from './policy';
import { route } from './route';
import { agent, NOW, policy, seeded, waiting } from './routingFixtures';

const LANGUAGES = ['en', 'es', 'de', 'pt-br'];
const SKILLS = ['billing', 'tech', 'sales'];

function randomAgent(r: ReturnType<typeof seeded>, i: number): AgentView {
  const languages = [...new Set([r.pick(LANGUAGES), r.pick(LANGUAGES)])];
  const onShift = r.next() < 0.9;
  return agent(`a${i}`, {
    acceptsWork: onShift && r.next() < 0.8,
    onShift,
    skills: new Map(SKILLS.filter(() => r.next() < 0.5).map((s) => [s, r.int(1, 10)])),
    languages,
    primaryLanguages: new Set(languages.map(primaryLanguage)),
    translationEnabled: r.next() < 0.3,
    teamIds: r.next() < 0.2 ? ['vip'] : [],
    capacity: r.next() < 0.1 ? { email: 2 } : { chat: 3 },
    load: { chat: r.int(0, 3) },
    idleSince: NOW - r.int(0, 3_600_000),
    lastAssignedAt: r.next() < 0.5 ? 0 : NOW - r.int(0, 3_600_000),
  });
}

describe('AgentPool', () => {
  it.each([7, 8, 9])('decides exactly as judging every agent one by one, while agents change (seed %i)', (seed) => {
    const r = seeded(seed);
    const pool = new AgentPool();
    const agents = new Map<string, AgentView>();
    const put = (a: AgentView) => (agents.set(a.agentId, a), pool.set(a));
    for (let i = 0; i < 300; i++) put(randomAgent(r, i));
    for (let round = 0; round < 400; round++) {
      // Every few decisions, agents come and go, change status and load, or get a new profile.
      for (let c = 0; c < 5; c++) {
        const id = `a${r.int(0, 320)}`;
        const was = agents.get(id);
        const roll = r.next();
        if (!was || roll < 0.2) put(randomAgent(r, Number(id.slice(1))));
        else if (roll < 0.25) (agents.delete(id), pool.delete(id));
        else put({ ...was, acceptsWork: r.next() < 0.7, load: { chat: r.int(0, 3) } });
      }
      const p = policy({
        strategy: r.pick(STRATEGIES),
        requiredSkills: r.next() < 0.6 ? [{ name: r.pick(SKILLS), minLevel: r.int(0, 8) }] : [],
        language: r.next() < 0.2 ? 'es' : '',
        teamId: r.next() < 0.1 ? 'vip' : '',
        offerTimeoutSeconds: 30,
      });
      const w = waiting({ conversationId: `c${round}`, language: r.pick([...LANGUAGES, 'pt', 'fr', '']) });
      const declined = new Set(r.next() < 0.3 ? [`a${r.int(0, 300)}`, `a${r.int(0, 300)}`] : []);
      const fromPool = route({ waiting: w, policy: p, agents: pool, declined, now: NOW });
      const oneByOne = route({ waiting: w, policy: p, agents: agents.values(), declined, now: NOW });
      expect(fromPool).toEqual(oneByOne);
    }
  });

  it('counts free slots and working agents per channel as agents change', () => {
    const pool = new AgentPool();
    pool.set(agent('a', { capacity: { chat: 3, email: 2 }, load: { chat: 1 } }));
    pool.set(agent('b', { capacity: { chat: 2 }, load: { chat: 2 } }));
    pool.set(agent('c', { capacity: { chat: 2 }, acceptsWork: false }));
    expect([pool.freeOn('chat'), pool.workingOn('chat'), pool.freeOn('email'), pool.workingOn('email')]).toEqual([2, 2, 2, 1]);
    pool.set(agent('b', { capacity: { chat: 2 }, load: { chat: 0 } }));
    pool.set(agent('c', { capacity: { chat: 2 } }));
    expect([pool.freeOn('chat'), pool.workingOn('chat')]).toEqual([6, 3]);
    pool.delete('a');
    expect([pool.freeOn('chat'), pool.workingOn('chat'), pool.freeOn('email'), pool.workingOn('email')]).toEqual([4, 2, 0, 0]);
    expect([...pool.values()].map((a) => a.agentId).sort()).toEqual(['b', 'c']);
  });

  it('moves on every change except a quiet one, which can only make agents less available', () => {
    const pool = new AgentPool();
    pool.set(agent('a'));
    const before = pool.version;
    pool.set(agent('a', { load: { chat: 1 } }), { quiet: true });
    expect(pool.version).toBe(before);
    expect(pool.freeOn('chat')).toBe(1);
    pool.set(agent('a', { load: { chat: 0 } }));
    expect(pool.version).toBe(before + 1);
  });

  it('re-judges who fits when a profile changes: a new skill makes an agent eligible', () => {
    const pool = new AgentPool();
    pool.set(agent('a', { skills: new Map() }));
    const p = policy({ requiredSkills: [{ name: 'tech', minLevel: 3 }] });
    expect(route({ waiting: waiting(), policy: p, agents: pool, declined: new Set(), now: NOW })).toMatchObject({ kind: 'wait', excluded: { missing_skill: 1 } });
    pool.set(agent('a', { skills: new Map([['tech', 4]]) }));
    expect(route({ waiting: waiting(), policy: p, agents: pool, declined: new Set(), now: NOW })).toMatchObject({ kind: 'offer', candidates: [{ agentId: 'a' }] });
  });
});
