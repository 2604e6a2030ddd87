import type { MetaChannel } from './metaEvents';

/**
 * Meta's customer-service window. A business may answer freely for 24 hours
 * after the customer's last message. After that, WhatsApp accepts only an
 * approved template; Messenger and Instagram accept a human agent's reply
 * tagged `HUMAN_AGENT` for up to 7 days after the customer's last message,
 * and nothing after. Pure: the caller passes the time.
 *
 * @example
 *   const policy = sendPolicy('messenger', lastCustomerMessageAt, new Date());
 *   if (policy.kind === 'human_agent_tag') body.tag = 'HUMAN_AGENT';
 */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export type ServiceWindow = { open: true; closesAt: Date } | { open: false; closedAt?: Date };

/** Open from the customer's message until exactly 24 hours later (that instant is already closed). */
export function serviceWindow(lastCustomerMessageAt: Date | undefined, now: Date): ServiceWindow {
  if (!lastCustomerMessageAt) return { open: false };
  const closesAt = new Date(lastCustomerMessageAt.getTime() + SERVICE_WINDOW_MS);
  return now.getTime() < closesAt.getTime() ? { open: true, closesAt } : { open: false, closedAt: closesAt };
}

/** How a reply may be sent now, or why it may not. */
export type SendPolicy =
  | { kind: 'free_text'; closesAt: Date }
  /** WhatsApp outside the window: an approved template only. */
  | { kind: 'template_only' }
  /** Messenger / Instagram from 24 hours to 7 days: a human agent's reply with the `HUMAN_AGENT` tag, until `closesAt`. */
  | { kind: 'human_agent_tag'; closesAt: Date }
  /** Messenger / Instagram: the customer never wrote, or wrote more than 7 days ago. */
  | { kind: 'refused'; reason: 'no_customer_message' | 'human_agent_window_closed' };

export function sendPolicy(channel: MetaChannel, lastCustomerMessageAt: Date | undefined, now: Date): SendPolicy {
  const window = serviceWindow(lastCustomerMessageAt, now);
  if (window.open) return { kind: 'free_text', closesAt: window.closesAt };
  if (channel === 'whatsapp') return { kind: 'template_only' };
  if (!lastCustomerMessageAt) return { kind: 'refused', reason: 'no_customer_message' };
  const closesAt = new Date(lastCustomerMessageAt.getTime() + HUMAN_AGENT_WINDOW_MS);
  return now.getTime() < closesAt.getTime() ? { kind: 'human_agent_tag', closesAt } : { kind: 'refused', reason: 'human_agent_window_closed' };
}
