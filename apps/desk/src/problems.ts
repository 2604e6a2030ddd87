import { ProblemError } from '@contactcenter/client';
import { fill, h } from './dom';

/**
 * The problem banner (role="alert"): what the gateway said went wrong, in
 * its own words (the problem JSON's `detail`), until the agent dismisses it
 * or the next problem replaces it.
 */
export class ProblemBanner {
  readonly element: HTMLElement;
  private readonly text: HTMLElement;

  /** `signInAgain`: offered when the gateway no longer takes the token (expired or revoked). */
  constructor(private readonly signInAgain?: () => void) {
    this.text = h('p', { className: 'problem-text' });
    this.element = h('div', { role: 'alert', testid: 'desk-problem', className: 'problem', hidden: true });
  }

  show(err: unknown, doing?: string): void {
    const detail = describe(err);
    fill(this.text, doing ? `${doing}: ${detail}` : detail);
    const unauthorized = (err instanceof ProblemError && err.status === 401) || (err instanceof Error && 'fatal' in err && (err as { code?: string }).code === 'unauthorized');
    fill(
      this.element,
      this.text,
      h(
        'div',
        { className: 'buttons' },
        unauthorized && this.signInAgain ? h('button', { type: 'button', onClick: () => this.signInAgain?.() }, 'Sign in again') : null,
        h('button', { type: 'button', className: 'quiet', onClick: () => this.clear() }, 'Dismiss'),
      ),
    );
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}

/** For people: the problem's detail, else its title or code. */
export function describe(err: unknown): string {
  if (err instanceof ProblemError) return err.detail ?? err.title ?? err.code;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Worth trying again with the same idempotency key: rate limited, unavailable, or no answer at all. */
export const isRetryable = (err: unknown): boolean => err instanceof ProblemError && (err.status === 0 || err.status === 429 || err.status === 503 || err.status === 502 || err.status === 504);

/**
 * Runs `attempt` until it succeeds, fails for good, or `tries` run out: waits
 * the gateway's Retry-After when it gives one, else a growing delay.
 */
export async function withRetries<T>(attempt: () => Promise<T>, opts: { tries?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<T> {
  const tries = opts.tries ?? 6;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= tries || !isRetryable(err)) throw err;
      const retryAfter = err instanceof ProblemError ? err.retryAfter : undefined;
      await sleep(retryAfter !== undefined ? retryAfter * 1000 : Math.min(8000, 400 * 2 ** (i - 1)));
    }
  }
}
