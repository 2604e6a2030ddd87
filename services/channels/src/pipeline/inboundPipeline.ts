import { randomBytes } from 'node:crypto';
import { unary, type Logger } from '@contactcenter/infra';
import { isDomainError } from '@contactcenter/infra/errors';
import { AuthorKind, Channel, type Attachment, type ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import type { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import type { Counter } from 'prom-client';
import type { ChannelKind, DeliveryUpdate, InboundMessage, InboundSink, ReceiveOutcome } from '../channel/adapter';
import type { ObjectStore } from '../attachments/objectStore';
import { shortHash, type ChannelStore } from './channelStore';
import { deliveryStatusOf } from './deliveryStatus';

/** The conversation service's coarse channel of each of ours. */
export const conversationChannelOf: Record<ChannelKind, Channel> = {
  email: Channel.CHANNEL_EMAIL,
  whatsapp: Channel.CHANNEL_SOCIAL,
  messenger: Channel.CHANNEL_SOCIAL,
  instagram: Channel.CHANNEL_SOCIAL,
};

export interface InboundPipelineDeps {
  store: ChannelStore;
  conversation: ConversationServiceClient;
  routing: RoutingServiceClient;
  objects: ObjectStore;
  logger: Logger;
  /** `channels_inbound_total{channel, outcome}`. */
  inbound: Counter<'channel' | 'outcome'>;
  region?: string;
}

/** How a message names a stored attachment: `attachment:<tenant>/<conversation>/<id>/<file name>`. */
export const ATTACHMENT_URL_SCHEME = 'attachment:';

const mediaType = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const customerIdPattern = /^[A-Za-z0-9_.:@+-]{1,128}$/;

/**
 * Where every channel's adapter hands what it received (the
 * {@link InboundSink}): finds the endpoint's tenant, the conversation the
 * message continues (by its thread keys) or starts one, stores attachments,
 * and records the message on the conversation as the customer's. Each step
 * is idempotent, keyed by the provider's message id, so a provider's
 * redelivery (or a retry after a crash half way) records the message once.
 * Thread keys are written last: until they are, a retry takes the same path.
 */
export class InboundPipeline implements InboundSink {
  constructor(private readonly deps: InboundPipelineDeps) {}

  async receive(message: InboundMessage): Promise<ReceiveOutcome> {
    const { store, logger } = this.deps;
    const endpoint = await store.findEndpoint(message.channel, message.endpointId);
    if (!endpoint) return this.count(message.channel, { kind: 'refused', reason: 'unknown_endpoint', detail: `no tenant receives on ${message.channel} endpoint "${message.endpointId}"` });
    const { tenantId } = endpoint;
    const customerId = customerIdOf(message.from.identity);
    const as = { tenantId, actorId: customerId };
    try {
      let conversationId: string | undefined;
      for (const key of message.threadKeys) {
        conversationId = await store.findThread(tenantId, key);
        if (conversationId) break;
      }
      const starts = conversationId === undefined;
      // Derived from the provider's message id: a retry of this message starts the same conversation.
      conversationId ??= `ch-${shortHash(`${tenantId}\u0000${message.channel}\u0000${message.externalMessageId}`)}`;
      const c = this.deps.conversation;
      if (starts) {
        // The service's id, not ours: with several regions it carries the region's prefix.
        const started = await unary(c, c.startConversation, {
          conversationId,
          channel: conversationChannelOf[message.channel],
          channelProvider: message.channel,
          customerId,
          language: endpoint.language || 'en',
          region: this.deps.region ?? '',
          subject: (message.subject ?? '').slice(0, 200).replace(/[\r\n]+/g, ' '),
          invitationId: '',
        }, as);
        conversationId = started.result?.conversationId || conversationId;
        await store.createConversation({
          tenantId,
          conversationId,
          channel: message.channel,
          endpointId: endpoint.endpointId,
          customer: message.from.identity,
          subject: message.subject ?? '',
          references: [],
          replyToken: randomBytes(12).toString('hex'),
        });
      }
      const attachments = await this.storeAttachments(tenantId, conversationId, message);
      const posted = await unary(c, c.postMessage, {
        conversationId,
        authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
        authorId: customerId,
        text: message.text,
        attachments,
        clientMessageId: `ch-${shortHash(message.externalMessageId)}`,
        language: '',
        cannedResponseId: '',
      }, as);
      if (starts && endpoint.queueId) await this.enqueue(tenantId, conversationId, endpoint.queueId, customerId);
      await this.rememberThread(tenantId, conversationId, message, starts);
      if (posted.duplicate) return this.count(message.channel, { kind: 'duplicate', tenantId, conversationId });
      logger.info({ tenant: tenantId, conversation: conversationId, channel: message.channel, started: starts }, 'inbound message recorded');
      return this.count(message.channel, { kind: 'recorded', tenantId, conversationId, messageId: posted.messageId, started: starts });
    } catch (err) {
      if (isDomainError(err) && err.code === 'validation') {
        logger.warn({ err, tenant: tenantId, channel: message.channel }, 'inbound message refused');
        return this.count(message.channel, { kind: 'refused', reason: 'invalid', detail: err.message });
      }
      logger.warn({ err, tenant: tenantId, channel: message.channel }, 'inbound message not recorded; the sender will retry');
      return this.count(message.channel, { kind: 'refused', reason: 'unavailable', detail: 'the conversation service is unavailable' });
    }
  }

  async delivery(update: DeliveryUpdate): Promise<void> {
    const sent = await this.deps.store.findSent(update.channel, update.externalMessageId);
    if (!sent) {
      this.deps.inbound.inc({ channel: update.channel, outcome: 'receipt_unknown' });
      return;
    }
    const c = this.deps.conversation;
    await unary(c, c.recordMessageDelivery, {
      conversationId: sent.conversationId,
      messageId: sent.messageId,
      status: deliveryStatusOf(update.status),
      providerMessageId: update.externalMessageId,
      detail: (update.detail ?? '').slice(0, 1000),
      willRetry: false,
      occurredAt: update.at,
    }, { tenantId: sent.tenantId, actorId: `channels:${update.channel}` });
    this.deps.inbound.inc({ channel: update.channel, outcome: `receipt_${update.status}` });
  }

  private async enqueue(tenantId: string, conversationId: string, queueId: string, actorId: string): Promise<void> {
    const r = this.deps.routing;
    try {
      await unary(r, r.enqueueConversation, { conversationId, queueId }, { tenantId, actorId });
    } catch (err) {
      // A retry finding it already taken by an agent: nothing left to do. A missing queue is the admin's to fix; the inbox still shows it.
      if (isDomainError(err) && (err.code === 'illegal_state' || err.code === 'not_found')) {
        this.deps.logger.warn({ err, tenant: tenantId, conversation: conversationId, queue: queueId }, 'inbound conversation not queued');
        return;
      }
      throw err;
    }
  }

  /**
   * The keys later messages find this conversation by. A conversation's own
   * keys (its reply token, a messaging app's sender on the endpoint) are
   * written once, when it starts; each email adds its own Message-ID.
   */
  private async rememberThread(tenantId: string, conversationId: string, message: InboundMessage, starts: boolean): Promise<void> {
    const { store } = this.deps;
    if (starts) {
      const stored = await store.getConversation(tenantId, conversationId);
      if (stored) await store.putThread(tenantId, `token:${stored.replyToken}`, conversationId);
      // A messaging app has one thread per customer and endpoint: the sender key continues it.
      if (message.channel !== 'email') for (const key of message.threadKeys) await store.putThread(tenantId, key, conversationId);
    }
    await store.customerWrote(tenantId, conversationId, message.receivedAt);
    if (message.channel === 'email') {
      await store.putThread(tenantId, `msgid:${message.externalMessageId}`, conversationId);
      await store.addReference(tenantId, conversationId, message.externalMessageId);
    }
  }

  private async storeAttachments(tenantId: string, conversationId: string, message: InboundMessage): Promise<Attachment[]> {
    return Promise.all(
      message.attachments.map(async (a, i) => {
        // A sender's file name is only a label: no path separators, bounded, never empty.
        const name = (a.name || '').replace(/[\\/\u0000-\u001f\u007f]/g, '_').trim().slice(0, 200) || `attachment-${i + 1}`;
        const key = `${tenantId}/${conversationId}/${shortHash(`${message.externalMessageId}\u0000${i}`)}/${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100).replace(/^\.+$/, 'file')}`;
        await this.deps.objects.put(key, a.content, a.contentType);
        // Not the store's own URL (a private bucket, a local file): the gateway serves it to staff who may see the conversation.
        const contentType = mediaType.test(a.contentType) ? a.contentType.toLowerCase() : 'application/octet-stream';
        return { name, contentType, sizeBytes: a.content.length, url: `${ATTACHMENT_URL_SCHEME}${key}` };
      }),
    );
  }

  private count(channel: ChannelKind, outcome: ReceiveOutcome): ReceiveOutcome {
    this.deps.inbound.inc({ channel, outcome: outcome.kind === 'refused' ? `refused_${outcome.reason}` : outcome.kind });
    return outcome;
  }
}

/** The identity as a customer id; one the conversation service would refuse (unusual characters) is hashed, keeping its kind. */
export function customerIdOf(identity: string): string {
  const lower = identity.trim();
  if (customerIdPattern.test(lower)) return lower;
  const kind = lower.split(':')[0] ?? 'id';
  return `${/^[a-z]{1,16}$/.test(kind) ? kind : 'id'}:h-${shortHash(lower)}`;
}
