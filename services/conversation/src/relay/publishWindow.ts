import type { RecordedEvent } from '@contactcenter/infra/eventstore';

export interface PublishWindowActions {
  /** Publishes the event once: 'ok' once JetStream acknowledged it (or there was nothing to publish), 'failed' otherwise. */
  sendOnce(event: RecordedEvent): Promise<'ok' | 'failed'>;
  /** Publishes again until acknowledged (same message id); false when the relay stopped first. */
  sendUntilAcked(event: RecordedEvent): Promise<boolean>;
  /** The event and every one before it are published: the checkpoint may move past it. */
  passed(event: RecordedEvent): Promise<unknown>;
  /** The relay stopped or lost its lease: no more sending, no retries. */
  halted(): boolean;
}

interface Sent {
  event: RecordedEvent;
  outcome: Promise<'ok' | 'failed'>;
  done?: 'ok' | 'failed';
}

/**
 * The relay's publishes in flight: up to `size` events of the log sent
 * without waiting for each one's acknowledgement, so the relay keeps up with
 * a busy store instead of paying one round trip per event. Two events of one
 * stream (one conversation) are never in flight together: the later one
 * takes its place in the window at once but is sent only when the earlier
 * one is acknowledged, while events of other conversations go meanwhile. A
 * conversation's events therefore reach JetStream in revision order whatever
 * fails, and a conversation whose events follow each other in the log (a
 * start and its queueing, appended together) holds back nobody else. The
 * checkpoint moves only past a prefix of the log whose every event was
 * acknowledged.
 *
 * A failed publish stops the window: every publish in flight is waited for
 * (an event waiting for its conversation's failed one is not sent), then the
 * events are passed in log order, the failed and unsent ones published again
 * until acknowledged. JetStream holds each conversation's events in revision
 * order; events of different conversations may be stored in another order
 * than the log's (one waiting for its conversation's previous event while
 * later ones go), and after a failure a republished event follows later
 * events of other conversations.
 */
export class PublishWindow {
  private readonly sent: Sent[] = [];
  /** Each stream's latest event in the window: the next one of that stream is sent after it is acknowledged. */
  private readonly latest = new Map<string, Sent>();
  private failed = false;
  /** Passing settled events, one step after another, in log order. */
  private passing: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly size: number,
    private readonly actions: PublishWindowActions,
  ) {}

  /** Events sent and not yet passed. */
  get inFlight(): number {
    return this.sent.length;
  }

  /** Sends the event once there is room for it; false when the relay halted (the event was not sent). */
  async push(event: RecordedEvent): Promise<boolean> {
    for (;;) {
      if (this.actions.halted()) return false;
      if (this.failed) {
        if (!(await this.recover())) return false;
        continue;
      }
      if (this.sent.length < this.size) break;
      await this.sent[0]!.outcome;
      if (!(await this.pass())) return false;
    }
    const previous = this.latest.get(event.streamId);
    // Behind its conversation's previous event: sent once that one is acknowledged; after a failure, by the recovery, in order.
    const outcome = previous ? previous.outcome.then((done) => (done === 'ok' && !this.failed && !this.actions.halted() ? this.actions.sendOnce(event) : 'failed')) : this.actions.sendOnce(event);
    const entry: Sent = { event, outcome };
    this.sent.push(entry);
    this.latest.set(event.streamId, entry);
    void entry.outcome.then((done) => {
      entry.done = done;
      if (done === 'ok') return void this.pass().catch(() => undefined);
      this.failed = true;
      // At once, not at the next push: the log may stay quiet, and the checkpoint waits on this event.
      void this.recover().catch(() => undefined);
    });
    return true;
  }

  /**
   * Waits for everything sent; passes what was acknowledged and, unless the
   * relay halted, publishes the failed ones again. True when nothing is left.
   */
  async drain(): Promise<boolean> {
    await Promise.all(this.sent.map((s) => s.outcome));
    if (this.failed) return this.recover();
    return (await this.pass()) && this.sent.length === 0;
  }

  /** Passes the acknowledged events at the head of the window, in order (one pass at a time). */
  private pass(): Promise<boolean> {
    this.passing = this.passing.catch(() => false).then(async () => {
      while (this.sent[0]?.done === 'ok') {
        const head = this.sent.shift()!;
        this.forget(head);
        await this.actions.passed(head.event);
      }
      return true;
    });
    return this.passing;
  }

  /** After a failure: wait for all in flight, then pass them in order, publishing the failed ones again. */
  private recover(): Promise<boolean> {
    this.passing = this.passing.catch(() => false).then(async () => {
      await Promise.all(this.sent.map((s) => s.outcome));
      while (this.sent.length > 0) {
        const head = this.sent[0]!;
        if (head.done !== 'ok') {
          if (this.actions.halted() || !(await this.actions.sendUntilAcked(head.event))) return false;
        }
        this.sent.shift();
        this.forget(head);
        await this.actions.passed(head.event);
      }
      this.failed = false;
      return true;
    });
    return this.passing;
  }

  /** The event left the window: a later event of its stream no longer waits on it. */
  private forget(entry: Sent): void {
    if (this.latest.get(entry.event.streamId) === entry) this.latest.delete(entry.event.streamId);
  }
}
