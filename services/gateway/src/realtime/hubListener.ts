import { UnavailableError } from '@contactcenter/infra';
import type { HubEvent, Interest, InterestChanges, Subscription } from './interest';
import type { TypingSignal } from './typingSignals';

export interface HubFeedLimits {
  /** Events handed on but not yet taken by the socket or stream; past it the feed ends as a slow consumer. */
  maxQueued: number;
  /** Events the hub delivered while the feed was still reading back what it missed; past it, the same. */
  maxHeld: number;
}

export const DEFAULT_HUB_FEED_LIMITS: HubFeedLimits = { maxQueued: 10_000, maxHeld: 50_000 };

/** What a socket or an SSE stream reads: its events in stream order, and what it follows. */
export interface HubFeed {
  /** Where the feed starts: the client's `after`, or the hub's position when it gave none. */
  readonly position: number;
  readonly events: AsyncIterable<HubEvent>;
  readonly interest: Interest;
  /** Follows more from the next event on; the caller has checked the principal may. */
  subscribe(s: Subscription): void;
  unsubscribe(s: Subscription): void;
  /** Who is typing in the conversations it follows (ephemeral: not queued, not replayed). */
  onTyping(handler: (signal: TypingSignal) => void): void;
  /** Stops the feed; the iteration ends. */
  close(): void;
}

/** The feed ended because its reader fell too far behind: resuming with `after` costs the hub nothing. */
export class SlowConsumerError extends UnavailableError {
  constructor(what: string) {
    super(`too many events waiting for this client (${what}); reconnect with after`);
  }
}

interface Hooks {
  reindex(changes: InterestChanges): void;
  detach(): void;
}

/**
 * One listener of the hub: what its interest wants of the events offered,
 * in order, queued (bounded) until its reader takes them. Events at or
 * before `after` teach the interest (an assignment the client already saw
 * still makes its conversation followed) but are not handed on again.
 */
export class HubListener {
  closed = false;
  private live = false;
  private held: HubEvent[] = [];
  private queue: HubEvent[] = [];
  private head = 0;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private after = 0;
  private typingHandler: ((signal: TypingSignal) => void) | undefined;

  constructor(
    readonly interest: Interest,
    private readonly limits: Partial<HubFeedLimits>,
    private readonly hooks: Hooks,
  ) {}

  /** An event in stream order: handed on when the interest wants it and the client has not seen it. */
  offer(e: HubEvent): void {
    if (this.closed) return;
    const { wanted, changes } = this.interest.wants(e);
    if (changes) this.hooks.reindex(changes);
    // Another region's event has no position here: `after` (this region's stream) says nothing about it.
    if (!wanted || (e.region === undefined && e.seq <= this.after)) return;
    this.queue.push(e);
    if (this.queue.length - this.head > (this.limits.maxQueued ?? DEFAULT_HUB_FEED_LIMITS.maxQueued)) return this.fail(new SlowConsumerError(`${this.queue.length - this.head} events queued`));
    this.wake?.();
  }

  /** An event the hub delivered while this listener still reads back what it missed. */
  hold(e: HubEvent): void {
    if (this.closed) return;
    this.held.push(e);
    if (this.held.length > (this.limits.maxHeld ?? DEFAULT_HUB_FEED_LIMITS.maxHeld)) this.fail(new SlowConsumerError(`${this.held.length} events arrived while reading back`));
  }

  /** Caught up: what was held follows, then live events. */
  goLive(): void {
    if (this.live) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    for (const e of held) this.offer(e);
  }

  /** A typing signal of a conversation this listener follows; dropped while it reads back or once closed. */
  typing(signal: TypingSignal): void {
    if (this.live && !this.closed) this.typingHandler?.(signal);
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.error = err;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.hooks.detach();
    this.wake?.();
  }

  feed(after: number): HubFeed {
    this.after = after;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      position: after,
      interest: this.interest,
      events: { [Symbol.asyncIterator]: () => self.iterate() },
      subscribe: (s) => this.hooks.reindex(this.interest.subscribe(s)),
      unsubscribe: (s) => this.hooks.reindex(this.interest.unsubscribe(s)),
      onTyping: (handler) => {
        this.typingHandler = handler;
      },
      close: () => this.close(),
    };
  }

  private async *iterate(): AsyncGenerator<HubEvent> {
    for (;;) {
      while (this.head < this.queue.length) {
        const e = this.queue[this.head++]!;
        if (this.head > 1_024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        yield e;
      }
      if (this.error) throw this.error;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
