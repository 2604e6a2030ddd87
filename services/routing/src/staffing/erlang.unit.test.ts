import { erlangB, erlangC, erlangCFigures, erlangCServers } from './erlang';
import { erlangAFigures, erlangAServers } from './erlangA';

/**
 * The published example of "Erlang C Formula – Made Simple" (Call Centre
 * Helper): 100 calls in 30 minutes with an average handle time of 180 s is
 * 10 Erlangs; target 80 % answered within 20 s. Published figures:
 * 11 agents: P(wait) 68.21 %; 14 agents: P(wait) 17.41 %, service level
 * 89 %, average speed of answer 7.8 s, occupancy 71.4 %; 14 agents meet the
 * target, 13 (79.6 %) do not. Checked to the precision they are published in.
 */
describe('Erlang C', () => {
  const a = (100 / 1800) * 180;

  it('reproduces the published example', () => {
    expect(a).toBeCloseTo(10, 10);
    expect(erlangC(11, a)).toBeCloseTo(0.6821, 4);
    const f = erlangCFigures(14, a, 180, 20);
    expect(f.waitProbability).toBeCloseTo(0.1741, 4);
    expect(f.serviceLevel).toBeCloseTo(0.89, 2);
    expect(f.averageWaitSeconds).toBeCloseTo(7.8, 1);
    expect(f.occupancy).toBeCloseTo(0.714, 3);
    expect(erlangCFigures(13, a, 180, 20).serviceLevel).toBeCloseTo(0.796, 3);
    expect(erlangCServers(a, 180, { serviceLevel: 0.8, targetSeconds: 20 })).toBe(14);
  });

  it('agrees with the factorial form of Erlang B', () => {
    // B(n, a) = (a^n/n!) / Σ_{k≤n} a^k/k!, small enough here not to overflow.
    const direct = (n: number, x: number) => {
      let term = 1;
      let sum = 1;
      for (let k = 1; k <= n; k++) sum += term *= x / k;
      return term / sum;
    };
    for (const [n, x] of [[1, 0.5], [5, 3], [20, 15.5], [40, 39]] as const) expect(erlangB(n, x)).toBeCloseTo(direct(n, x), 12);
  });

  it('says a queue that cannot keep up always waits, and no traffic needs nobody', () => {
    expect(erlangC(10, 10)).toBe(1);
    expect(erlangCFigures(9, 10, 180, 20).serviceLevel).toBe(0);
    expect(erlangCServers(0, 180, { serviceLevel: 0.8, targetSeconds: 20 })).toBe(0);
  });
});

describe('Erlang A', () => {
  const lambda = 100 / 1800;

  it('becomes Erlang C when nobody leaves', () => {
    for (const n of [11, 14]) {
      const f = erlangAFigures({ n, arrivalsPerSecond: lambda, handleSeconds: 180, patienceSeconds: 1e12 }, 20);
      const c = erlangCFigures(n, 10, 180, 20);
      expect(f.waitProbability).toBeCloseTo(c.waitProbability, 5);
      expect(f.serviceLevel).toBeCloseTo(c.serviceLevel, 5);
      expect(f.abandonment).toBeCloseTo(0, 5);
    }
  });

  it('needs fewer agents than Erlang C when visitors leave, and counts who leaves', () => {
    const f = erlangAFigures({ n: 11, arrivalsPerSecond: lambda, handleSeconds: 180, patienceSeconds: 120 }, 20);
    expect(f.abandonment).toBeGreaterThan(0.05);
    expect(f.waitProbability).toBeLessThan(erlangC(11, 10));
    const n = erlangAServers({ arrivalsPerSecond: lambda, handleSeconds: 180, patienceSeconds: 120 }, { serviceLevel: 0.8, targetSeconds: 20 });
    expect(n).toBeLessThan(14);
    expect(n).toBeGreaterThanOrEqual(11);
  });

  it('keeps its figures as probabilities: a share answered plus a share leaving stays within one', () => {
    const f = erlangAFigures({ n: 3, arrivalsPerSecond: 0.1, handleSeconds: 60, patienceSeconds: 30 }, 10);
    expect(f.serviceLevel + f.abandonment).toBeLessThanOrEqual(1 + 1e-9);
    expect(f.occupancy).toBeGreaterThan(0);
    expect(f.occupancy).toBeLessThan(1);
  });
});
