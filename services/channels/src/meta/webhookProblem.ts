import type { FastifyReply } from 'fastify';

/** Why a webhook delivery was refused; stable, also the `reason` label of `channels_webhook_refused_total`. */
export type WebhookRefusal = 'unknown_endpoint' | 'invalid_signature' | 'malformed_payload' | 'invalid_verify_token' | 'unavailable';

const titles: Record<WebhookRefusal, { status: number; title: string }> = {
  unknown_endpoint: { status: 404, title: 'Unknown endpoint' },
  invalid_signature: { status: 401, title: 'Invalid signature' },
  malformed_payload: { status: 400, title: 'Malformed payload' },
  invalid_verify_token: { status: 403, title: 'Invalid verify token' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
};

/** Seconds Meta is asked to wait before redelivering after a 503 (it retries on its own schedule anyway). */
const RETRY_AFTER_SECONDS = 30;

/** RFC 7807 problem JSON, the same shape the gateway answers with. */
export function sendRefusal(reply: FastifyReply, code: WebhookRefusal, detail: string): FastifyReply {
  const { status, title } = titles[code];
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `https://contactcenter.dev/problems/${code}`, title, status, code, detail });
}
