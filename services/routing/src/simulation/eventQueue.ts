/** Happenings of a replay, by virtual time; at one instant, lower `order` first, then first scheduled. */
export interface Scheduled {
  at: number;
  order: number;
}

/** A binary min-heap of scheduled happenings: the virtual clock jumps from one to the next. */
export class EventQueue<T extends Scheduled> {
  private readonly heap: { item: T; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0]?.item;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push({ item, seq: this.seq++ });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >>> 1;
      if (!this.before(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let best = i;
        if (l < heap.length && this.before(l, best)) best = l;
        if (l + 1 < heap.length && this.before(l + 1, best)) best = l + 1;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top?.item;
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return (a.item.at - b.item.at || a.item.order - b.item.order || a.seq - b.seq) < 0;
  }
}
