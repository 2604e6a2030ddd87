import type { ChannelName, QueuePolicy } from './policy';
import { effectivePriority, type Waiting } from './waiting';

/** The line a conversation waits in: its queue, or the team it was transferred to (`team:<id>`). */
export const lineOf = (w: Pick<Waiting, 'queueId' | 'teamId'>): string => w.queueId || `team:${w.teamId}`;

/** Within a line, conversations of one channel and base priority keep first-come order among themselves. */
const bucketOf = (w: Waiting): string => `${w.channel}|${w.priority}`;

type PolicyOf = (w: Waiting) => Pick<QueuePolicy, 'agingSeconds'> | undefined;

/** First come first served, then the id, so that every replica orders alike. */
const earlier = (a: Waiting, b: Waiting): boolean => a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.conversationId < b.conversationId);

/**
 * Conversations of one (line, base priority), oldest first. Removal leaves a
 * tombstone (the entry no longer is the one the line holds for its id) that
 * iteration skips and compaction drops, so taking the oldest is O(1) instead
 * of shifting an array of tens of thousands.
 */
class Bucket {
  items: Waiting[] = [];
  head = 0;
  dead = 0;

  insert(w: Waiting): void {
    const items = this.items;
    // Conversations join in the order they were queued: appending is the rule, a binary insert the exception.
    if (items.length === this.head || !earlier(w, items[items.length - 1]!)) {
      items.push(w);
      return;
    }
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (earlier(items[mid]!, w)) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, w);
  }

  compact(live: (w: Waiting) => boolean): void {
    while (this.head < this.items.length && !live(this.items[this.head]!)) {
      this.head++;
      this.dead--;
    }
    if (this.dead > 64 && this.dead * 2 > this.items.length - this.head) {
      this.items = this.items.slice(this.head).filter(live);
      this.head = 0;
      this.dead = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head - this.dead;
  }
}

/**
 * Where a merge stands in one bucket. It keeps the array it started on: a
 * compaction meanwhile makes a new one, and the old one still holds what the
 * merge has not reached yet (what left the line is skipped as not live).
 */
interface Cursor {
  channel: ChannelName;
  items: Waiting[];
  index: number;
  aging: Pick<QueuePolicy, 'agingSeconds'> | undefined;
}

/**
 * The conversations of one tenant waiting for an agent, kept in serving
 * order without sorting: within a line and a base priority, order is first
 * come first served, and aging lifts everyone of a line alike (one policy per
 * line), so each (line, priority) stays sorted by `queuedAt` and the serving
 * order of the tenant is a merge of their heads. A pass pays O(log k) per
 * conversation it looks at (k = lines × priorities), not a sort of every
 * waiting conversation.
 */
export class WaitingLine {
  private readonly byId = new Map<string, Waiting>();
  /** line → `<channel>|<priority>` → bucket */
  private readonly lines = new Map<string, Map<string, Bucket>>();

  get size(): number {
    return this.byId.size;
  }

  get(conversationId: string): Waiting | undefined {
    return this.byId.get(conversationId);
  }

  has(conversationId: string): boolean {
    return this.byId.has(conversationId);
  }

  values(): IterableIterator<Waiting> {
    return this.byId.values();
  }

  /** Adds the conversation, or moves it (new queue, priority or waiting spell). */
  put(w: Waiting): void {
    this.remove(w.conversationId);
    this.byId.set(w.conversationId, w);
    const line = lineOf(w);
    let buckets = this.lines.get(line);
    if (!buckets) this.lines.set(line, (buckets = new Map()));
    let bucket = buckets.get(bucketOf(w));
    if (!bucket) buckets.set(bucketOf(w), (bucket = new Bucket()));
    bucket.insert(w);
  }

  remove(conversationId: string): boolean {
    const w = this.byId.get(conversationId);
    if (!w) return false;
    this.byId.delete(conversationId);
    const buckets = this.lines.get(lineOf(w))!;
    const bucket = buckets.get(bucketOf(w))!;
    bucket.dead++;
    bucket.compact(this.live);
    if (bucket.size === 0) {
      buckets.delete(bucketOf(w));
      if (buckets.size === 0) this.lines.delete(lineOf(w));
    }
    return true;
  }

  /** How many wait in `line`. */
  lineSize(line: string): number {
    let n = 0;
    for (const b of this.lines.get(line)?.values() ?? []) n += b.size;
    return n;
  }

  lineIds(): IterableIterator<string> {
    return this.lines.keys();
  }

  /** One conversation of the line (they share its policy), or undefined when none waits there. */
  sampleOf(line: string): Waiting | undefined {
    for (const b of this.lines.get(line)?.values() ?? []) {
      for (let i = b.head; i < b.items.length; i++) if (this.live(b.items[i]!)) return b.items[i];
    }
    return undefined;
  }

  /** The conversations of `line` queued at or before `cutoff` (those due to overflow), oldest of each priority first. */
  *queuedBefore(line: string, cutoff: number): IterableIterator<Waiting> {
    for (const b of [...(this.lines.get(line)?.values() ?? [])]) {
      const items = b.items;
      for (let i = b.head; i < items.length && items[i]!.queuedAt <= cutoff; i++) if (this.live(items[i]!)) yield items[i]!;
    }
  }

  /**
   * The waiting conversations in serving order at `now`: higher effective
   * priority first, then first come first served, then the id (as
   * `servingOrder` sorts). Lines can be dropped while iterating (their
   * channel has no free slot left: the rest of them can only wait).
   */
  servingOrder(policyOf: PolicyOf, now: number, only?: string): ServingOrder {
    const cursors: Cursor[] = [];
    for (const [line, buckets] of this.lines) {
      if (only !== undefined && line !== only) continue;
      // One policy per line: any of its conversations tells its aging.
      let aging: Pick<QueuePolicy, 'agingSeconds'> | undefined;
      let known = false;
      for (const bucket of buckets.values()) {
        const first = bucket.items[bucket.head];
        if (!first) continue;
        if (!known) (aging = policyOf(first)), (known = true);
        cursors.push({ channel: first.channel, items: bucket.items, index: bucket.head, aging });
      }
    }
    return new ServingOrder(cursors, this.live, now);
  }

  /** 1-based place of the conversation in its own line, and the line's length; undefined when it does not wait. */
  position(conversationId: string, policyOf: PolicyOf, now: number): { position: number; length: number } | undefined {
    const w = this.byId.get(conversationId);
    if (!w) return undefined;
    const line = lineOf(w);
    const order = this.servingOrder(policyOf, now, line);
    let position = 0;
    for (let next = order.next(); next; next = order.next()) {
      position++;
      if (next === w) break;
    }
    return { position, length: this.lineSize(line) };
  }

  private readonly live = (w: Waiting): boolean => this.byId.get(w.conversationId) === w;
}

/** A merge of the heads of every (line, priority) in serving order; see WaitingLine.servingOrder. */
export class ServingOrder {
  private readonly heap: { cursor: Cursor; head: Waiting; rank: number }[] = [];

  constructor(
    cursors: Cursor[],
    private readonly live: (w: Waiting) => boolean,
    private readonly now: number,
  ) {
    for (const c of cursors) this.push(c);
  }

  /** The next conversation to serve, or undefined when none is left. */
  next(): Waiting | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      const { cursor, head } = top;
      this.pop();
      // A head that left the line since it was placed (assigned meanwhile) is passed over.
      if (this.live(head)) cursor.index++;
      this.push(cursor);
      if (this.live(head)) return head;
    }
  }

  /** No more conversations on `channel` (it has no free slot left). */
  dropChannel(channel: ChannelName): void {
    const kept = this.heap.filter((e) => e.cursor.channel !== channel);
    if (kept.length === this.heap.length) return;
    this.heap.length = 0;
    for (const e of kept) this.siftUp(this.heap.push(e) - 1);
  }

  /** Places the cursor's next live conversation in the heap (nothing when the bucket is exhausted). */
  private push(cursor: Cursor): void {
    const items = cursor.items;
    while (cursor.index < items.length && !this.live(items[cursor.index]!)) cursor.index++;
    const head = items[cursor.index];
    if (!head) return;
    this.siftUp(this.heap.push({ cursor, head, rank: effectivePriority(head, cursor.aging, this.now) }) - 1);
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(l, best)) best = l;
      if (r < this.heap.length && this.before(r, best)) best = r;
      if (best === i) return;
      [this.heap[i], this.heap[best]] = [this.heap[best]!, this.heap[i]!];
      i = best;
    }
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!this.before(i, parent)) return;
      [this.heap[i], this.heap[parent]] = [this.heap[parent]!, this.heap[i]!];
      i = parent;
    }
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.rank > b.rank || (a.rank === b.rank && earlier(a.head, b.head));
  }
}
