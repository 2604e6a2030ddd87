import { createHash } from 'node:crypto';
import { isLostRace, jsonOf } from '@contactcenter/infra/kv';
import type { KV } from '@nats-io/kv';
import type { ChannelEndpoint, ChannelKind } from '../channel/adapter';

export const DEFAULT_CHANNELS_BUCKET = 'cc_channels';

/**
 * 32 characters of `[A-Za-z0-9_-]` standing for `value`: an email address,
 * phone number id or thread key as one KV key token (KV keys allow no '@' and
 * treat '.' as a separator), or a provider's message id inside our ids.
 */
export const shortHash = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 32);

/** What the channels service knows of a conversation it started or continued: enough to answer on its channel. */
export interface ChannelConversation {
  tenantId: string;
  conversationId: string;
  channel: ChannelKind;
  endpointId: string;
  /** The customer's identity on the channel (`email:ken@example.com`, `whatsapp:+3531…`). */
  customer: string;
  subject: string;
  /** Email: Message-IDs of the thread, oldest first (bounded), for References. */
  references: string[];
  /** Email: the token in the reply address (`support+c-<token>@…`) that names this conversation. */
  replyToken: string;
  /** When the customer last wrote (ISO time): messaging apps' reply windows run from it. */
  customerLastWroteAt?: string;
}

/** A message this service sent: the receipts and bounces that name it find their conversation. */
export interface SentMessage {
  tenantId: string;
  conversationId: string;
  messageId: string;
}

const MAX_REFERENCES = 20;

/**
 * The channels service's state in NATS KV, shared by its replicas:
 * - `endpoint.<channel>.<shortHash(endpoint)>`: the owning tenant and settings (one owner per address or number);
 * - `tenant.<tenant>.endpoint.<channel>.<shortHash(endpoint)>`: the tenant's index, for listing;
 * - `thread.<tenant>.<shortHash(key)>`: a thread key (reply token, Message-ID, messaging sender) → conversation id;
 * - `conversation.<tenant>.<conversation id>`: a {@link ChannelConversation};
 * - `sent.<channel>.<shortHash(provider id)>`: a provider's message id → the conversation's message.
 */
export class ChannelStore {
  constructor(private readonly kv: KV) {}

  private endpointKey = (channel: ChannelKind, endpointId: string) => `endpoint.${channel}.${shortHash(endpointId)}`;
  private indexKey = (tenantId: string, channel: ChannelKind, endpointId: string) => `tenant.${tenantId}.endpoint.${channel}.${shortHash(endpointId)}`;

  async findEndpoint(channel: ChannelKind, endpointId: string): Promise<ChannelEndpoint | undefined> {
    return jsonOf<ChannelEndpoint>(await this.kv.get(this.endpointKey(channel, endpointId)))?.value;
  }

  /**
   * Stores an endpoint for its tenant. Returns false (and changes nothing)
   * when another tenant owns it: an address or number has one owner.
   */
  async putEndpoint(endpoint: ChannelEndpoint): Promise<boolean> {
    const key = this.endpointKey(endpoint.channel, endpoint.endpointId);
    const value = JSON.stringify(endpoint);
    for (;;) {
      const existing = await this.kv.get(key);
      const current = jsonOf<ChannelEndpoint>(existing);
      if (current && current.value.tenantId !== endpoint.tenantId) return false;
      try {
        if (current) await this.kv.update(key, value, current.revision);
        else await this.kv.create(key, value);
        break;
      } catch (err) {
        if (!isLostRace(err)) throw err;
      }
    }
    await this.kv.put(this.indexKey(endpoint.tenantId, endpoint.channel, endpoint.endpointId), JSON.stringify({ channel: endpoint.channel, endpointId: endpoint.endpointId }));
    return true;
  }

  async listEndpoints(tenantId: string): Promise<ChannelEndpoint[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`tenant.${tenantId}.endpoint.>`)) keys.push(key);
    const found = await Promise.all(
      keys.map(async (key) => {
        const ref = jsonOf<{ channel: ChannelKind; endpointId: string }>(await this.kv.get(key))?.value;
        const endpoint = ref ? await this.findEndpoint(ref.channel, ref.endpointId) : undefined;
        return endpoint?.tenantId === tenantId ? endpoint : undefined;
      }),
    );
    return found.filter((e): e is ChannelEndpoint => !!e).sort((a, b) => `${a.channel}/${a.endpointId}`.localeCompare(`${b.channel}/${b.endpointId}`));
  }

  /** Every tenant's email endpoints (the mailbox pollers' list). */
  async listEmailEndpoints(): Promise<ChannelEndpoint[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys('endpoint.email.*')) keys.push(key);
    const found = await Promise.all(keys.map(async (key) => jsonOf<ChannelEndpoint>(await this.kv.get(key))?.value));
    return found.filter((e): e is ChannelEndpoint => !!e);
  }

  /** Deletes the tenant's endpoint; false when it has none by that id. */
  async deleteEndpoint(tenantId: string, channel: ChannelKind, endpointId: string): Promise<boolean> {
    const found = await this.findEndpoint(channel, endpointId);
    if (!found || found.tenantId !== tenantId) return false;
    await this.kv.delete(this.endpointKey(channel, endpointId));
    await this.kv.delete(this.indexKey(tenantId, channel, endpointId));
    return true;
  }

  async findThread(tenantId: string, threadKey: string): Promise<string | undefined> {
    return jsonOf<string>(await this.kv.get(`thread.${tenantId}.${shortHash(threadKey)}`))?.value;
  }

  async putThread(tenantId: string, threadKey: string, conversationId: string): Promise<void> {
    await this.kv.put(`thread.${tenantId}.${shortHash(threadKey)}`, JSON.stringify(conversationId));
  }

  async getConversation(tenantId: string, conversationId: string): Promise<ChannelConversation | undefined> {
    return jsonOf<ChannelConversation>(await this.kv.get(this.conversationKey(tenantId, conversationId)))?.value;
  }

  /** Records a conversation once; a second call keeps the first (a retried inbound message). */
  async createConversation(conversation: ChannelConversation): Promise<ChannelConversation> {
    try {
      await this.kv.create(this.conversationKey(conversation.tenantId, conversation.conversationId), JSON.stringify(conversation));
      return conversation;
    } catch (err) {
      if (!isLostRace(err)) throw err;
      return (await this.getConversation(conversation.tenantId, conversation.conversationId)) ?? conversation;
    }
  }

  /** Notes when the customer last wrote (never moves back: deliveries arrive out of order). */
  async customerWrote(tenantId: string, conversationId: string, at: Date): Promise<void> {
    await this.change(tenantId, conversationId, (c) =>
      c.customerLastWroteAt && Date.parse(c.customerLastWroteAt) >= at.getTime() ? undefined : { ...c, customerLastWroteAt: at.toISOString() },
    );
  }

  /** Adds a Message-ID to the thread's References (bounded: the oldest, which names the thread, and the latest). */
  async addReference(tenantId: string, conversationId: string, messageId: string): Promise<void> {
    await this.change(tenantId, conversationId, (c) => {
      if (c.references.includes(messageId)) return undefined;
      const all = [...c.references, messageId];
      return { ...c, references: all.length > MAX_REFERENCES ? [all[0]!, ...all.slice(all.length - MAX_REFERENCES + 1)] : all };
    });
  }

  /** Compare-and-set on a conversation record; `change` returns undefined when there is nothing to do. */
  private async change(tenantId: string, conversationId: string, change: (c: ChannelConversation) => ChannelConversation | undefined): Promise<void> {
    const key = this.conversationKey(tenantId, conversationId);
    for (;;) {
      const found = jsonOf<ChannelConversation>(await this.kv.get(key));
      const next = found && change(found.value);
      if (!found || !next) return;
      try {
        await this.kv.update(key, JSON.stringify(next), found.revision);
        return;
      } catch (err) {
        if (!isLostRace(err)) throw err;
      }
    }
  }

  async putSent(channel: ChannelKind, providerMessageId: string, sent: SentMessage): Promise<void> {
    await this.kv.put(`sent.${channel}.${shortHash(providerMessageId)}`, JSON.stringify(sent));
  }

  async findSent(channel: ChannelKind, providerMessageId: string): Promise<SentMessage | undefined> {
    return jsonOf<SentMessage>(await this.kv.get(`sent.${channel}.${shortHash(providerMessageId)}`))?.value;
  }

  /** The outcome of sending a conversation message, so that a redelivered event never sends twice once it is known. */
  async getSendOutcome(tenantId: string, messageId: string): Promise<{ providerMessageId: string } | undefined> {
    return jsonOf<{ providerMessageId: string }>(await this.kv.get(`outcome.${tenantId}.${shortHash(messageId)}`))?.value;
  }

  async putSendOutcome(tenantId: string, messageId: string, providerMessageId: string): Promise<void> {
    await this.kv.put(`outcome.${tenantId}.${shortHash(messageId)}`, JSON.stringify({ providerMessageId }));
  }

  private conversationKey = (tenantId: string, conversationId: string) => `conversation.${tenantId}.${conversationId}`;
}
