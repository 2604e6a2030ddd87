import { ValidationError } from '@contactcenter/infra';
import type { ChannelKind, DeliveryUpdate, InboundMessage } from '../channel/adapter';

/** The three channels Meta's Graph API serves; they share signatures, error format and the service window. */
export type MetaChannel = Extract<ChannelKind, 'whatsapp' | 'messenger' | 'instagram'>;
export const META_CHANNELS: readonly MetaChannel[] = ['whatsapp', 'messenger', 'instagram'];

/** One thing a webhook delivery told us, already in the adapter contract's terms. */
export type MetaEvent =
  /** `media`: files the message names but does not carry; fetched (with the endpoint's token) before the message is handed on. */
  | { kind: 'message'; endpointId: string; message: InboundMessage; media?: PendingMedia[] }
  | { kind: 'delivery'; endpointId: string; update: DeliveryUpdate };

/**
 * A file a message names: a WhatsApp media id (`GET /{media-id}` gives a
 * short-lived URL), or a Messenger/Instagram attachment URL on Meta's CDN.
 */
export type PendingMedia =
  | { source: 'graph'; mediaId: string; contentType?: string; name: string }
  | { source: 'url'; url: string; name: string };

/**
 * A parsed delivery: the endpoints it names (to look up, and to check the
 * signature against their app secrets, before anything is handed on) and its
 * events in the order Meta sent them.
 */
export interface ParsedDelivery {
  channel: MetaChannel;
  endpointIds: string[];
  events: MetaEvent[];
}

/**
 * The identity a customer has on a channel: `whatsapp:+<wa_id>`,
 * `messenger:<psid>`, `instagram:<igsid>`. Page- and account-scoped ids are
 * only meaningful together with the endpoint, which the thread key adds.
 */
export function customerIdentity(channel: MetaChannel, providerId: string): string {
  return channel === 'whatsapp' ? `whatsapp:+${providerId.replace(/^\+/, '')}` : `${channel}:${providerId}`;
}

/** The customer's id as the Graph API wants it in `to` / `recipient.id`, from the identity we recorded. */
export function providerIdOf(channel: MetaChannel, identity: string): string {
  const prefix = `${channel}:`;
  if (!identity.startsWith(prefix) || identity.length === prefix.length) {
    throw new ValidationError('to', `expected a ${channel} identity ("${prefix}…"), got ${JSON.stringify(identity)}`);
  }
  const value = identity.slice(prefix.length);
  return channel === 'whatsapp' ? value.replace(/^\+/, '') : value;
}

/** The thread key of a customer on one endpoint: the same person writing to the same number or page continues one conversation. */
export function threadKeyOf(channel: MetaChannel, endpointId: string, identity: string): string {
  return `${channel}:${endpointId}:${identity.slice(channel.length + 1)}`;
}

// Small readers for JSON of unknown shape: a wrong type anywhere is a 400, never a crash.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (!isObject(value)) throw new ValidationError(`${path}.${key}`, 'must be an object');
  return value;
}

export function optionalObjectAt(parent: Json, key: string, path: string): Json | undefined {
  return parent[key] === undefined ? undefined : objectAt(parent, key, path);
}

export function arrayAt(parent: Json, key: string, path: string): unknown[] {
  const value = parent[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError(`${path}.${key}`, 'must be an array');
  return value;
}

export function stringAt(parent: Json, key: string, path: string): string {
  const value = parent[key];
  // Graph ids are sometimes numbers in older payloads; they are ids all the same.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${path}.${key}`, 'must be a non-empty string');
  return value;
}

export function optionalStringAt(parent: Json, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A time Meta sent as unix seconds (WhatsApp, a string) or milliseconds (Messenger, a number). */
export function dateAt(parent: Json, key: string, path: string, unit: 's' | 'ms'): Date {
  const raw = parent[key];
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new ValidationError(`${path}.${key}`, 'must be a unix timestamp');
  return new Date(unit === 's' ? n * 1000 : n);
}

export function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
