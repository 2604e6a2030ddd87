/** A binary min-heap of items by time (then by insertion), so interleaved conversations come out in order. */
export class TimeHeap<E extends { time: Date }> {
  private items: { t: number; n: number; e: E }[] = [];
  private n = 0;
  get size() {
    return this.items.length;
  }
  peekTime() {
    return this.items[0]?.t ?? Infinity;
  }
  push(e: E) {
    const item = { t: e.time.getTime(), n: this.n++, e };
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): E {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top.e;
  }
}
const less = (x: { t: number; n: number }, y: { t: number; n: number }) => x.t < y.t || (x.t === y.t && x.n < y.n);
