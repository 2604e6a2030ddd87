import { unary, type Logger } from '@contactcenter/infra';
import { eventFilter, startWorkConsumer, type WorkOutcome } from '@contactcenter/infra/events';
import { AuthorKind, Channel, DeliveryStatus, MessagePosted, type ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Counter } from 'prom-client';
import type { ChannelAdapter, ChannelKind, OutboundMessage, SendResult } from '../channel/adapter';
import type { ChannelConversation, ChannelStore } from './channelStore';

/** Waits before the 2nd, 3rd, … attempt at a send the provider refused for now (the last repeats). */
export const SEND_RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 300_000, 900_000];
/** Attempts in all before a send is recorded as failed for good (about an hour and a half of trying). */
export const MAX_SEND_ATTEMPTS = 8;

export interface OutboundDispatcherDeps {
  nc: NatsConnection;
  store: ChannelStore;
  conversation: ConversationServiceClient;
  adapters: ReadonlyMap<ChannelKind, ChannelAdapter>;
  logger: Logger;
  /** `channels_outbound_total{channel, outcome}`. */
  outbound: Counter<'channel' | 'outcome'>;
  durable?: string;
  retryDelaysMs?: readonly number[];
  maxAttempts?: number;
}

/**
 * Sends agents' (and bots') replies on the channel the customer used. One
 * durable consumer of `MessagePosted`, shared by the replicas; a message of a
 * conversation this service does not know (a chat) is acknowledged at once.
 * Every attempt's outcome is recorded on the conversation (sent, or failed
 * with `will_retry`), and a failure the provider's rules allow retrying is
 * tried again with backoff. A send whose outcome is stored is never sent
 * again on a redelivery; a crash between the provider's answer and storing
 * it can send twice (email and WhatsApp have no idempotency key to prevent it).
 */
export class OutboundDispatcher {
  private consumer: { stop(): void } | undefined;

  constructor(private readonly deps: OutboundDispatcherDeps) {}

  async start(): Promise<void> {
    const delays = this.deps.retryDelaysMs ?? SEND_RETRY_DELAYS_MS;
    this.consumer = await startWorkConsumer(
      this.deps.nc,
      {
        durable: this.deps.durable ?? 'channels-outbound',
        filterSubject: eventFilter({ context: 'conversation', eventType: 'MessagePosted' }),
        ackWaitMs: 60_000,
        maxDeliver: -1,
        retryDelaysMs: delays,
        logger: this.deps.logger,
        pending: 'reply not sent on its channel',
      },
      ({ tenantId, data, attempt }) => this.handle(tenantId, MessagePosted.fromJSON(data), attempt),
    );
  }

  stop(): void {
    this.consumer?.stop();
  }

  async handle(tenantId: string, posted: MessagePosted, attempt: number): Promise<WorkOutcome> {
    const message = posted.message;
    if (!message || (message.authorKind !== AuthorKind.AUTHOR_KIND_AGENT && message.authorKind !== AuthorKind.AUTHOR_KIND_BOT)) return 'done';
    // A chat message needs nothing from this service (events recorded before they carried the channel are looked up).
    if (posted.channel === Channel.CHANNEL_CHAT) return 'done';
    const { store } = this.deps;
    const conversation = await store.getConversation(tenantId, posted.conversationId);
    if (!conversation) return 'done';
    const known = await store.getSendOutcome(tenantId, message.messageId);
    if (known) {
      await this.record(conversation, message.messageId, DeliveryStatus.DELIVERY_STATUS_SENT, known.providerMessageId, '', false);
      return 'done';
    }
    const endpoint = await store.findEndpoint(conversation.channel, conversation.endpointId);
    const adapter = this.deps.adapters.get(conversation.channel);
    if (!endpoint || endpoint.tenantId !== tenantId || !adapter) {
      const why = !adapter ? `no ${conversation.channel} adapter runs here` : `the ${conversation.channel} endpoint "${conversation.endpointId}" was removed`;
      await this.record(conversation, message.messageId, DeliveryStatus.DELIVERY_STATUS_FAILED, '', why, false);
      this.deps.outbound.inc({ channel: conversation.channel, outcome: 'no_endpoint' });
      return 'done';
    }
    const outbound: OutboundMessage = {
      tenantId,
      conversationId: conversation.conversationId,
      messageId: message.messageId,
      endpoint,
      to: conversation.customer,
      text: message.text,
      ...(conversation.customerLastWroteAt ? { customerLastWroteAt: new Date(conversation.customerLastWroteAt) } : {}),
      ...(message.template ? { template: message.template } : {}),
      thread: { subject: conversation.subject, references: conversation.references, replyToken: conversation.replyToken },
      attachments: message.attachments.map((a) => ({ name: a.name, contentType: a.contentType, url: a.url })),
    };
    let result: SendResult;
    try {
      result = await adapter.send(outbound);
    } catch (err) {
      result = { ok: false, retryable: true, code: 'send_error', detail: err instanceof Error ? err.message : String(err) };
    }
    if (result.ok) {
      await store.putSent(conversation.channel, result.externalMessageId, { tenantId, conversationId: conversation.conversationId, messageId: message.messageId });
      await store.putSendOutcome(tenantId, message.messageId, result.externalMessageId);
      if (conversation.channel === 'email') {
        await store.addReference(tenantId, conversation.conversationId, result.externalMessageId);
        await store.putThread(tenantId, `msgid:${result.externalMessageId}`, conversation.conversationId);
      }
      await this.record(conversation, message.messageId, DeliveryStatus.DELIVERY_STATUS_SENT, result.externalMessageId, result.note ?? '', false);
      this.deps.outbound.inc({ channel: conversation.channel, outcome: result.note ? 'sent_with_note' : 'sent' });
      return 'done';
    }
    const retry = result.retryable && attempt < (this.deps.maxAttempts ?? MAX_SEND_ATTEMPTS);
    const detail = `${result.code}: ${result.detail}`.slice(0, 1000);
    await this.record(conversation, message.messageId, DeliveryStatus.DELIVERY_STATUS_FAILED, '', detail, retry);
    this.deps.outbound.inc({ channel: conversation.channel, outcome: retry ? 'retrying' : 'failed' });
    this.deps.logger.warn({ tenant: tenantId, conversation: conversation.conversationId, channel: conversation.channel, code: result.code, attempt, retry }, 'reply not delivered to the provider');
    if (!retry) return 'done';
    return result.retryAfterMs !== undefined ? { retryInMs: result.retryAfterMs } : 'retry';
  }

  private async record(conversation: ChannelConversation, messageId: string, status: DeliveryStatus, providerMessageId: string, detail: string, willRetry: boolean): Promise<void> {
    const c = this.deps.conversation;
    await unary(
      c,
      c.recordMessageDelivery,
      { conversationId: conversation.conversationId, messageId, status, providerMessageId, detail, willRetry, occurredAt: undefined },
      { tenantId: conversation.tenantId, actorId: `channels:${conversation.channel}` },
    );
  }
}
