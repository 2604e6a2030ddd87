import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail as MailparserMail } from 'mailparser';
import { ValidationError } from '@contactcenter/infra/errors';
import type { DeliveryUpdate, InboundAttachment, InboundMessage } from '../channel/adapter';
import { bareMessageId, normalizeAddress, splitSupportAddress } from './addresses';
import { autoReplyReason } from './autoReply';
import { readDeliveryReport, hasDeliveryStatusPart } from './deliveryStatus';
import { mimeLeaves, MimeStructureError, type MimePart } from './mimeParts';

/**
 * What an inbound email is: a customer's message, an automatic message
 * (out-of-office, mailing list: never starts a conversation) or a delivery
 * report about mail we sent.
 *
 * @example
 *   const mail = await parseMail(raw, { endpoints: ['support@shop.example'], receivedAt: new Date() });
 *   if (mail.kind === 'message') await sink.receive(mail.message);
 */
export type ParsedMail =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'auto_reply'; reason: string }
  | { kind: 'bounce'; update: DeliveryUpdate };

export interface MailContext {
  /** The support addresses this delivery is for (lower case, no `+…`), preferred first: SMTP's accepted recipients or the polled mailbox. */
  endpoints: readonly string[];
  /** Envelope recipients as the sender gave them (they may carry the reply token when the headers do not). */
  envelopeTo?: readonly string[];
  receivedAt: Date;
}

/**
 * The mail cannot be read. mailparser itself accepts nearly anything (a
 * truncated multipart keeps what arrived, bad base64 decodes to what it can),
 * so this is raised only for: no header section at all, a multipart without a
 * boundary or whose boundary never occurs, and a message without a From address.
 */
export class MalformedMailError extends ValidationError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('mail', reason, options);
  }
}

export async function parseMail(raw: Buffer, context: MailContext): Promise<ParsedMail> {
  if (context.endpoints.length === 0) throw new Error('parseMail needs at least one endpoint');
  let leaves: MimePart[];
  let parsed: MailparserMail;
  try {
    leaves = mimeLeaves(raw);
    parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  } catch (err) {
    throw new MalformedMailError(err instanceof MimeStructureError ? err.message : 'unreadable MIME', { cause: err });
  }
  const headers = unfoldedHeaders(parsed);
  if (headers.size === 0) throw new MalformedMailError('no header section');

  const recipients = [...addresses(parsed.to), ...addresses(parsed.cc), ...(context.envelopeTo ?? []).map(normalizeAddress)];
  const endpointId = recipients.map((r) => splitSupportAddress(r).base).find((base) => context.endpoints.includes(base)) ?? context.endpoints[0]!;
  const from = parsed.from?.value[0];

  const report = isDeliveryReport(parsed, headers, leaves) ? readDeliveryReport(leaves) : undefined;
  if (report) {
    if (!report.originalMessageId || !['failed', 'delivered', 'relayed', 'expanded'].includes(report.action)) {
      return { kind: 'auto_reply', reason: `delivery report (${report.action || 'no action'}) not about a known message` };
    }
    const status = report.action === 'failed' ? 'bounced' : 'delivered';
    return { kind: 'bounce', update: { channel: 'email', endpointId, externalMessageId: report.originalMessageId, status, at: context.receivedAt, detail: report.detail || undefined } };
  }
  const automatic = autoReplyReason(headers);
  if (automatic) return { kind: 'auto_reply', reason: automatic };
  if (!from?.address) throw new MalformedMailError('no From address');

  return {
    kind: 'message',
    message: {
      channel: 'email',
      endpointId,
      externalMessageId: parsed.messageId ? bareMessageId(parsed.messageId) : generatedMessageId(raw),
      from: { identity: `email:${normalizeAddress(from.address)}`, displayName: from.name || undefined },
      threadKeys: threadKeys(recipients, context.endpoints, headers),
      subject: parsed.subject,
      text: (parsed.text ?? '').trimEnd(),
      attachments: parsed.attachments.map(toAttachment),
      receivedAt: context.receivedAt,
    },
  };
}

/** Reply token on one of our addresses first, then In-Reply-To, then References newest first. */
function threadKeys(recipients: string[], endpoints: readonly string[], headers: ReadonlyMap<string, string>): string[] {
  const keys: string[] = [];
  for (const recipient of recipients) {
    const { base, token } = splitSupportAddress(recipient);
    if (token && endpoints.includes(base)) keys.push(`token:${token}`);
  }
  keys.push(...messageIds(headers.get('in-reply-to')).map((id) => `msgid:${id}`));
  keys.push(...messageIds(headers.get('references')).reverse().map((id) => `msgid:${id}`));
  return [...new Set(keys)];
}

function messageIds(value: string | undefined): string[] {
  return [...(value ?? '').matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
}

function isDeliveryReport(parsed: MailparserMail, headers: ReadonlyMap<string, string>, leaves: MimePart[]): boolean {
  const type = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value === 'multipart/report' && type.params?.['report-type']?.toLowerCase() === 'delivery-status') return true;
  const fromDaemon = /^mailer-daemon@/i.test(parsed.from?.value[0]?.address ?? '');
  const nullSender = headers.get('return-path')?.replace(/\s/g, '') === '<>';
  return (fromDaemon || nullSender) && hasDeliveryStatusPart(leaves);
}

/** Lower-cased header name → first value, unfolded, as written (mailparser's own map turns some headers into objects). */
function unfoldedHeaders(parsed: MailparserMail): Map<string, string> {
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (!key || headers.has(key)) continue;
    headers.set(key, line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return headers;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const flat = objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
  return flat.map((a) => a.address).filter((a): a is string => !!a).map(normalizeAddress);
}

function toAttachment(a: MailparserMail['attachments'][number], index: number): InboundAttachment {
  const fallback = a.contentType === 'message/rfc822' ? `message-${index + 1}.eml` : `attachment-${index + 1}`;
  return { name: a.filename || fallback, contentType: a.contentType, content: a.content };
}

/** A stable id for mail without a Message-ID, so a redelivery of the same bytes is still recognised. */
function generatedMessageId(raw: Buffer): string {
  return `${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@no-message-id.invalid`;
}
