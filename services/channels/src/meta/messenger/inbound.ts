import { ValidationError } from '@contactcenter/infra';
import {
  arrayAt, customerIdentity, dateAt, distinct, isObject, objectAt, optionalStringAt, stringAt, threadKeyOf,
  type Json, type MetaEvent, type ParsedDelivery, type PendingMedia,
} from '../metaEvents';

type PageChannel = 'messenger' | 'instagram';

/**
 * Reads a Messenger (`object: page`) or Instagram (`object: instagram`)
 * webhook delivery. Both use the Messenger Platform's shape: `entry[].id` is
 * the page (or Instagram professional account) the events are for, and
 * `entry[].messaging[]` holds one event each, from `sender.id` (the
 * customer's page- or Instagram-scoped id) at `timestamp` (ms):
 * - `message` (`mid`, `text`, `attachments[]`): our own sends come back as
 *   echoes (`is_echo`) and are skipped, as are messages the customer deleted;
 * - `postback` (a button the customer tapped): recorded with the button's title;
 * - `delivery.mids[]`: delivered receipts (Messenger);
 * - `read`: Instagram names the read message (`read.mid`); Messenger only sends
 *   a watermark time and no message id, so its reads are skipped.
 * Attachments arrive as CDN URLs that expire: the message records their kind
 * as text (`[image]`) and names the URLs of files (image, video, audio, file)
 * for the webhook route to fetch at once (mediaFetcher.ts).
 */
export function parsePageDelivery(channel: PageChannel, body: unknown): ParsedDelivery {
  const object = channel === 'messenger' ? 'page' : 'instagram';
  if (!isObject(body)) throw new ValidationError('body', 'must be a JSON object');
  if (body.object !== object) throw new ValidationError('object', `must be "${object}"`);
  const endpointIds: string[] = [];
  const events: MetaEvent[] = [];
  arrayAt(body, 'entry', 'body').forEach((entry, i) => {
    const path = `entry[${i}]`;
    if (!isObject(entry)) throw new ValidationError(path, 'must be an object');
    const endpointId = stringAt(entry, 'id', path);
    const messaging = arrayAt(entry, 'messaging', path);
    if (messaging.length === 0) return;
    endpointIds.push(endpointId);
    messaging.forEach((raw, k) => {
      const at = `${path}.messaging[${k}]`;
      if (!isObject(raw)) throw new ValidationError(at, 'must be an object');
      events.push(...eventsOf(channel, endpointId, raw, at));
    });
  });
  return { channel, endpointIds: distinct(endpointIds), events };
}

function eventsOf(channel: PageChannel, endpointId: string, raw: Json, path: string): MetaEvent[] {
  const sender = stringAt(objectAt(raw, 'sender', path), 'id', `${path}.sender`);
  const at = dateAt(raw, 'timestamp', path, 'ms');
  if (isObject(raw.message)) {
    const message = raw.message;
    if (message.is_echo === true || message.is_deleted === true) return [];
    const event = inbound(channel, endpointId, sender, stringAt(message, 'mid', `${path}.message`), textOf(message, `${path}.message`), at);
    const media = mediaOf(message, `${path}.message`);
    return [media.length > 0 && event.kind === 'message' ? { ...event, media } : event];
  }
  if (isObject(raw.postback)) {
    const postback = raw.postback;
    const title = optionalStringAt(postback, 'title') ?? optionalStringAt(postback, 'payload') ?? '[button]';
    // Older postbacks carry no mid; sender and time identify a tap just as well for redeliveries.
    const id = optionalStringAt(postback, 'mid') ?? `postback:${sender}:${at.getTime()}`;
    return [inbound(channel, endpointId, sender, id, title, at)];
  }
  if (isObject(raw.delivery)) {
    return arrayAt(raw.delivery, 'mids', `${path}.delivery`)
      .filter((mid): mid is string => typeof mid === 'string' && mid !== '')
      .map((mid) => ({ kind: 'delivery', endpointId, update: { channel, endpointId, externalMessageId: mid, status: 'delivered', at } }));
  }
  if (isObject(raw.read)) {
    const mid = optionalStringAt(raw.read, 'mid');
    return mid ? [{ kind: 'delivery', endpointId, update: { channel, endpointId, externalMessageId: mid, status: 'read', at } }] : [];
  }
  return [];
}

function inbound(channel: PageChannel, endpointId: string, sender: string, externalMessageId: string, text: string, receivedAt: Date): MetaEvent {
  const identity = customerIdentity(channel, sender);
  return {
    kind: 'message',
    endpointId,
    message: {
      channel,
      endpointId,
      externalMessageId,
      from: { identity },
      threadKeys: [threadKeyOf(channel, endpointId, identity)],
      text,
      attachments: [],
      receivedAt,
    },
  };
}

/** Kinds of attachment whose `payload.url` is a file on Meta's CDN (shared links and stickers' templates are not). */
const FILE_ATTACHMENTS = new Set(['image', 'video', 'audio', 'file']);

/** The files a message carries as URLs; the text keeps a label for each. */
function mediaOf(message: Json, path: string): PendingMedia[] {
  return arrayAt(message, 'attachments', path).flatMap((attachment, i): PendingMedia[] => {
    if (!isObject(attachment) || !isObject(attachment.payload)) return [];
    const type = optionalStringAt(attachment, 'type') ?? '';
    const url = optionalStringAt(attachment.payload, 'url');
    return FILE_ATTACHMENTS.has(type) && url ? [{ source: 'url', url, name: `${type}-${i + 1}` }] : [];
  });
}

function textOf(message: Json, path: string): string {
  if (message.is_unsupported === true) return '[unsupported message]';
  const parts: string[] = [];
  const text = optionalStringAt(message, 'text');
  if (text) parts.push(text);
  for (const attachment of arrayAt(message, 'attachments', path)) {
    if (!isObject(attachment)) continue;
    const type = optionalStringAt(attachment, 'type') ?? 'attachment';
    // A shared link arrives as a `fallback` attachment with the page's title.
    const title = isObject(attachment.payload) ? optionalStringAt(attachment.payload, 'title') : undefined;
    parts.push(title ? `[${type}: ${title}]` : `[${type}]`);
  }
  return parts.length > 0 ? parts.join('\n') : '[empty message]';
}
