import { ProblemError } from '@contactcenter/client';
import { fill, type Words } from './i18n';
import { failureKind } from './retryPolicy';

/** Any failure as a ProblemError: what the client threw, or a bug of ours shown as "unavailable". */
export const asProblem = (err: unknown): ProblemError =>
  err instanceof ProblemError ? err : new ProblemError({ status: 500, code: 'internal', detail: err instanceof Error ? err.message : String(err) }, { cause: err });

/**
 * What to tell the visitor about a failure, in their language. A browser shows
 * an origin the widget key does not allow exactly like an unreachable gateway
 * (no answer at all), so one sentence names both.
 */
export function noticeFor(p: ProblemError, words: Words, delayMs: number | undefined): string {
  switch (failureKind(p)) {
    case 'refused':
      return p.detail ? `${words.refused} (${p.detail})` : words.refused;
    case 'unreachable':
      return words.unreachable;
    case 'rate_limited':
      return fill(words.rateLimited, { seconds: Math.max(1, Math.ceil((delayMs ?? (p.retryAfter ?? 1) * 1000) / 1000)) });
    case 'unavailable':
      return words.unavailable;
    case 'rejected':
      return fill(words.rejected, { detail: p.detail ?? p.title });
  }
}
