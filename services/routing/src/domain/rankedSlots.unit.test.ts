import type { AgentView } from './agentView';
import { STRATEGIES } from './policy';
import { RankedSlots } from './rankedSlots';
import { agent, NOW, seeded } from './routingFixtures';
import { ranking } from './strategy';

describe('RankedSlots', () => {
  it.each(STRATEGIES)('reads the same best agents as a full sort (%s), while agents join, leave and change', (strategy) => {
    const r = seeded(3);
    const rank = ranking(strategy, 'chat');
    const views: (AgentView | undefined)[] = [];
    const ranked = new RankedSlots(views, rank);
    const members = new Set<number>();
    const random = (i: number) =>
      agent(`a${String(i).padStart(3, '0')}`, { capacity: { chat: 3 }, load: { chat: r.int(0, 2) }, idleSince: r.next() < 0.2 ? 0 : NOW - r.int(0, 1_000) * 1_000, lastAssignedAt: r.next() < 0.3 ? 0 : NOW - r.int(0, 50) * 1_000 });
    for (let step = 0; step < 3_000; step++) {
      const slot = r.int(0, 199);
      // As the pool does it: the view is replaced first, then the slot moves.
      if (members.has(slot)) {
        views[slot] = random(slot);
        ranked.remove(slot);
        if (r.next() < 0.2) members.delete(slot);
        else ranked.add(slot);
      } else {
        views[slot] = random(slot);
        ranked.add(slot);
        members.add(slot);
      }
      if (step % 100 === 0) {
        const skipped = new Set([r.int(0, 199), r.int(0, 199)]);
        const expected = [...members].filter((s) => !skipped.has(s)).map((s) => views[s]!).sort(rank).slice(0, 7);
        expect(ranked.best(7, (s) => skipped.has(s)).map((a) => a.agentId)).toEqual(expected.map((a) => a.agentId));
        expect(ranked.size).toBe(members.size);
      }
    }
  });
});
