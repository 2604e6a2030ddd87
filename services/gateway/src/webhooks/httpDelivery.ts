import type { CloudEvent } from '@contactcenter/infra/events';
import type { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { guardedRequest, OutboundRequestError } from '../outbound/guardedRequest';
import { signWebhook } from './signature';
import { signingSecrets } from './webhookSecrets';
import type { Webhook } from './webhookStore';

export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;
/** CloudEvents HTTP binding, structured content mode. */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
/** A receiver's answer is read up to this size (it only needs to say 2xx); a longer one fails the attempt. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** What one HTTP attempt gave: `ok` only for a 2xx answer within the timeout. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode?: number;
  /** A generic reason ("HTTP 500", "connection failed", "timeout"…), shown to the tenant: never a socket error's text. */
  error?: string;
  /** The underlying error (socket, TLS, refused address), for logs only. */
  cause?: unknown;
  at: string;
}

/**
 * POSTs a CloudEvent in structured JSON mode to a webhook, signed with its
 * live secrets (Standard Webhooks, see signature.ts), through the outbound
 * address policy: a URL whose name now resolves to a private address gets
 * no connection. Redirects are not followed (a 3xx is a failure): the
 * receiver's URL is what the tenant registered.
 */
export async function postCloudEvent(
  target: Pick<Webhook, 'url' | 'secret' | 'retiringSecrets'>,
  deliveryId: string,
  event: CloudEvent,
  options: { policy: OutboundAddressPolicy; timeoutMs?: number; now?: () => Date },
): Promise<AttemptOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify(event);
  const at = now.toISOString();
  try {
    const res = await guardedRequest(target.url, {
      method: 'POST',
      timeoutMs: options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
      policy: options.policy,
      maxResponseBytes: MAX_ANSWER_BYTES,
      headers: {
        'content-type': CLOUDEVENTS_JSON,
        'user-agent': 'contactcenter-webhooks/1',
        'webhook-id': deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(signingSecrets(target, now), deliveryId, timestamp, body),
      },
      body,
    });
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, ...(ok ? {} : { error: `HTTP ${res.status}` }), at };
  } catch (err) {
    if (err instanceof OutboundRequestError) return { ok: false, error: err.message, cause: err.cause, at };
    throw err;
  }
}
