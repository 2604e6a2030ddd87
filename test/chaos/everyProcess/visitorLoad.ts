/**
 * Steady visitor traffic through the gateway: `rate` messages/s on a fixed
 * schedule whatever the answers (open loop: a stalled stack is not offered
 * less), round robin over the conversations, each message a unique
 * Idempotency-Key that its client retries until it gets an answer
 * (retryingRequest.ts). stop() ends the offer; in-flight clients keep
 * retrying until settle() sees them answered or abandon() ends them.
 */
import { sleep } from '../../bench/e2e/clock';
import type { Conversation } from '../../bench/e2e/deliveryLedger';
import type { GatewayHttp } from '../../bench/e2e/gatewayHttp';
import type { ChaosLedger } from './chaosLedger';
import type { GatewayAnswers } from './gatewayAnswers';
import { requestUntilAnswered } from './retryingRequest';

export interface LoadOptions {
  rate: number;
  timeoutMs: number;
  maxRetryAfterMs: number;
}

export class VisitorLoad {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private abandoned = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly runId = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly http: GatewayHttp,
    private readonly ledger: ChaosLedger,
    private readonly answers: GatewayAnswers,
    private readonly conversations: readonly Conversation[],
    private readonly options: LoadOptions,
  ) {}

  get offered(): number {
    return this.sent;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  start(): void {
    const interval = 1000 / this.options.rate;
    const begin = performance.now();
    const tick = () => {
      while (begin + this.sent * interval <= performance.now()) this.send(this.sent++);
      this.timer = setTimeout(tick, Math.max(0, begin + this.sent * interval - performance.now()));
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Waits until every client has its answer; false if some still retry after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < until) await sleep(50);
    return this.inFlight.size === 0;
  }

  /** Ends the retries still going (the run is over). */
  async abandon(): Promise<void> {
    this.abandoned = true;
    await Promise.all([...this.inFlight]);
  }

  private send(i: number): void {
    const conversation = this.conversations[i % this.conversations.length]!;
    const key = `chaos-${this.runId}-${i}`;
    const record = this.ledger.newMessage(key, conversation.id);
    const body = { text: `Message ${i}: where is my order?`, language: 'en' };
    const run = requestUntilAnswered(
      this.http,
      this.answers,
      'POST message',
      { method: 'POST', path: `/v1/visitor/conversations/${conversation.id}/messages`, token: conversation.visitorToken, body, idempotencyKey: key },
      { ...this.options, stopped: () => this.abandoned },
    ).then((outcome) => {
      record.attempts = outcome.attempts;
      if (outcome.kind === 'accepted') {
        record.acceptedAt = Date.now();
        record.acceptedAttemptAt = outcome.attemptStartedAt;
      } else if (outcome.kind === 'refused') {
        record.refused = { status: outcome.reply.status, body: outcome.reply.body.slice(0, 300) };
      } else {
        record.abandoned = true;
      }
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
