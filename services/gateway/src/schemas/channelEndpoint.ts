import { ChannelKind, type Endpoint } from '@contactcenter/proto/channels/v1';
import { inRestTerms } from './restFields';

/** The channels an endpoint can be on, by their REST names. */
export const ENDPOINT_CHANNELS = {
  email: ChannelKind.CHANNEL_KIND_EMAIL,
  whatsapp: ChannelKind.CHANNEL_KIND_WHATSAPP,
  messenger: ChannelKind.CHANNEL_KIND_MESSENGER,
  instagram: ChannelKind.CHANNEL_KIND_INSTAGRAM,
} as const;
export type EndpointChannel = keyof typeof ENDPOINT_CHANNELS;
const channelNames = new Map<ChannelKind, EndpointChannel>(Object.entries(ENDPOINT_CHANNELS).map(([name, kind]) => [kind, name as EndpointChannel]));

export const endpointParams = {
  type: 'object',
  required: ['channel', 'endpointId'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', enum: Object.keys(ENDPOINT_CHANNELS) },
    // The channels service checks the exact form (an address for email, Meta's digits otherwise).
    endpointId: { type: 'string', pattern: '^[A-Za-z0-9._@+-]{1,254}$', description: 'A support address (email), a phone number id (WhatsApp), a page id (Messenger) or an account id (Instagram).' },
  },
} as const;

const secretField = (description: string) => ({ type: 'string', maxLength: 1024, description: `${description} Write-only: answers say only whether it is set; left out on a replace, the stored one is kept.` }) as const;

export const endpointBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    queueId: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,64}$', description: 'The routing queue new conversations enter; empty: not queued.' },
    fromAddress: { type: 'string', maxLength: 254, description: 'Email: the From of replies (default: the support address).' },
    fromName: { type: 'string', maxLength: 100, description: 'Email: the display name of replies.' },
    language: { type: 'string', maxLength: 35, description: 'BCP 47 tag assumed for customers until their language is detected (default "en").' },
    appSecret: secretField('Messaging apps: the Meta app secret that signs webhooks.'),
    accessToken: secretField('Messaging apps: the token replies are sent with.'),
    imap: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      description: 'Email: a mailbox to poll over IMAP instead of (or besides) receiving over SMTP.',
      properties: {
        url: { type: 'string', minLength: 1, maxLength: 2048, description: 'imap://host:port or imaps://host:port' },
        username: { type: 'string', maxLength: 320 },
        password: secretField('The mailbox password.'),
        mailbox: { type: 'string', maxLength: 256, description: 'Default INBOX.' },
      },
    },
  },
} as const;

export type EndpointBody = {
  queueId?: string;
  fromAddress?: string;
  fromName?: string;
  language?: string;
  appSecret?: string;
  accessToken?: string;
  imap?: { url: string; username?: string; password?: string; mailbox?: string };
};

/** An endpoint as an admin reads it: never a secret, only whether each is set. */
export const endpointSchema = {
  type: 'object',
  properties: {
    channel: { type: 'string', enum: Object.keys(ENDPOINT_CHANNELS) },
    endpointId: { type: 'string' },
    queueId: { type: 'string' },
    fromAddress: { type: 'string' },
    fromName: { type: 'string' },
    language: { type: 'string' },
    imap: { type: 'object', properties: { url: { type: 'string' }, username: { type: 'string' }, mailbox: { type: 'string' } } },
    hasAppSecret: { type: 'boolean' },
    hasAccessToken: { type: 'boolean' },
    hasImapPassword: { type: 'boolean' },
  },
} as const;

export const endpointAnswerSchema = { type: 'object', properties: { endpoint: endpointSchema } } as const;
export const endpointListSchema = { type: 'object', properties: { endpoints: { type: 'array', items: endpointSchema } } } as const;

/** Built field by field (no spread of the proto): a secret the service ever echoed could not reach a client. */
export const endpointView = (e: Endpoint) => ({
  channel: channelNames.get(e.channel) ?? 'unspecified',
  endpointId: e.endpointId,
  queueId: e.queueId,
  fromAddress: e.fromAddress || undefined,
  fromName: e.fromName || undefined,
  language: e.language,
  imap: e.imap?.url ? { url: e.imap.url, username: e.imap.username, mailbox: e.imap.mailbox } : undefined,
  hasAppSecret: e.hasAppSecret,
  hasAccessToken: e.hasAccessToken,
  hasImapPassword: e.hasImapPassword,
});

export const endpointOf = (channel: EndpointChannel, endpointId: string, b: EndpointBody): Endpoint => ({
  channel: ENDPOINT_CHANNELS[channel],
  endpointId,
  queueId: b.queueId ?? '',
  fromAddress: b.fromAddress ?? '',
  fromName: b.fromName ?? '',
  language: b.language ?? '',
  appSecret: b.appSecret ?? '',
  accessToken: b.accessToken ?? '',
  imap: b.imap ? { url: b.imap.url, username: b.imap.username ?? '', password: b.imap.password ?? '', mailbox: b.imap.mailbox ?? '' } : undefined,
  hasAppSecret: false,
  hasAccessToken: false,
  hasImapPassword: false,
});

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The channels service names fields as in its contract (`endpoint.app_secret`,
 * `endpoint_id`); the admin sent `appSecret` or put the id in the path, so a
 * 400 names the field as the admin wrote it.
 */
export const restFieldError = (err: unknown): unknown => inRestTerms(err, (field) => camel(field.replace(/^endpoint\./, '')));
