/**
 * Messaging apps let a business answer freely only for a while after the
 * customer last wrote (Meta's customer-service window). WhatsApp: 24 hours,
 * then only an approved template. Messenger and Instagram: 24 hours, then up
 * to 7 days with the human-agent tag (the channel adds it), then nothing.
 * Email and chat have no window.
 */
const HOUR_MS = 3_600_000;
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * HOUR_MS;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR_MS;

export type ReplyRule =
  | { kind: 'free' }
  /** Free text until `closesAt`; after it, a template only (`templateAfter`) or nothing. */
  | { kind: 'window'; closesAt: Date | undefined; templateAfter: boolean };

/**
 * The reply rule of a conversation on `provider`, given when the customer last
 * wrote (undefined: never, e.g. a conversation the business started).
 *
 * @example
 *   replyRule('whatsapp', new Date('2026-01-01T10:00Z'))
 *   // → { kind: 'window', closesAt: 2026-01-02T10:00Z, templateAfter: true }
 */
export function replyRule(provider: string | undefined, lastCustomerMessageAt: Date | undefined): ReplyRule {
  const from = lastCustomerMessageAt?.getTime();
  switch (provider) {
    case 'whatsapp':
      return { kind: 'window', closesAt: from === undefined ? undefined : new Date(from + CUSTOMER_SERVICE_WINDOW_MS), templateAfter: true };
    case 'messenger':
    case 'instagram':
      return { kind: 'window', closesAt: from === undefined ? undefined : new Date(from + HUMAN_AGENT_WINDOW_MS), templateAfter: false };
    default:
      return { kind: 'free' };
  }
}

/** True when free text may be sent at `now`. */
export const freeTextAllowed = (rule: ReplyRule, now: Date): boolean =>
  rule.kind === 'free' || (rule.closesAt !== undefined && now.getTime() <= rule.closesAt.getTime());
