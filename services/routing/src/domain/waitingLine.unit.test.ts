import type { QueuePolicy } from './policy';
import { NOW, seeded, waiting } from './routingFixtures';
import { servingOrder, type Waiting } from './waiting';
import { lineOf, WaitingLine } from './waitingLine';

const AGING: Record<string, Pick<QueuePolicy, 'agingSeconds'> | undefined> = { support: { agingSeconds: 60 }, sales: { agingSeconds: 0 }, 'team:vip': undefined };
const policyOf = (w: Waiting) => AGING[lineOf(w)];

const drain = (line: WaitingLine, now = NOW): string[] => {
  const order = line.servingOrder(policyOf, now);
  const out: string[] = [];
  for (let w = order.next(); w; w = order.next()) out.push(w.conversationId);
  return out;
};

describe('WaitingLine', () => {
  it('serves in the order a full sort gives (aged priority, then first come), while conversations come, move and go', () => {
    const r = seeded(11);
    const line = new WaitingLine();
    const all = new Map<string, Waiting>();
    for (let step = 0; step < 3_000; step++) {
      const id = `c${r.int(0, 800)}`;
      if (all.has(id) && r.next() < 0.4) {
        all.delete(id);
        line.remove(id);
        continue;
      }
      // Mostly in the order they were queued, sometimes late (an older event seen after a newer one).
      const w = waiting({
        conversationId: id,
        queueId: r.next() < 0.1 ? '' : r.pick(['support', 'sales']),
        priority: r.int(1, 4),
        queuedAt: NOW - 600_000 + step * 100 - (r.next() < 0.1 ? r.int(0, 60_000) : 0),
      });
      const placed = w.queueId ? w : { ...w, teamId: 'vip' };
      all.set(id, placed);
      line.put(placed);
      if (step % 250 === 0) {
        const expected = [...all.values()].sort(servingOrder(policyOf, NOW)).map((x) => x.conversationId);
        expect(drain(line)).toEqual(expected);
        expect(line.size).toBe(all.size);
      }
    }
  });

  it('ages a long-waiting normal conversation past a newer urgent one', () => {
    const line = new WaitingLine();
    line.put(waiting({ conversationId: 'old-normal', priority: 2, queuedAt: NOW - 5 * 60_000 }));
    line.put(waiting({ conversationId: 'new-urgent', priority: 4, queuedAt: NOW - 1_000 }));
    expect(drain(line, NOW)).toEqual(['old-normal', 'new-urgent']);
    expect(drain(line, NOW - 4 * 60_000)).toEqual(['new-urgent', 'old-normal']);
  });

  it('stops serving a dropped channel at once, in every line, and keeps serving the others', () => {
    const line = new WaitingLine();
    ['s1', 's2', 's3'].forEach((id, i) => line.put(waiting({ conversationId: id, queueId: 'support', queuedAt: NOW - 10_000 + i })));
    line.put(waiting({ conversationId: 'm1', queueId: 'support', channel: 'email', queuedAt: NOW - 9_500 }));
    ['x1', 'x2'].forEach((id, i) => line.put(waiting({ conversationId: id, queueId: 'sales', queuedAt: NOW - 9_000 + i })));
    const order = line.servingOrder(policyOf, NOW);
    expect(order.next()?.conversationId).toBe('s1');
    order.dropChannel('chat');
    expect([order.next()?.conversationId, order.next()]).toEqual(['m1', undefined]);
  });

  it('finds the conversations of a line queued before a time (due to overflow), whatever their priority', () => {
    const line = new WaitingLine();
    line.put(waiting({ conversationId: 'old', priority: 1, queuedAt: NOW - 300_000 }));
    line.put(waiting({ conversationId: 'old-urgent', priority: 4, queuedAt: NOW - 200_000 }));
    line.put(waiting({ conversationId: 'new', priority: 1, queuedAt: NOW - 1_000 }));
    line.put(waiting({ conversationId: 'other-line', queueId: 'sales', queuedAt: NOW - 900_000 }));
    expect([...line.queuedBefore('support', NOW - 120_000)].map((w) => w.conversationId).sort()).toEqual(['old', 'old-urgent']);
    expect(line.sampleOf('sales')?.conversationId).toBe('other-line');
    expect(line.sampleOf('nobody')).toBeUndefined();
  });

  it('skips what left the line during a pass', () => {
    const line = new WaitingLine();
    for (let i = 0; i < 5; i++) line.put(waiting({ conversationId: `c${i}`, queuedAt: NOW - 10_000 + i }));
    const order = line.servingOrder(policyOf, NOW);
    expect(order.next()?.conversationId).toBe('c0');
    line.remove('c1');
    line.remove('c3');
    expect([order.next()?.conversationId, order.next()?.conversationId, order.next()]).toEqual(['c2', 'c4', undefined]);
  });

  it('tells a conversation its place and the length of its own line', () => {
    const line = new WaitingLine();
    for (let i = 0; i < 4; i++) line.put(waiting({ conversationId: `s${i}`, queueId: 'support', queuedAt: NOW - 10_000 + i }));
    line.put(waiting({ conversationId: 'x0', queueId: 'sales', queuedAt: NOW - 20_000 }));
    line.put(waiting({ conversationId: 'urgent', queueId: 'support', priority: 4, queuedAt: NOW }));
    expect(line.position('s2', policyOf, NOW)).toEqual({ position: 4, length: 5 });
    expect(line.position('urgent', policyOf, NOW)).toEqual({ position: 1, length: 5 });
    expect(line.position('x0', policyOf, NOW)).toEqual({ position: 1, length: 1 });
    expect(line.position('gone', policyOf, NOW)).toBeUndefined();
  });

  it('keeps its order through compaction after thousands leave from the front', () => {
    const line = new WaitingLine();
    for (let i = 0; i < 5_000; i++) line.put(waiting({ conversationId: `c${String(i).padStart(5, '0')}`, queuedAt: NOW - 100_000 + i }));
    for (let i = 0; i < 4_990; i += 2) line.remove(`c${String(i).padStart(5, '0')}`);
    for (let i = 1; i < 4_000; i += 2) line.remove(`c${String(i).padStart(5, '0')}`);
    const left = drain(line);
    expect(left).toEqual([...left].sort());
    expect(left.length).toBe(line.size);
    expect(left[0]).toBe('c04001');
  });
});
