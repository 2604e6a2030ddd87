import type { SendResult } from '../channel/adapter';
import { isObject, optionalStringAt } from './metaEvents';

export type SendFailure = Extract<SendResult, { ok: false }>;

/** Graph error codes that mean "not now": rate limits and Meta's own temporary faults. */
const RATE_LIMITS = new Set([4, 17, 32, 341, 613, 80007, 130429, 131056]);
const TEMPORARY = new Set([1, 2, 131000, 131016, 133004]);

/**
 * What a failed Graph API answer means for the sender. Graph answers most
 * errors with HTTP 400 and `{ error: { message, type, code, error_subcode, fbtrace_id } }`,
 * so the error code decides, not the status:
 * - rate limits (e.g. 130429 throughput, 131056 pair rate, 4/17/32/613 app and page limits), HTTP 429 → retryable, `rate_limited`;
 * - HTTP 5xx and Meta's temporary faults (1, 2, 131000, 131016, 133004) → retryable, `provider_unavailable`;
 * - 131047 (WhatsApp: more than 24 hours since the customer wrote) and
 *   10/2018278 (Messenger: sent outside the allowed window) → `outside_window`;
 * - 190 (token expired or revoked) → `invalid_token`; any other → `graph_<code>`, not retryable.
 */
export function failureOfGraphAnswer(status: number, body: unknown, retryAfter: string | null, now: Date): SendFailure {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const code = typeof error.code === 'number' ? error.code : undefined;
  const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : undefined;
  const detail = describe(status, error, code, subcode);
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  const delay = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429 || (code !== undefined && RATE_LIMITS.has(code))) return { ok: false, retryable: true, ...delay, code: 'rate_limited', detail };
  if (status >= 500 || (code !== undefined && TEMPORARY.has(code))) return { ok: false, retryable: true, ...delay, code: 'provider_unavailable', detail };
  if (code === 131047 || (code === 10 && subcode === 2018278)) return { ok: false, retryable: false, code: 'outside_window', detail };
  if (code === 190) return { ok: false, retryable: false, code: 'invalid_token', detail };
  return { ok: false, retryable: false, code: code === undefined ? `http_${status}` : `graph_${code}`, detail };
}

/** A connection refused, reset or timed out: nothing says Meta has the message, so trying again is right. */
export function failureOfNetwork(err: unknown): SendFailure {
  const e = err as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | undefined;
  // fetch rejects with "fetch failed" and the socket's error as the cause; a timeout is a DOMException.
  const reason =
    e?.name === 'TimeoutError' ? 'timed out' : typeof e?.cause?.message === 'string' ? e.cause.message : typeof e?.message === 'string' ? e.message : String(err);
  return { ok: false, retryable: true, code: 'network_error', detail: `Graph API unreachable: ${reason}` };
}

function describe(status: number, error: Record<string, unknown>, code: number | undefined, subcode: number | undefined): string {
  const message = optionalStringAt(error, 'message') ?? `HTTP ${status}`;
  const details = isObject(error.error_data) ? optionalStringAt(error.error_data, 'details') : undefined;
  const ids = [
    code === undefined ? undefined : `code ${code}`,
    subcode === undefined ? undefined : `subcode ${subcode}`,
    optionalStringAt(error, 'fbtrace_id') && `fbtrace_id ${optionalStringAt(error, 'fbtrace_id')}`,
  ].filter(Boolean);
  return `${message}${details && details !== message ? `: ${details}` : ''}${ids.length ? ` (${ids.join(', ')})` : ''}`;
}

/** `Retry-After` as delay seconds or an HTTP date; garbage or a past date is ignored. */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
