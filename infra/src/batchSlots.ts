/**
 * When to send the next batch, for anything that gathers work into batches
 * (the event store's group commit, batch gRPC calls): a batch goes at the
 * end of the turn of the event loop in which its first item arrived, with
 * every item of that turn; up to `concurrent` batches go at once, what
 * arrives meanwhile waits for a free slot and so travels together in the
 * next batch, but never waits longer than
 * `maxWaitMs`: one batch that hangs (a peer killed mid-call, a stuck
 * connection) must not hold every later item back until its deadline.
 *
 * @example
 *   const slots = new BatchSlots({ concurrent: 2, maxWaitMs: 20 }, () => queue.length > 0, () => sendOneBatch());
 *   queue.push(item);
 *   slots.kick();
 */
export class BatchSlots {
  private inFlight = 0;
  private overdue: NodeJS.Timeout | undefined;
  /** A send scheduled for the end of this turn of the event loop. */
  private soon: NodeJS.Immediate | undefined;

  constructor(
    private readonly limits: { concurrent: number; maxWaitMs: number },
    /** Whether anything waits to be sent. */
    private readonly waiting: () => boolean,
    /** Takes the next batch off the waiting items and sends it; resolves when it is answered (failures are its own to report). */
    private readonly sendNext: () => Promise<void>,
  ) {}

  /** Something was added, or a batch came back: send what may go now, and make sure the rest goes within maxWaitMs. */
  kick(): void {
    if (!this.waiting()) return;
    if (this.inFlight < this.limits.concurrent) {
      // A free slot sends at the end of this turn of the event loop, not at once: the items that arrive
      // in the same turn (a routing pass dispatching many conversations, many calls answered together)
      // travel in one batch instead of the first two going alone.
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        while (this.inFlight < this.limits.concurrent && this.waiting()) this.send();
        this.kick();
      });
      return;
    }
    this.overdue ??= setTimeout(() => {
      this.overdue = undefined;
      if (this.waiting()) this.send();
      this.kick();
    }, this.limits.maxWaitMs);
  }

  private send(): void {
    this.inFlight++;
    void this.sendNext().finally(() => {
      this.inFlight--;
      this.kick();
    });
  }
}
