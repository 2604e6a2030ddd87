import { ValidationError } from '@contactcenter/infra';
import type { DeliveryUpdate } from '../../channel/adapter';
import {
  arrayAt, customerIdentity, dateAt, distinct, isObject, objectAt, optionalObjectAt, optionalStringAt, stringAt, threadKeyOf,
  type Json, type MetaEvent, type ParsedDelivery, type PendingMedia,
} from '../metaEvents';

/**
 * Reads a WhatsApp Cloud API webhook delivery (`object: whatsapp_business_account`):
 * `entry[].changes[]` with `field: messages` carry the business number in
 * `value.metadata.phone_number_id`, customers' messages in `value.messages[]`
 * (names in `value.contacts[]`) and receipts of what we sent in `value.statuses[]`.
 * Other fields (template reviews, account updates) are not conversations and are skipped.
 *
 * Media (image, document, audio, ...) arrive as a media id that only a
 * further Graph call (`GET /{media-id}` with the endpoint's token) turns into
 * bytes: the message records the kind and the caption or file name as text,
 * and names the media id for the webhook route to fetch (mediaFetcher.ts).
 */
export function parseWhatsAppDelivery(body: unknown): ParsedDelivery {
  if (!isObject(body)) throw new ValidationError('body', 'must be a JSON object');
  if (body.object !== 'whatsapp_business_account') throw new ValidationError('object', 'must be "whatsapp_business_account"');
  const endpointIds: string[] = [];
  const events: MetaEvent[] = [];
  arrayAt(body, 'entry', 'body').forEach((entry, i) => {
    if (!isObject(entry)) throw new ValidationError(`entry[${i}]`, 'must be an object');
    arrayAt(entry, 'changes', `entry[${i}]`).forEach((change, j) => {
      const path = `entry[${i}].changes[${j}]`;
      if (!isObject(change)) throw new ValidationError(path, 'must be an object');
      if (change.field !== undefined && change.field !== 'messages') return;
      const value = objectAt(change, 'value', path);
      const endpointId = stringAt(objectAt(value, 'metadata', `${path}.value`), 'phone_number_id', `${path}.value.metadata`);
      endpointIds.push(endpointId);
      events.push(...messagesOf(value, endpointId, `${path}.value`), ...statusesOf(value, endpointId, `${path}.value`));
    });
  });
  return { channel: 'whatsapp', endpointIds: distinct(endpointIds), events };
}

function messagesOf(value: Json, endpointId: string, path: string): MetaEvent[] {
  const names = new Map<string, string>();
  for (const contact of arrayAt(value, 'contacts', path)) {
    if (!isObject(contact)) continue;
    const name = isObject(contact.profile) ? optionalStringAt(contact.profile, 'name') : undefined;
    const waId = optionalStringAt(contact, 'wa_id');
    if (waId && name) names.set(waId, name);
  }
  const events: MetaEvent[] = [];
  arrayAt(value, 'messages', path).forEach((raw, k) => {
    const at = `${path}.messages[${k}]`;
    if (!isObject(raw)) throw new ValidationError(at, 'must be an object');
    const from = stringAt(raw, 'from', at);
    const text = textOf(raw, at);
    if (text === undefined) return;
    const identity = customerIdentity('whatsapp', from);
    const displayName = names.get(from);
    const media = mediaOf(raw, at);
    events.push({
      kind: 'message',
      endpointId,
      ...(media ? { media: [media] } : {}),
      message: {
        channel: 'whatsapp',
        endpointId,
        externalMessageId: stringAt(raw, 'id', at),
        from: displayName ? { identity, displayName } : { identity },
        threadKeys: [threadKeyOf('whatsapp', endpointId, identity)],
        text,
        attachments: [],
        receivedAt: dateAt(raw, 'timestamp', at, 's'),
      },
    });
  });
  return events;
}

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** The file of a media message, by its media id (the text keeps its label and caption). */
function mediaOf(message: Json, path: string): PendingMedia | undefined {
  const type = stringAt(message, 'type', path);
  if (!MEDIA_TYPES.has(type) || !isObject(message[type])) return undefined;
  const part = message[type] as Json;
  const mediaId = optionalStringAt(part, 'id');
  if (!mediaId) return undefined;
  const contentType = optionalStringAt(part, 'mime_type');
  return { source: 'graph', mediaId, name: optionalStringAt(part, 'filename') ?? type, ...(contentType ? { contentType } : {}) };
}

/** The message as text for the agent; undefined for what is not a message to answer (a withdrawn reaction). */
function textOf(message: Json, path: string): string | undefined {
  const type = stringAt(message, 'type', path);
  const part = isObject(message[type]) ? (message[type] as Json) : {};
  if (type === 'text') return stringAt(objectAt(message, 'text', path), 'body', `${path}.text`);
  if (MEDIA_TYPES.has(type)) {
    const label = type === 'document' && optionalStringAt(part, 'filename') ? `[document: ${optionalStringAt(part, 'filename')}]` : `[${type}]`;
    const caption = optionalStringAt(part, 'caption');
    return caption ? `${label} ${caption}` : label;
  }
  if (type === 'location') {
    const place = [optionalStringAt(part, 'name'), optionalStringAt(part, 'address')].filter(Boolean).join(', ');
    const coordinates = `${String(part.latitude ?? '?')}, ${String(part.longitude ?? '?')}`;
    return place ? `[location: ${place} (${coordinates})]` : `[location: ${coordinates}]`;
  }
  if (type === 'interactive') {
    const reply = optionalObjectAt(part, 'button_reply', path) ?? optionalObjectAt(part, 'list_reply', path);
    return reply ? (optionalStringAt(reply, 'title') ?? '[reply]') : '[interactive]';
  }
  // A quick-reply button of a template the customer tapped.
  if (type === 'button') return optionalStringAt(part, 'text') ?? optionalStringAt(part, 'payload') ?? '[button]';
  if (type === 'reaction') {
    const emoji = optionalStringAt(part, 'emoji');
    return emoji ? `[reaction ${emoji}]` : undefined;
  }
  if (type === 'contacts') return '[contact card]';
  if (type === 'unsupported' || type === 'unknown') return '[unsupported message]';
  return `[${type}]`;
}

const STATUSES: ReadonlySet<string> = new Set(['sent', 'delivered', 'read', 'failed']);

function statusesOf(value: Json, endpointId: string, path: string): MetaEvent[] {
  const events: MetaEvent[] = [];
  arrayAt(value, 'statuses', path).forEach((raw, k) => {
    const at = `${path}.statuses[${k}]`;
    if (!isObject(raw)) throw new ValidationError(at, 'must be an object');
    const status = stringAt(raw, 'status', at);
    // Newer statuses (e.g. `deleted`, `warning`) say nothing about delivery.
    if (!STATUSES.has(status)) return;
    const update: DeliveryUpdate = {
      channel: 'whatsapp',
      endpointId,
      externalMessageId: stringAt(raw, 'id', at),
      status: status as DeliveryUpdate['status'],
      at: dateAt(raw, 'timestamp', at, 's'),
    };
    const detail = errorDetail(arrayAt(raw, 'errors', at));
    events.push({ kind: 'delivery', endpointId, update: detail ? { ...update, detail } : update });
  });
  return events;
}

/** `Re-engagement message (131047): Message failed to send because more than 24 hours have passed…` */
function errorDetail(errors: unknown[]): string | undefined {
  const first = errors.find(isObject);
  if (!first) return undefined;
  const title = optionalStringAt(first, 'title') ?? optionalStringAt(first, 'message') ?? 'error';
  const code = typeof first.code === 'number' || typeof first.code === 'string' ? ` (${first.code})` : '';
  const details = isObject(first.error_data) ? optionalStringAt(first.error_data, 'details') : undefined;
  return details && details !== title ? `${title}${code}: ${details}` : `${title}${code}`;
}
