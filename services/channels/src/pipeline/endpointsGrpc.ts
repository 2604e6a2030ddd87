import { requireTenantId, type AsyncService, type CallContext } from '@contactcenter/infra';
import { IllegalStateError, NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import { RefusedAddressError, type OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { ChannelKind as ProtoKind, type ChannelsServiceServer, type Endpoint } from '@contactcenter/proto/channels/v1';
import type { ChannelEndpoint, ChannelKind } from '../channel/adapter';
import type { ObjectStore } from '../attachments/objectStore';
import type { ChannelStore } from './channelStore';

const kinds: Partial<Record<ProtoKind, ChannelKind>> = {
  [ProtoKind.CHANNEL_KIND_EMAIL]: 'email',
  [ProtoKind.CHANNEL_KIND_WHATSAPP]: 'whatsapp',
  [ProtoKind.CHANNEL_KIND_MESSENGER]: 'messenger',
  [ProtoKind.CHANNEL_KIND_INSTAGRAM]: 'instagram',
};
const protoKinds = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [v, Number(k)])) as Record<ChannelKind, ProtoKind>;

const emailAddress = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const metaId = /^[0-9]{1,32}$/;
const queueId = /^[A-Za-z0-9_-]{0,64}$/;
const languageTag = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const MAX_SECRET_CHARS = 1024;

export function requireKind(field: string, value: ProtoKind): ChannelKind {
  const kind = kinds[value];
  if (!kind) throw new ValidationError(field, 'must be one of email, whatsapp, messenger, instagram');
  return kind;
}

/** The endpoint id as stored: a support address in lower case, a Meta id as digits. */
export function requireEndpointId(channel: ChannelKind, raw: string): string {
  const value = (raw ?? '').trim();
  if (channel === 'email') {
    const address = value.toLowerCase();
    if (!emailAddress.test(address) || address.length > 254) throw new ValidationError('endpoint_id', 'must be a support email address such as support@shop.example');
    if (address.split('@')[0]!.includes('+')) throw new ValidationError('endpoint_id', 'must not contain "+": replies are addressed to support+c-<token>@…');
    return address;
  }
  if (!metaId.test(value)) throw new ValidationError('endpoint_id', `must be the ${channel === 'whatsapp' ? 'phone number id' : channel === 'messenger' ? 'page id' : 'Instagram account id'} Meta gave (digits)`);
  return value;
}

const secret = (field: string, value: string | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_SECRET_CHARS || /[\s]/.test(value)) throw new ValidationError(field, `must be at most ${MAX_SECRET_CHARS} characters with no spaces`);
  return value;
};

/** What an admin reads back: secrets only as "set or not". */
export function endpointView(e: ChannelEndpoint): Endpoint {
  return {
    channel: protoKinds[e.channel],
    endpointId: e.endpointId,
    queueId: e.queueId,
    fromAddress: e.fromAddress ?? '',
    fromName: e.fromName ?? '',
    language: e.language || 'en',
    appSecret: '',
    accessToken: '',
    imap: e.imap ? { url: e.imap.url, username: e.imap.username, password: '', mailbox: e.imap.mailbox } : undefined,
    hasAppSecret: !!e.appSecret,
    hasAccessToken: !!e.accessToken,
    hasImapPassword: !!e.imap?.password,
  };
}

/**
 * ChannelsService: the tenant's endpoints. A secret left empty on a
 * replace keeps the one stored, so an admin can change a queue without
 * pasting the app secret again. A mailbox to poll must be at a public
 * address (or one the operator allowed): checked here and again on connect.
 */
export function endpointCalls(deps: { store: ChannelStore; policy: OutboundAddressPolicy; objects: ObjectStore; onChange?: () => void }): AsyncService<ChannelsServiceServer> {
  const { store } = deps;
  const tenant = (ctx: CallContext) => requireTenantId(ctx.tenantId);
  return {
    putEndpoint: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const given = req.endpoint;
      if (!given) throw new ValidationError('endpoint', 'is required');
      const channel = requireKind('endpoint.channel', given.channel);
      const endpointId = requireEndpointId(channel, given.endpointId);
      if (!queueId.test(given.queueId)) throw new ValidationError('endpoint.queue_id', 'may contain only letters, digits, "_" and "-"');
      if (given.language && !languageTag.test(given.language)) throw new ValidationError('endpoint.language', 'must be a BCP 47 tag such as "en" or "pt-BR"');
      const previous = await store.findEndpoint(channel, endpointId);
      const kept = previous?.tenantId === tenantId ? previous : undefined;
      const endpoint: ChannelEndpoint = { tenantId, channel, endpointId, queueId: given.queueId, language: given.language || 'en' };
      if (channel === 'email') {
        const from = (given.fromAddress || endpointId).toLowerCase();
        if (!emailAddress.test(from)) throw new ValidationError('endpoint.from_address', 'must be an email address');
        if (/[\r\n<>"]/.test(given.fromName)) throw new ValidationError('endpoint.from_name', 'must be one line without <, > or quotes');
        endpoint.fromAddress = from;
        endpoint.fromName = given.fromName.slice(0, 100);
        if (given.imap && given.imap.url) endpoint.imap = await checkedMailbox(deps.policy, given.imap, kept?.imap?.password);
      } else {
        endpoint.appSecret = secret('endpoint.app_secret', given.appSecret) ?? kept?.appSecret;
        endpoint.accessToken = secret('endpoint.access_token', given.accessToken) ?? kept?.accessToken;
        if (!endpoint.appSecret) throw new ValidationError('endpoint.app_secret', 'is required: every webhook delivery is checked with it');
        if (!endpoint.accessToken) throw new ValidationError('endpoint.access_token', 'is required to send replies');
      }
      if (!(await store.putEndpoint(endpoint))) throw new IllegalStateError(`${channel} endpoint "${endpointId}" belongs to another tenant`);
      deps.onChange?.();
      return { endpoint: endpointView(endpoint) };
    },
    getEndpoint: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const channel = requireKind('channel', req.channel);
      const endpointId = requireEndpointId(channel, req.endpointId);
      const found = await store.findEndpoint(channel, endpointId);
      if (!found || found.tenantId !== tenantId) throw new NotFoundError(`${channel} endpoint`, endpointId);
      return { endpoint: endpointView(found) };
    },
    listEndpoints: async (_req, ctx) => ({ endpoints: (await store.listEndpoints(tenant(ctx))).map(endpointView) }),
    getAttachment: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const key = typeof req.key === 'string' ? req.key : '';
      // A key is only ever looked up under the caller's tenant; the store refuses '..' and the like.
      if (!key.startsWith(`${tenantId}/`) || key.length > 1024) throw new NotFoundError('attachment', key);
      let found;
      try {
        found = await deps.objects.get(key);
      } catch (err) {
        if (err instanceof ValidationError) throw new NotFoundError('attachment', key);
        throw err;
      }
      if (!found) throw new NotFoundError('attachment', key);
      return { content: found.content, contentType: found.contentType };
    },
    deleteEndpoint: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const channel = requireKind('channel', req.channel);
      const endpointId = requireEndpointId(channel, req.endpointId);
      if (!(await store.deleteEndpoint(tenantId, channel, endpointId))) throw new NotFoundError(`${channel} endpoint`, endpointId);
      deps.onChange?.();
      return {};
    },
  };
}

async function checkedMailbox(policy: OutboundAddressPolicy, imap: NonNullable<Endpoint['imap']>, keptPassword: string | undefined): Promise<NonNullable<ChannelEndpoint['imap']>> {
  let url: URL;
  try {
    url = new URL(imap.url);
  } catch {
    throw new ValidationError('endpoint.imap.url', 'must be imap://host:port or imaps://host:port');
  }
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') throw new ValidationError('endpoint.imap.url', 'must be imap://host:port or imaps://host:port');
  if (url.username || url.password || (url.pathname !== '' && url.pathname !== '/')) throw new ValidationError('endpoint.imap.url', 'must name only the host and port (give the user and password as their own fields)');
  try {
    await policy.resolveAllowed(url.hostname);
  } catch (err) {
    if (err instanceof RefusedAddressError) throw new ValidationError('endpoint.imap.url', `must point to a public address: ${err.detail}`);
    throw new ValidationError('endpoint.imap.url', `host ${url.hostname} could not be resolved`);
  }
  if (!imap.username) throw new ValidationError('endpoint.imap.username', 'is required');
  const password = imap.password || keptPassword;
  if (!password) throw new ValidationError('endpoint.imap.password', 'is required');
  return { url: `${url.protocol}//${url.host}`, username: imap.username.slice(0, 320), password, mailbox: imap.mailbox || 'INBOX' };
}
