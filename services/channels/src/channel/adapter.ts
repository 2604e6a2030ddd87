/**
 * The channel adapter contract. A channel (email, WhatsApp, Messenger,
 * Instagram, ...) is one folder under `src/` that turns what its provider
 * delivers into {@link InboundMessage}s and {@link DeliveryUpdate}s for an
 * {@link InboundSink}, and sends agents' replies through {@link ChannelAdapter.send}.
 * Everything else (which tenant an endpoint belongs to, which conversation a
 * message joins, recording on the conversation, retries) is shared and lives
 * in `src/pipeline/`, so adding a channel is adding one folder.
 *
 * @example
 *   const outcome = await sink.receive({ channel: 'email', endpointId: 'support@shop.example', ... });
 *   if (outcome.kind === 'refused') reply550(outcome.reason);
 */

/** The channels this service speaks. The conversation's own `Channel` is coarser (email, social). */
export type ChannelKind = 'email' | 'whatsapp' | 'messenger' | 'instagram';

/** A file that came with an inbound message; the pipeline stores its content in the object store. */
export interface InboundAttachment {
  name: string;
  contentType: string;
  content: Buffer;
}

export interface InboundMessage {
  channel: ChannelKind;
  /**
   * The tenant's endpoint the message was sent to: a support address
   * (lower case), a WhatsApp phone number id, a Facebook page id or an
   * Instagram account id. It decides the tenant.
   */
  endpointId: string;
  /** The provider's id of this message (Message-ID, wamid, mid): a redelivery with the same id changes nothing. */
  externalMessageId: string;
  /**
   * The sender as a customer identity, `<kind>:<value>`:
   * `email:ken@example.com`, `whatsapp:+35312345678`, `messenger:<psid>`, `instagram:<igsid>`.
   */
  from: { identity: string; displayName?: string };
  /**
   * Keys that may name the conversation this message continues, most
   * specific first: for email the reply-address token and the Message-IDs in
   * In-Reply-To and References; for messaging apps the sender on this endpoint.
   * The first key the thread index knows decides; none known starts a conversation.
   */
  threadKeys: string[];
  /** Email subject; a new subject with no known thread key starts a conversation. */
  subject?: string;
  /** The message as plain text (HTML already reduced to safe text). */
  text: string;
  attachments: InboundAttachment[];
  receivedAt: Date;
}

/** A delivery receipt from the provider for a message we sent, or a bounce for an email. */
export interface DeliveryUpdate {
  channel: ChannelKind;
  endpointId: string;
  /** The provider's id of the message we sent (as {@link SendResult} returned it), or the bounced Message-ID. */
  externalMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'bounced';
  at: Date;
  /** For failures and bounces: what the provider said (a DSN's status and diagnostic, an error title). */
  detail?: string;
}

/** What the sink did with an inbound message. */
export type ReceiveOutcome =
  | { kind: 'recorded'; tenantId: string; conversationId: string; messageId: string; started: boolean }
  | { kind: 'duplicate'; tenantId: string; conversationId: string }
  /** The endpoint is not any tenant's: SMTP answers 550, a webhook 404. */
  | { kind: 'refused'; reason: 'unknown_endpoint' | 'invalid' | 'unavailable'; detail: string };

/** Where adapters hand what they receive. Implemented by the pipeline; adapters never talk to other services. */
export interface InboundSink {
  receive(message: InboundMessage): Promise<ReceiveOutcome>;
  /** Receipts and bounces; unknown message ids are counted and dropped. */
  delivery(update: DeliveryUpdate): Promise<void>;
}

/** Looks up which tenant owns an endpoint and the endpoint's settings, before anything is accepted. */
export interface EndpointDirectory {
  find(channel: ChannelKind, endpointId: string): Promise<ChannelEndpoint | undefined>;
}

/** One tenant endpoint on a channel, as an admin configured it. Secrets are only ever read by the adapters. */
export interface ChannelEndpoint {
  tenantId: string;
  channel: ChannelKind;
  endpointId: string;
  /** Routing queue new conversations from this endpoint enter ('' = the tenant's default for the channel). */
  queueId: string;
  /** Email: the From address of replies and the display name. */
  fromAddress?: string;
  fromName?: string;
  /** BCP 47 tag assumed for the customers' language until translation detects theirs ('' = "en"). */
  language?: string;
  /** Email: a mailbox to poll over IMAP, for tenants who prefer it to receiving over SMTP. */
  imap?: { url: string; username: string; password: string; mailbox: string };
  /** WhatsApp / Messenger / Instagram: the app secret that signs webhooks and the token that sends. */
  appSecret?: string;
  accessToken?: string;
}

/** An agent's reply to send on the channel the customer used. */
export interface OutboundMessage {
  tenantId: string;
  conversationId: string;
  /** The conversation's message id: used as the idempotency key of the send where the provider has one. */
  messageId: string;
  endpoint: ChannelEndpoint;
  /** The customer's identity on the channel (`email:…`, `whatsapp:…`), as received. */
  to: string;
  text: string;
  /** When the customer last wrote on this channel: messaging apps' reply windows run from it. */
  customerLastWroteAt?: Date;
  /** Messaging apps outside the 24-hour customer-service window accept only an approved template. */
  template?: { name: string; language: string; parameters: string[] };
  /** Email threading: the subject, the Message-IDs of the thread (oldest first) and a reply token for the Reply-To address. */
  thread?: { subject: string; references: string[]; replyToken: string };
  attachments?: Array<{ name: string; contentType: string; url: string }>;
}

export type SendResult =
  /** `note`: something the agent should know although it went out (or, in development, was only logged). */
  | { ok: true; externalMessageId: string; note?: string }
  /**
   * `retryable`: the provider's rules allow trying again (SMTP 4xx, HTTP 429/5xx,
   * a connection error); `retryAfterMs` when the provider said when.
   */
  | { ok: false; retryable: boolean; retryAfterMs?: number; code: string; detail: string };

export interface ChannelAdapter {
  readonly channels: readonly ChannelKind[];
  send(message: OutboundMessage): Promise<SendResult>;
}
