import { ProviderError, ProviderTimeoutError } from './translationProvider';

export interface HttpAnswer {
  status: number;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** The raw body, for error messages (cut short). */
  text: string;
}

export interface HttpCall {
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The caller's signal: aborting it rejects with its reason, not as a provider failure. */
  signal?: AbortSignal;
}

/**
 * One HTTP exchange with a provider through Node's global fetch. The timeout
 * covers the whole exchange, body included, because a provider that sends
 * headers and then stalls hangs the caller just the same. A timeout becomes a
 * ProviderTimeoutError, an unreachable host a ProviderError('network'); the
 * caller's own abort is passed through untouched, so a breaker does not
 * count a user who gave up against the provider.
 */
export async function httpJson(call: HttpCall): Promise<HttpAnswer> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), call.timeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout.signal]) : timeout.signal;
  try {
    const res = await fetch(call.url, { method: call.method ?? 'GET', headers: call.headers, body: call.body, signal });
    const text = await res.text();
    return { status: res.status, json: parseJson(text), text };
  } catch (err) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (timeout.signal.aborted) throw new ProviderTimeoutError(call.provider, call.timeoutMs);
    throw new ProviderError(call.provider, 'network', `cannot reach ${new URL(call.url).origin}: ${describe(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** undici hides the useful part (ECONNREFUSED…) in `cause`. */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** A body excerpt for an error message: providers sometimes answer with a whole HTML page. */
export const excerpt = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The failure an HTTP status means for the documented provider APIs (DeepL adds 456 for quota). */
export function failureOfStatus(status: number): ProviderError['failure'] {
  if (status === 401 || status === 403) return 'auth';
  if (status === 456) return 'quota';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'bad_request';
}
