/**
 * A small walk over a message's MIME tree. mailparser flattens a message into
 * text and attachments, which loses what a delivery status notification is
 * made of (a `message/delivery-status` part is merged into the text), and it
 * silently drops a multipart body it cannot split. This walk keeps each leaf
 * part with its own headers and refuses a structure no parser can read.
 */

export interface MimePart {
  /** Lower case, e.g. `message/delivery-status`. */
  contentType: string;
  params: Record<string, string>;
  /** The part's body after its Content-Transfer-Encoding is undone. */
  body: Buffer;
}

/** The MIME structure cannot be read (a multipart without a boundary, or whose boundary never occurs). */
export class MimeStructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MimeStructureError';
  }
}

const MAX_DEPTH = 20;

/** Every non-multipart part of `raw`, depth first; the top-level entity itself when it is not multipart. */
export function mimeLeaves(raw: Buffer): MimePart[] {
  const leaves: MimePart[] = [];
  walk(raw.toString('latin1'), 0, leaves);
  return leaves;
}

/** Splits an entity into its header block (unfolded) and its body. */
export function splitEntity(entity: string): { headers: string; body: string } {
  const match = /\r?\n\r?\n/.exec(entity);
  const headers = match ? entity.slice(0, match.index) : entity;
  const body = match ? entity.slice(match.index + match[0].length) : '';
  return { headers: headers.replace(/\r?\n[ \t]+/g, ' '), body };
}

/** The value of the first header `name` in an unfolded header block. */
export function headerValue(headers: string, name: string): string | undefined {
  const escaped = name.replace(/[-]/g, '\\-');
  return new RegExp(`^${escaped}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(headers)?.[1]?.trim();
}

function walk(entity: string, depth: number, leaves: MimePart[]): void {
  if (depth > MAX_DEPTH) throw new MimeStructureError(`MIME parts nested deeper than ${MAX_DEPTH}`);
  const { headers, body } = splitEntity(entity);
  const { contentType, params } = parseContentType(headerValue(headers, 'content-type') ?? 'text/plain');
  if (!contentType.startsWith('multipart/')) {
    const encoding = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
    leaves.push({ contentType, params, body: decodeBody(body, encoding) });
    return;
  }
  const boundary = params.boundary;
  if (!boundary) throw new MimeStructureError(`${contentType} without a boundary`);
  const parts = splitMultipart(body, boundary);
  if (parts.length === 0) throw new MimeStructureError(`${contentType} whose boundary "${boundary}" never occurs`);
  for (const part of parts) walk(part, depth + 1, leaves);
}

function splitMultipart(body: string, boundary: string): string[] {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escaped}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  for (const match of body.matchAll(delimiter)) {
    if (start >= 0) parts.push(body.slice(start, match.index).replace(/^\r?\n/, ''));
    if (match[1]) return parts;
    start = match.index + match[0].length;
  }
  // A missing close delimiter is common in truncated mail: keep what arrived.
  if (start >= 0) parts.push(body.slice(start).replace(/^\r?\n/, ''));
  return parts;
}

export function parseContentType(value: string): { contentType: string; params: Record<string, string> } {
  const [type = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const match of rest.join(';').matchAll(/([\w.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]+)/g)) {
    const raw = match[2] ?? '';
    params[(match[1] ?? '').toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { contentType: type.trim().toLowerCase(), params };
}

function decodeBody(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') {
    const text = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(text, 'latin1');
  }
  return Buffer.from(body, 'latin1');
}
