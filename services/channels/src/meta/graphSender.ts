import type { ChannelAdapter, OutboundMessage, SendResult } from '../channel/adapter';
import { failureOfGraphAnswer, failureOfNetwork, type SendFailure } from './graphErrors';
import { pageMessageBody, pageMessageId } from './messenger/outbound';
import { META_CHANNELS, providerIdOf, type MetaChannel } from './metaEvents';
import { sendPolicy } from './serviceWindow';
import { whatsAppMessageBody, whatsAppMessageId } from './whatsapp/outbound';

export interface MetaAdapterOptions {
  /** `GRAPH_API_URL`; default `https://graph.facebook.com`. */
  graphApiUrl?: string;
  /** Graph API version in the path; default `v21.0`. */
  graphApiVersion?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /**
   * When the customer last wrote in the conversation. With it, a Messenger or
   * Instagram reply after 24 hours goes out tagged `HUMAN_AGENT`, and a reply
   * the window forbids (WhatsApp free text after 24 hours, Messenger after 7
   * days) is refused here without calling Meta. Without it every reply goes
   * out as in-window text and Meta decides.
   */
  lastCustomerMessageAt?: (message: OutboundMessage) => Promise<Date | undefined>;
  now?: () => Date;
}

/**
 * Sends agents' replies through Meta's Graph API with the endpoint's access
 * token: WhatsApp to `/{version}/{phone-number-id}/messages`, Messenger and
 * Instagram to `/{version}/me/messages` (the page token names the page).
 * The Graph API has no idempotency key: a retry after a timeout may send twice.
 *
 * @example
 *   const adapter = new MetaAdapter({ graphApiUrl: config.graphApiUrl, lastCustomerMessageAt: (m) => threads.lastInboundAt(m.conversationId) });
 *   const result = await adapter.send(outbound);
 */
export class MetaAdapter implements ChannelAdapter {
  readonly channels: readonly MetaChannel[] = META_CHANNELS;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: MetaAdapterOptions = {}) {
    const root = (options.graphApiUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    this.baseUrl = `${root}/${options.graphApiVersion ?? 'v21.0'}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const { endpoint } = message;
    const channel = endpoint.channel;
    if (!isMetaChannel(channel)) return refusal('unsupported_channel', `channel ${channel} is not sent through the Graph API`);
    if (!endpoint.accessToken) return refusal('endpoint_not_configured', `${channel} endpoint ${endpoint.endpointId} has no access token`);
    let recipient: string;
    try {
      recipient = providerIdOf(channel, message.to);
    } catch (err) {
      return refusal('invalid_recipient', (err as Error).message);
    }
    const lastCustomerMessageAt = this.options.lastCustomerMessageAt ? await this.options.lastCustomerMessageAt(message) : undefined;
    const policy = this.options.lastCustomerMessageAt ? sendPolicy(channel, lastCustomerMessageAt, this.now()) : undefined;

    if (channel === 'whatsapp') {
      if (!message.template && policy?.kind === 'template_only') {
        return refusal('outside_window', 'more than 24 hours since the customer last wrote: WhatsApp accepts only an approved template');
      }
      const body = whatsAppMessageBody(recipient, message);
      return this.post(`/${encodeURIComponent(endpoint.endpointId)}/messages`, endpoint.accessToken, body, whatsAppMessageId);
    }
    if (policy?.kind === 'refused') {
      return refusal('outside_window', policy.reason === 'no_customer_message'
        ? `the customer has not written to this ${channel} account`
        : 'more than 7 days since the customer last wrote: Meta accepts no reply');
    }
    const body = pageMessageBody(recipient, message.text, policy?.kind === 'human_agent_tag');
    return this.post('/me/messages', endpoint.accessToken, body, pageMessageId);
  }

  private async post(path: string, token: string, body: object, idOf: (answer: unknown) => string | undefined): Promise<SendResult> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return failureOfNetwork(err);
    }
    const text = await response.text().catch(() => '');
    const answer = parseJson(text);
    if (!response.ok) return failureOfGraphAnswer(response.status, answer, response.headers.get('retry-after'), this.now());
    const id = idOf(answer);
    // Accepted but unreadable: sending again could reach the customer twice, so this is not retried.
    if (!id) return refusal('unexpected_response', `Graph API answered ${response.status} without a message id`);
    return { ok: true, externalMessageId: id };
  }
}

function isMetaChannel(channel: string): channel is MetaChannel {
  return (META_CHANNELS as readonly string[]).includes(channel);
}

function refusal(code: string, detail: string): SendFailure {
  return { ok: false, retryable: false, code, detail };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
