/**
 * What the desk says about a conversation's channel and about how far a
 * reply got: the channel's name ("Email", "WhatsApp"), a message's delivery
 * status ("Delivered", "Bounced: mailbox full") and whether the agent may
 * still write freely (messaging apps close their reply window a while after
 * the customer last wrote). Pure: the views render what these return.
 */

/** How far a message to the customer got, as the gateway reports it (REST) or an event carries it (proto enum names). */
export interface Delivery {
  status?: string;
  detail?: string;
  updatedAt?: string;
  willRetry?: boolean;
}

const PROVIDER_LABEL: Record<string, string> = { email: 'Email', whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram' };
const CHANNEL_LABEL: Record<string, string> = { chat: 'Chat', email: 'Email', social: 'Social', phone: 'Phone' };

/**
 * The channel's name for people: the app the customer wrote through when
 * there is one, else the channel.
 *
 * @example
 *   channelLabel('social', 'whatsapp'); // 'WhatsApp'
 *   channelLabel('chat'); // 'Chat'
 */
export function channelLabel(channel: string | undefined, provider?: string): string {
  const p = (provider ?? '').toLowerCase();
  if (PROVIDER_LABEL[p]) return PROVIDER_LABEL[p]!;
  const c = (channel ?? '').toLowerCase();
  return CHANNEL_LABEL[c] ?? (c ? c[0]!.toUpperCase() + c.slice(1) : 'Conversation');
}

/** `DELIVERY_STATUS_BOUNCED` (an event) or `bounced` (REST) → `bounced`; '' when unknown. */
export function deliveryStatusOf(status: string | undefined): string {
  const s = (status ?? '').toLowerCase().replace(/^delivery_status_/, '');
  return s === 'unspecified' ? '' : s;
}

/**
 * The delivery status in words; undefined when there is none to show
 * (chat messages, or a status the desk does not know).
 *
 * @example
 *   deliveryText({ status: 'failed', willRetry: true }); // 'Failed — retrying'
 *   deliveryText({ status: 'bounced', detail: '552 mailbox full' }); // 'Bounced: 552 mailbox full'
 */
export function deliveryText(delivery: Delivery | undefined): string | undefined {
  const status = deliveryStatusOf(delivery?.status);
  const detail = delivery?.detail?.trim();
  switch (status) {
    case 'sent':
      return 'Sent';
    case 'delivered':
      return 'Delivered';
    case 'read':
      return 'Read';
    case 'failed':
      if (delivery?.willRetry) return 'Failed — retrying';
      return detail ? `Failed: ${detail}` : 'Failed';
    case 'bounced':
      return detail ? `Bounced: ${detail}` : 'Bounced';
    default:
      return undefined;
  }
}

/**
 * The later of two reports on one message: the one updated last (the
 * gateway never moves a status back, but events and REST answers may cross).
 */
export function laterDelivery(a: Delivery | undefined, b: Delivery | undefined): Delivery | undefined {
  if (!a || !deliveryStatusOf(a.status)) return b ?? a;
  if (!b || !deliveryStatusOf(b.status)) return a;
  return (a.updatedAt ?? '') > (b.updatedAt ?? '') ? a : b;
}

/**
 * What the agent may send now:
 * - `free`: anything (no window applies: chat, email);
 * - `open`: anything until `closesAt`;
 * - `template`: WhatsApp after its 24-hour window, only an approved template;
 * - `closed`: Messenger or Instagram after theirs, nothing until the customer writes.
 */
export type ReplyWindow = { kind: 'free' } | { kind: 'open'; closesAt: string } | { kind: 'template'; closedAt: string } | { kind: 'closed'; closedAt: string };

export function replyWindowOf(conversation: { channelProvider?: string; replyWindowClosesAt?: string }, now: number = Date.now()): ReplyWindow {
  const at = conversation.replyWindowClosesAt;
  const closes = at ? Date.parse(at) : NaN;
  if (!at || Number.isNaN(closes)) return { kind: 'free' };
  if (now < closes) return { kind: 'open', closesAt: at };
  return (conversation.channelProvider ?? '').toLowerCase() === 'whatsapp' ? { kind: 'template', closedAt: at } : { kind: 'closed', closedAt: at };
}
