import type { ContactCenterClient } from '@contactcenter/client';
import { asProblem } from './failureNotice';
import { fill, type Words } from './i18n';
import { failureKind, retryDelayMs } from './retryPolicy';
import type { RetryingCalls } from './retrying';
import type { WidgetView } from './view';

const QUEUE_POLL_MS = 4_000;

/** The queue status line: "You are number 2 in the queue. Estimated wait: about 3 min." */
export function queueText(w: Words, q: { position?: number; estimatedWaitSeconds?: number | null }): string {
  let text = q.position && q.position > 0 ? fill(w.queue, { position: q.position }) : w.waiting;
  if (q.estimatedWaitSeconds !== undefined && q.estimatedWaitSeconds !== null) {
    const wait = q.estimatedWaitSeconds < 60 ? w.underMinute : fill(w.minutes, { n: Math.round(q.estimatedWaitSeconds / 60) });
    text += ` ${fill(w.wait, { wait })}`;
  }
  return text;
}

/**
 * The visitor's place in the queue while no agent has the conversation,
 * read every few seconds (there is no queue event for a visitor: routing
 * events name agents) until `stop()`: an agent was assigned, or the
 * conversation ended.
 */
export class QueueWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private conversationId: string | undefined;

  constructor(
    private readonly client: ContactCenterClient,
    private readonly view: WidgetView,
    private readonly calls: RetryingCalls,
  ) {}

  watch(conversationId: string): void {
    if (this.conversationId === conversationId) return;
    this.stop();
    this.conversationId = conversationId;
    this.view.setQueueStatus(this.view.words().waiting);
    void this.poll(conversationId);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.conversationId = undefined;
  }

  private async poll(conversationId: string): Promise<void> {
    let nextMs = QUEUE_POLL_MS;
    const w = this.view.words();
    try {
      const q = await this.client.GET('/v1/visitor/conversations/{conversationId}/queue-position', { params: { path: { conversationId } } });
      if (conversationId !== this.conversationId) return;
      this.view.setQueueStatus(queueText(w, q));
      this.calls.clear();
    } catch (err) {
      if (conversationId !== this.conversationId) return;
      const p = asProblem(err);
      // Not queued yet (routing has not taken it) is plain waiting.
      if (p.status === 404) this.view.setQueueStatus(w.waiting);
      else if (failureKind(p) !== 'rejected') this.calls.show(p, retryDelayMs(p, 0));
      if (p.retryAfter !== undefined) nextMs = Math.max(nextMs, p.retryAfter * 1000);
    }
    if (conversationId === this.conversationId) this.timer = setTimeout(() => void this.poll(conversationId), nextMs);
  }
}
