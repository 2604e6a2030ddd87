import {
  AuthorKind,
  Channel,
  ConversationStatus,
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

/**
 * An agent's reply may come from one of the tenant's canned responses (whose
 * human versions beat machine translation). With `cannedResponseId` and no
 * `text`, the server sends the canned response's version in the customer's
 * language with its placeholders filled in; `text` is then optional.
 */
export const agentMessageBody = {
  ...postMessageBody,
  properties: {
    ...postMessageBody.properties,
    cannedResponseId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Send this canned response, its placeholders ({{customer.name}}, …) filled in.' },
  },
  // `text` unless `cannedResponseId`: checked by the handler, which names the field.
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
    messages: { type: 'array', items: messageSchema },
  },
} as const;

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
