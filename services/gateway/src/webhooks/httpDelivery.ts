import type { CloudEvent } from '@contactcenter/infra/events';
import { signWebhook } from './signature';

export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;
/** CloudEvents HTTP binding, structured content mode. */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/** What one HTTP attempt gave: `ok` only for a 2xx answer within the timeout. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode?: number;
  error?: string;
  at: string;
}

/**
 * POSTs a CloudEvent in structured JSON mode to a webhook, signed with its
 * secret (see signature.ts). Redirects are not followed (a 3xx is a failure):
 * the receiver's URL is what the tenant registered. The answer body is not
 * read beyond discarding it.
 */
export async function postCloudEvent(
  target: { url: string; secret: string },
  deliveryId: string,
  event: CloudEvent,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<AttemptOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify(event);
  const at = now.toISOString();
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS),
      headers: {
        'content-type': CLOUDEVENTS_JSON,
        'user-agent': 'contactcenter-webhooks/1',
        'webhook-id': deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(target.secret, timestamp, body),
      },
      body,
    });
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, ...(ok ? {} : { error: `HTTP ${res.status}` }), at };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const error = e.name === 'TimeoutError' ? `timed out after ${options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, error: String(error).slice(0, 300), at };
  }
}
