import type { AgentView } from './agentView';
import type { Ranking } from './strategy';

/**
 * A set of agents (by slot) kept in a strategy's order as they change: an
 * indexed binary heap, so that adding, removing or moving an agent costs
 * O(log n), and the best `k` are read in O(k log k) without touching the
 * other thousands. The ranking must be a total order (the strategies end on
 * the agent id), so that the best `k` are the same as a full sort's.
 */
export class RankedSlots {
  private readonly heap: number[] = [];
  private readonly at: number[] = [];

  constructor(
    private readonly views: readonly (AgentView | undefined)[],
    private readonly rank: Ranking,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  add(slot: number): void {
    this.at[slot] = this.heap.push(slot) - 1;
    this.up(this.heap.length - 1);
  }

  /** Removes the slot; it must be in the set, ranked as its view was when it was added (remove before the view changes). */
  remove(slot: number): void {
    const i = this.at[slot]!;
    const last = this.heap.pop()!;
    this.at[slot] = -1;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    this.at[last] = i;
    this.down(i);
    this.up(i);
  }

  /** The best `k` whose slot `skip` does not exclude, best first. */
  best(k: number, skip?: (slot: number) => boolean): AgentView[] {
    const out: AgentView[] = [];
    if (this.heap.length === 0 || k <= 0) return out;
    // A frontier of heap positions, itself ordered best first: the next best is always on it.
    const frontier: number[] = [0];
    while (frontier.length > 0 && out.length < k) {
      let bi = 0;
      for (let f = 1; f < frontier.length; f++) if (this.before(frontier[f]!, frontier[bi]!)) bi = f;
      const i = frontier[bi]!;
      frontier[bi] = frontier[frontier.length - 1]!;
      frontier.pop();
      const slot = this.heap[i]!;
      if (!skip?.(slot)) out.push(this.views[slot]!);
      for (const child of [2 * i + 1, 2 * i + 2]) if (child < this.heap.length) frontier.push(child);
    }
    return out;
  }

  private before(i: number, j: number): boolean {
    return this.rank(this.views[this.heap[i]!]!, this.views[this.heap[j]!]!) < 0;
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    this.at[b] = i;
    this.at[a] = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(l, best)) best = l;
      if (r < this.heap.length && this.before(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
