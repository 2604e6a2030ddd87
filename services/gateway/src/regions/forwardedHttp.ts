import { ValidationError } from '@contactcenter/infra';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * An HTTP exchange carried between regions over NATS request/reply: what
 * RegionLink sends and what a region's RegionResponder answers. Bodies are
 * raw bytes (base64 on the wire), so a JSON body, its signature-sensitive
 * spelling and a binary download all arrive as they were sent.
 */

export type HttpHeaders = Record<string, string | string[]>;

/** A request to replay in another region, as the client sent it. */
export interface ForwardedRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/conversations/us_3f0c…/messages?x=1`. */
  url: string;
  headers: HttpHeaders;
  body: Buffer;
  /** The client's address as this region saw it: the home region's per-address limits count the client, not the link. */
  clientAddress?: string;
}

/** The home region's answer, to send back unchanged. */
export interface ForwardedResponse {
  status: number;
  headers: HttpHeaders;
  body: Buffer;
}

/** The header a forwarded request carries: the region it came from. Such a request is never forwarded again. */
export const FORWARDED_FROM_HEADER = 'x-cc-forwarded-from';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the
 * message; content-length is recomputed for the bytes actually sent.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

/** `headers` without the hop-by-hop ones (and those the Connection header names), values as strings. */
export function endToEndHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, drop: readonly string[] = []): HttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const skip = new Set([...HOP_BY_HOP, ...named, ...drop]);
  const out: HttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || skip.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * The headers a gateway's own request to another region carries for the
 * caller: the request id that ties the regions' logs together, and each of
 * `names` the caller sent (by default their `authorization`: the other region
 * authenticates the caller itself).
 */
export function callerHeaders(request: { id: unknown; headers: IncomingHttpHeaders }, names: readonly string[] = ['authorization']): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': String(request.id) };
  for (const name of names) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** The problem code of another region's refusal (`unauthorized`), so an answer can say why without passing that region's details on. */
export function problemCodeOf(body: Buffer): string | undefined {
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

type WireRequest = { from: string; method: string; url: string; headers: HttpHeaders; body: string; clientAddress?: string };
type WireResponse = { status: number; headers: HttpHeaders; body: string };

export function encodeForwardedRequest(from: string, request: ForwardedRequest): Uint8Array {
  const wire: WireRequest = { from, method: request.method, url: request.url, headers: request.headers, body: request.body.toString('base64'), clientAddress: request.clientAddress };
  return Buffer.from(JSON.stringify(wire));
}

/** @throws ValidationError when the bytes are not a forwarded request (another version, or not ours). */
export function decodeForwardedRequest(data: Uint8Array): ForwardedRequest & { from: string } {
  const wire = parse(data, 'request') as Partial<WireRequest>;
  if (typeof wire.from !== 'string' || typeof wire.method !== 'string' || typeof wire.url !== 'string' || !wire.url.startsWith('/') || typeof wire.body !== 'string' || !isHeaders(wire.headers)) {
    throw new ValidationError('request', 'not a forwarded HTTP request');
  }
  return { from: wire.from, method: wire.method, url: wire.url, headers: wire.headers, body: Buffer.from(wire.body, 'base64'), ...(typeof wire.clientAddress === 'string' ? { clientAddress: wire.clientAddress } : {}) };
}

export function encodeForwardedResponse(response: ForwardedResponse): Uint8Array {
  const wire: WireResponse = { status: response.status, headers: response.headers, body: response.body.toString('base64') };
  return Buffer.from(JSON.stringify(wire));
}

/** @throws ValidationError when the bytes are not a forwarded response. */
export function decodeForwardedResponse(data: Uint8Array): ForwardedResponse {
  const wire = parse(data, 'response') as Partial<WireResponse>;
  if (typeof wire.status !== 'number' || wire.status < 100 || wire.status > 599 || typeof wire.body !== 'string' || !isHeaders(wire.headers)) {
    throw new ValidationError('response', 'not a forwarded HTTP response');
  }
  return { status: wire.status, headers: wire.headers, body: Buffer.from(wire.body, 'base64') };
}

function parse(data: Uint8Array, what: string): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    if (value && typeof value === 'object') return value;
  } catch {
    // Reported below as not a forwarded message.
  }
  throw new ValidationError(what, `not a forwarded HTTP ${what}`);
}

function isHeaders(value: unknown): value is HttpHeaders {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
}
