import {
  AuthorKind,
  Channel,
  ConversationStatus,
  DeliveryStatus,
  Priority,
  TicketStatus,
  type Conversation,
  type Message,
} from '@contactcenter/proto/conversation/v1';

/** REST names for the proto enums: lower-case, without the enum prefix. */
const restEnum = <E extends Record<string, string | number>>(e: E, prefix: string) => {
  const toRest = new Map<number, string>();
  const fromRest = new Map<string, number>();
  for (const [k, v] of Object.entries(e)) {
    if (typeof v !== 'number' || v === 0 || v < 0) continue;
    const name = k.slice(prefix.length).toLowerCase();
    toRest.set(v, name);
    fromRest.set(name, v);
  }
  return { names: [...fromRest.keys()], toRest: (v: number) => toRest.get(v) ?? 'unspecified', fromRest: (s: string) => fromRest.get(s) ?? 0 };
};

export const channels = restEnum(Channel, 'CHANNEL_');
export const authorKinds = restEnum(AuthorKind, 'AUTHOR_KIND_');
export const statuses = restEnum(ConversationStatus, 'CONVERSATION_STATUS_');
export const priorities = restEnum(Priority, 'PRIORITY_');
export const ticketStatuses = restEnum(TicketStatus, 'TICKET_STATUS_');
export const deliveryStatuses = restEnum(DeliveryStatus, 'DELIVERY_STATUS_');

export const conversationIdParam = {
  type: 'object',
  properties: { conversationId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  required: ['conversationId'],
  additionalProperties: false,
} as const;

/** A customer id as the conversation service takes it (e-mail addresses and +phone numbers included): one schema for every route. */
export const customerIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_.:@+-]{1,128}$' } as const;

export const startConversationBody = {
  type: 'object',
  properties: {
    conversationId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Optional client-chosen id; makes a retried start idempotent.' },
    channel: { type: 'string', enum: channels.names },
    customerId: customerIdSchema,
    language: { type: 'string', minLength: 1, maxLength: 35, description: 'BCP 47 tag, e.g. "es" or "pt-BR".' },
    region: { type: 'string', maxLength: 64 },
    subject: { type: 'string', maxLength: 512 },
  },
  required: ['channel', 'customerId', 'language'],
  additionalProperties: false,
} as const;

export const postMessageBody = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 16384 },
    clientMessageId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
    language: { type: 'string', maxLength: 35 },
  },
  required: ['text'],
  additionalProperties: false,
} as const;

/** A WhatsApp message template as Meta approved it; the conversation service checks the exact forms. */
export const messageTemplateSchema = {
  type: 'object',
  required: ['name', 'language'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 512, description: 'The approved template\'s name, e.g. "order_update".' },
    language: { type: 'string', minLength: 2, maxLength: 16, description: 'The template\'s language as approved, e.g. "en" or "en_US".' },
    parameters: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 1024 }, description: 'Texts for the template\'s {{1}}, {{2}}, … in order.' },
  },
} as const;

/**
 * An agent's reply may come from one of the tenant's canned responses (whose
 * human versions beat machine translation). With `cannedResponseId` and no
 * `text`, the server sends the canned response's version in the customer's
 * language with its placeholders filled in; `text` is then optional. On
 * WhatsApp, once the customer-service window has closed (`replyWindowClosesAt`)
 * only a `template` may be sent (free text is 409); `text` is then optional too.
 */
export const agentMessageBody = {
  ...postMessageBody,
  properties: {
    ...postMessageBody.properties,
    cannedResponseId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Send this canned response, its placeholders ({{customer.name}}, …) filled in.' },
    template: { ...messageTemplateSchema, description: 'WhatsApp: send this approved template (the only kind of message allowed outside the customer-service window).' },
  },
  // `text` unless `cannedResponseId` or `template`: checked by the handler, which names the field.
  required: [],
} as const;

export const commandResultSchema = {
  type: 'object',
  properties: { conversationId: { type: 'string' }, revision: { type: 'integer' }, messageId: { type: 'string' }, duplicate: { type: 'boolean' } },
  required: ['conversationId', 'revision'],
} as const;

const messageSchema = {
  type: 'object',
  properties: {
    messageId: { type: 'string' },
    authorKind: { type: 'string', enum: [...authorKinds.names, 'unspecified'] },
    authorId: { type: 'string' },
    text: { type: 'string' },
    clientMessageId: { type: 'string' },
    language: { type: 'string' },
    postedAt: { type: 'string', format: 'date-time' },
    revision: { type: 'integer' },
    cannedResponseId: { type: 'string' },
    translations: {
      type: 'array',
      items: { type: 'object', properties: { language: { type: 'string' }, text: { type: 'string' }, provider: { type: 'string' } } },
    },
    attachments: {
      type: 'array',
      description: 'Files that came with the message. `url` of a file received by email or a messaging app is a path of this API (staff only).',
      items: { type: 'object', properties: { name: { type: 'string' }, contentType: { type: 'string' }, sizeBytes: { type: 'integer' }, url: { type: 'string' } } },
    },
    template: {
      type: 'object',
      description: 'Messaging apps: the approved template that was sent.',
      properties: { name: { type: 'string' }, language: { type: 'string' }, parameters: { type: 'array', items: { type: 'string' } } },
    },
    delivery: {
      type: 'object',
      description: 'Email and messaging apps: how far the message got to the customer (absent for chat). Late receipts never move it back.',
      properties: {
        status: { type: 'string', enum: [...deliveryStatuses.names, 'unspecified'] },
        detail: { type: 'string', description: 'What the provider said about a failure or bounce.' },
        updatedAt: { type: 'string', format: 'date-time' },
        willRetry: { type: 'boolean', description: 'A failure the channel will try again.' },
      },
    },
  },
} as const;

export const conversationSchema = {
  type: 'object',
  properties: {
    conversationId: { type: 'string' },
    channel: { type: 'string' },
    customerId: { type: 'string' },
    language: { type: 'string' },
    region: { type: 'string' },
    subject: { type: 'string' },
    status: { type: 'string' },
    queueId: { type: 'string' },
    assignedAgentId: { type: 'string' },
    teamId: { type: 'string' },
    priority: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    ticketStatus: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    resolvedAt: { type: 'string', format: 'date-time' },
    revision: { type: 'integer' },
    messageCount: { type: 'integer' },
    channelProvider: { type: 'string', description: 'The app or address the customer wrote through: "email", "whatsapp", "messenger" or "instagram"; absent for chat.' },
    replyWindowClosesAt: {
      type: 'string',
      format: 'date-time',
      description: 'Messaging apps: after this time an agent may send only a template (WhatsApp) or nothing (Messenger, Instagram); absent when no window applies.',
    },
    messages: { type: 'array', items: messageSchema },
  },
} as const;

const STORED_ATTACHMENT = /^attachment:([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/;

/**
 * A file the channels service stored (`attachment:<tenant>/<conversation>/<id>/<name>`)
 * as the path that serves it; any other URL (a client's own) as it is.
 */
export function attachmentUrl(url: string): string {
  const m = STORED_ATTACHMENT.exec(url);
  return m ? `/v1/conversations/${m[2]}/attachments/${m[3]}/${m[4]}` : url;
}

export const messageView = (m: Message) => ({
  messageId: m.messageId,
  authorKind: authorKinds.toRest(m.authorKind),
  authorId: m.authorId,
  text: m.text,
  clientMessageId: m.clientMessageId || undefined,
  language: m.language || undefined,
  postedAt: m.postedAt?.toISOString(),
  revision: m.revision,
  cannedResponseId: m.cannedResponseId || undefined,
  translations: m.translations.map((t) => ({ language: t.language, text: t.text, provider: t.provider })),
  attachments: m.attachments.map((a) => ({ name: a.name, contentType: a.contentType, sizeBytes: Number(a.sizeBytes), url: attachmentUrl(a.url) })),
  template: m.template && { name: m.template.name, language: m.template.language, parameters: m.template.parameters },
  delivery: m.delivery && {
    status: deliveryStatuses.toRest(m.delivery.status),
    detail: m.delivery.detail || undefined,
    updatedAt: m.delivery.updatedAt?.toISOString(),
    willRetry: m.delivery.willRetry,
  },
});

export const conversationView = (c: Conversation) => ({
  conversationId: c.conversationId,
  channel: channels.toRest(c.channel),
  customerId: c.customerId,
  language: c.language,
  region: c.region || undefined,
  subject: c.subject || undefined,
  status: statuses.toRest(c.status),
  queueId: c.queueId || undefined,
  assignedAgentId: c.assignedAgentId || undefined,
  teamId: c.teamId || undefined,
  priority: priorities.toRest(c.priority),
  tags: c.tags,
  ticketStatus: c.ticketStatus ? ticketStatuses.toRest(c.ticketStatus) : undefined,
  startedAt: c.startedAt?.toISOString(),
  updatedAt: c.updatedAt?.toISOString(),
  resolvedAt: c.resolvedAt?.toISOString(),
  revision: c.revision,
  messageCount: c.messageCount,
  channelProvider: c.channelProvider || undefined,
  replyWindowClosesAt: c.replyWindowClosesAt?.toISOString(),
});

/**
 * A conversation as its visitor may see it: without the staff-only fields
 * (tags, priority, team), which the real-time channel withholds from
 * visitors too (realtime/visibility.ts).
 */
const { tags: _tags, priority: _priority, teamId: _teamId, ...visitorProperties } = conversationSchema.properties;
export const visitorConversationSchema = {
  ...conversationSchema,
  properties: {
    ...visitorProperties,
    // The assigned agent as the visitor may know them: their public display name, nothing else of their profile.
    agent: {
      type: 'object',
      description: 'The assigned agent\'s public display name; absent when nobody is assigned or the agent has none.',
      required: ['displayName'],
      properties: { displayName: { type: 'string' } },
    },
  },
} as const;

export const visitorConversationView = (c: Conversation) => {
  const { tags: _t, priority: _p, teamId: _team, ...visible } = conversationView(c);
  return visible;
};
