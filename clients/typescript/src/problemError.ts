/**
 * What the gateway said went wrong: its RFC 7807 problem JSON, typed. Every
 * non-2xx answer of the client becomes one, so an app can show `detail`,
 * branch on the stable `code`, and wait `retryAfter` seconds before trying
 * again. A request that never got an answer (the gateway unreachable, the
 * network down) is one too, with status 0 and code `unreachable`.
 *
 * @example
 *   try {
 *     await api.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } });
 *   } catch (err) {
 *     if (err instanceof ProblemError && err.code === 'not_found') showGone();
 *     else if (err instanceof ProblemError && err.retryAfter !== undefined) retryIn(err.retryAfter);
 *   }
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** Stable and documented: `validation`, `not_found`, `unauthorized`, `rate_limited`, `unreachable`, … */
  readonly code: string;
  readonly title: string;
  /** For people: show it to the user. */
  readonly detail: string | undefined;
  /** The input field or query parameter at fault, when the gateway names one. */
  readonly field: string | undefined;
  /** Seconds to wait before trying again (the Retry-After header), when the gateway says. */
  readonly retryAfter: number | undefined;

  constructor(problem: { status: number; code: string; title?: string; detail?: string; field?: string; retryAfter?: number }, options?: { cause?: unknown }) {
    super(problem.detail ? `${problem.status} ${problem.code}: ${problem.detail}` : `${problem.status} ${problem.code}`, options);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title ?? problem.code;
    this.detail = problem.detail;
    this.field = problem.field;
    this.retryAfter = problem.retryAfter;
  }

  /**
   * The problem of an answer whose body was already read (`body`: parsed
   * JSON, or text). A body that is no problem JSON (a proxy's HTML page)
   * still gives a ProblemError, with a code made from the status.
   */
  static of(response: Pick<Response, 'status' | 'statusText' | 'headers'>, body: unknown): ProblemError {
    const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const text = (key: string) => (typeof problem[key] === 'string' ? (problem[key] as string) : undefined);
    const detail = text('detail') ?? (typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : undefined);
    return new ProblemError({
      status: response.status,
      code: text('code') ?? `http_${response.status}`,
      title: text('title') ?? (response.statusText || undefined),
      detail,
      field: text('field'),
      retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
    });
  }

  /** The problem of an answer not read yet. */
  static async fromResponse(response: Response): Promise<ProblemError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text itself is the detail.
    }
    return ProblemError.of(response, body);
  }

  /** No answer at all: the request failed on the way (DNS, refused, reset, offline). */
  static unreachable(cause: unknown): ProblemError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new ProblemError({ status: 0, code: 'unreachable', title: 'Gateway unreachable', detail: `the gateway could not be reached: ${reason}` }, { cause });
  }
}

/** Retry-After in seconds: a number of seconds, or an HTTP date. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
