import type { Requirement } from '../domain/eligibility';
import type { WaitingLine } from '../domain/waitingLine';

/** What asking the other regions came to: another region's agent took it, it waits, or a region did not answer. */
export type ElsewhereAnswer = 'taken' | 'waits' | 'unanswered';

/**
 * After a region did not answer, the next asks come this much later, then
 * the retry period: a region just started (or whose link just came up) may
 * miss a request for a moment while NATS gateways learn of its subscription.
 */
export const UNANSWERED_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 20_000];

export interface ElsewhereDeps {
  /** Tries to have another region's agent on shift take the conversation. */
  ask: (tenantId: string, conversationId: string, requirement: Requirement) => Promise<ElsewhereAnswer>;
  /** Greets it after hours (the bot): when first found so and no other region took it. */
  onAfterHours: (tenantId: string, conversationId: string) => void;
  /** Whether the conversation is after hours here now, with the requirement judged; undefined when not. */
  afterHoursWait: (tenantId: string, conversationId: string) => { requirement: Requirement } | undefined;
  /** Runs the work in the dispatcher's in-flight set (`busy` meanwhile). */
  act: (tenantId: string, conversationId: string, work: () => Promise<void>) => void;
  busy: (tenantId: string, conversationId: string) => boolean;
  now: () => number;
  /** Asked again this often while it stays after hours and the regions answer (default 30 s). */
  retryMs?: number;
}

/**
 * Follow-the-sun's schedule in the dispatcher: an after-hours conversation
 * is offered to the other regions when first found so, and again while it
 * stays so, every `retryMs` (a shift may have begun there), sooner after a
 * region did not answer (UNANSWERED_BACKOFF_MS, up to `retryMs`).
 */
export class ElsewhereAsks {
  /** Per tenant, after-hours conversations: when to ask again, and how many asks in a row went unanswered. */
  private readonly due = new Map<string, Map<string, { at: number; unanswered: number }>>();

  constructor(private readonly deps: ElsewhereDeps) {}

  /** The conversation was just found after hours: ask now, greet if no other region takes it. */
  foundAfterHours(tenantId: string, conversationId: string, requirement: Requirement): void {
    this.askNow(tenantId, conversationId, requirement, true);
  }

  /** The conversation left its line. */
  forget(tenantId: string, conversationId: string): void {
    this.due.get(tenantId)?.delete(conversationId);
  }

  /** Asks again about the tenant's conversations that are due and still wait after hours. */
  byClock(tenantId: string, line: WaitingLine, now: number): void {
    const due = this.due.get(tenantId);
    if (!due) return;
    for (const [conversationId, { at }] of due) {
      const wait = this.deps.afterHoursWait(tenantId, conversationId);
      if (!line.has(conversationId) || !wait) due.delete(conversationId);
      else if (at <= now && !this.deps.busy(tenantId, conversationId)) this.askNow(tenantId, conversationId, wait.requirement, false);
    }
  }

  private askNow(tenantId: string, conversationId: string, requirement: Requirement, greetIfNot: boolean): void {
    const { deps } = this;
    let due = this.due.get(tenantId);
    if (!due) this.due.set(tenantId, (due = new Map()));
    const unanswered = due.get(conversationId)?.unanswered ?? 0;
    // Not again until this ask is answered (then rescheduled below).
    due.set(conversationId, { at: Infinity, unanswered });
    if (deps.busy(tenantId, conversationId)) {
      due.set(conversationId, { at: deps.now() + this.retryMs, unanswered });
      return;
    }
    deps.act(tenantId, conversationId, async () => {
      let answer: ElsewhereAnswer = 'unanswered';
      try {
        answer = await deps.ask(tenantId, conversationId, requirement);
      } finally {
        // Greeted after hours unless another region took it; also when asking failed.
        if (answer !== 'taken' && greetIfNot) deps.onAfterHours(tenantId, conversationId);
        this.answered(tenantId, conversationId, answer, unanswered);
      }
    });
  }

  private answered(tenantId: string, conversationId: string, answer: ElsewhereAnswer, unansweredBefore: number): void {
    const due = this.due.get(tenantId);
    if (!due?.has(conversationId)) return; // left its line meanwhile
    if (answer === 'taken') {
      due.delete(conversationId);
      return;
    }
    const unanswered = answer === 'unanswered' ? unansweredBefore + 1 : 0;
    const delay = unanswered > 0 ? Math.min(UNANSWERED_BACKOFF_MS[unanswered - 1] ?? Infinity, this.retryMs) : this.retryMs;
    due.set(conversationId, { at: this.deps.now() + delay, unanswered });
  }

  private get retryMs(): number {
    return this.deps.retryMs ?? 30_000;
  }
}
