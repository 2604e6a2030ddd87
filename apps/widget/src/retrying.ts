import type { ProblemError } from '@contactcenter/client';
import { asProblem, noticeFor } from './failureNotice';
import { failureKind, retryDelayMs } from './retryPolicy';
import type { WidgetView } from './view';
import type { VisitorSessionSource } from './visitorSession';

export type Result<T> = { ok: true; value: T } | { ok: false; error: ProblemError };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls to the gateway tried until they succeed or trying again cannot help,
 * while the panel says why the widget waits (and says nothing more once a
 * call succeeds). A refused session token is dropped once, and a new session
 * opened; a refused widget key stays refused.
 *
 * @example
 *   const read = await calls.retrying(() => client.GET('/v1/visitor/conversations/{conversationId}', { params: { path: { conversationId } } }));
 *   if (read.ok) show(read.value);
 */
export class RetryingCalls {
  private failureShown = false;
  private refused = false;

  constructor(
    private readonly view: WidgetView,
    private readonly session: VisitorSessionSource,
    /** The connection status to show again once calls work (the socket's). */
    private readonly connectionText: () => string,
  ) {}

  async retrying<T>(call: () => Promise<T>): Promise<Result<T>> {
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const value = await call();
        this.clear();
        return { ok: true, value };
      } catch (err) {
        const p = asProblem(err);
        if (p.status === 401 && !renewed && this.session.hasSaved() && !this.refused) {
          renewed = true;
          this.session.forget();
          continue;
        }
        const delay = retryDelayMs(p, attempt);
        this.show(p, delay);
        if (delay === undefined) return { ok: false, error: p };
        await sleep(delay);
      }
    }
  }

  /** Says what went wrong (and, for a passing failure, that the widget is reconnecting). */
  show(p: ProblemError, delayMs: number | undefined): void {
    const kind = failureKind(p);
    this.refused = kind === 'refused';
    this.failureShown = true;
    this.view.setNotice(noticeFor(p, this.view.words(), delayMs));
    if (kind === 'unreachable' || kind === 'unavailable' || kind === 'rate_limited') this.view.setConnection(this.view.words().reconnecting);
  }

  clear(): void {
    this.refused = false;
    if (!this.failureShown) return;
    this.failureShown = false;
    this.view.setNotice(undefined);
    this.view.setConnection(this.connectionText());
  }
}
