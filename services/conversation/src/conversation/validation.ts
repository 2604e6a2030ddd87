import {
  AuthorKind,
  Channel,
  Priority,
  TicketStatus,
  type Attachment,
} from '@contactcenter/proto/conversation/v1';
import { ValidationError } from '@contactcenter/infra/errors';
import { isWellFormedLanguageTag } from '@contactcenter/infra';

// Input checks for the conversation's commands. Each throws a ValidationError
// naming the proto field at fault; the edge turns it into INVALID_ARGUMENT.

export const limits = {
  textBytes: 16_384,
  attachments: 10,
  attachmentBytes: 25 * 1024 * 1024,
  attachmentNameChars: 255,
  urlChars: 2048,
  tagChars: 64,
  tagsPerConversation: 50,
  reasonChars: 1000,
  subjectChars: 512,
  idChars: 128,
} as const;

// Ids that become part of stream ids and NATS subjects: no '.', '*', '>', ':' or spaces.
const idPattern = /^[A-Za-z0-9_-]+$/;
// Ids of people and things kept inside event data (customers may be e-mail addresses).
const referencePattern = /^[A-Za-z0-9_.:@+-]+$/;
const tagPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const tokenChars = "[a-z0-9!#$&^_.+-]+";
const contentTypePattern = new RegExp(
  `^${tokenChars}/${tokenChars}(?:\\s*;\\s*${tokenChars}=(?:${tokenChars}|"[^"\\\\\\r\\n]*"))*$`,
  'i',
);
// Unicode Cc except TAB, LF and CR.
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const lineBreaks = /[\r\n\t]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const isString = (value: unknown): value is string => typeof value === 'string';

/** UTF-8 length of a well-formed string, without allocating. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    count++;
  }
  return count;
}

/** tenant_id, conversation_id, agent_id, queue_id, team_id… (see idPattern). */
export function requireId(field: string, value: string): string {
  if (!isString(value) || value === '') throw new ValidationError(field, 'is required');
  if (value.length > limits.idChars) throw new ValidationError(field, `must be at most ${limits.idChars} characters`);
  if (!idPattern.test(value)) throw new ValidationError(field, 'may contain only letters, digits, "_" and "-"');
  return value;
}

export const optionalId = (field: string, value: string): string =>
  value === '' ? value : requireId(field, value);

/** customer_id, actor_id, author_id: letters, digits and `_ . : @ + -`. */
export function requireReference(field: string, value: string): string {
  if (!isString(value) || value === '') throw new ValidationError(field, 'is required');
  if (value.length > limits.idChars) throw new ValidationError(field, `must be at most ${limits.idChars} characters`);
  if (!referencePattern.test(value)) {
    throw new ValidationError(field, 'may contain only letters, digits and "_", ".", ":", "@", "+", "-"');
  }
  return value;
}

/** client_message_id: the gateway's pattern, `[A-Za-z0-9_.:-]{1,128}`. */
export function optionalClientMessageId(field: string, value: string): string {
  if (value === '') return value;
  if (!isString(value) || value.length > limits.idChars || !/^[A-Za-z0-9_.:-]+$/.test(value)) {
    throw new ValidationError(field, 'must be 1–128 letters, digits, "_", ".", ":" or "-"');
  }
  return value;
}

function requireWellFormedText(field: string, value: string): void {
  if (loneSurrogate.test(value)) throw new ValidationError(field, 'must be valid Unicode');
  if (controlChars.test(value)) throw new ValidationError(field, 'must not contain control characters');
}

/**
 * Message and note text: at most 16 KiB of UTF-8, no control characters but
 * TAB, LF and CR. `allowEmpty` is for messages that carry attachments.
 */
export function requireText(field: string, value: string, options: { allowEmpty?: boolean } = {}): string {
  if (!isString(value)) throw new ValidationError(field, 'is required');
  if (value.trim() === '') {
    if (options.allowEmpty && value === '') return value;
    throw new ValidationError(field, 'is required');
  }
  // A UTF-16 unit is at least one UTF-8 byte: cheap early exit for huge input.
  if (value.length > limits.textBytes || utf8ByteLength(value) > limits.textBytes) {
    throw new ValidationError(field, `must be at most ${limits.textBytes} bytes of UTF-8`);
  }
  requireWellFormedText(field, value);
  return value;
}

/** Optional free text on one line (subject) or several (reason), bounded in characters. */
export function optionalLine(field: string, value: string, maxChars: number, options: { multiline?: boolean } = {}): string {
  if (!isString(value)) throw new ValidationError(field, 'must be a string');
  if (value.length > 2 * maxChars || codePointLength(value) > maxChars) {
    throw new ValidationError(field, `must be at most ${maxChars} characters`);
  }
  requireWellFormedText(field, value);
  if (!options.multiline && lineBreaks.test(value)) throw new ValidationError(field, 'must be a single line');
  return value;
}

export const optionalReason = (field: string, value: string): string =>
  optionalLine(field, value, limits.reasonChars, { multiline: true });

export function requireLanguageTag(field: string, value: string): string {
  if (!isString(value) || value === '') throw new ValidationError(field, 'is required');
  if (!isWellFormedLanguageTag(value)) {
    throw new ValidationError(field, 'must be a BCP 47 language tag such as "en", "es" or "pt-BR"');
  }
  return value;
}

export const optionalLanguageTag = (field: string, value: string): string =>
  value === '' ? value : requireLanguageTag(field, value);

const oneOf = <T extends number>(field: string, value: T, allowed: readonly T[], what: string): T => {
  if (!allowed.includes(value)) throw new ValidationError(field, `must be ${what}`);
  return value;
};

export const requireChannel = (field: string, value: Channel): Channel =>
  oneOf(
    field,
    value,
    [Channel.CHANNEL_CHAT, Channel.CHANNEL_EMAIL, Channel.CHANNEL_SOCIAL, Channel.CHANNEL_PHONE],
    'one of chat, email, social, phone',
  );

export const requireAuthorKind = (field: string, value: AuthorKind): AuthorKind =>
  oneOf(
    field,
    value,
    [AuthorKind.AUTHOR_KIND_CUSTOMER, AuthorKind.AUTHOR_KIND_AGENT, AuthorKind.AUTHOR_KIND_BOT, AuthorKind.AUTHOR_KIND_SYSTEM],
    'one of customer, agent, bot, system',
  );

export const requirePriority = (field: string, value: Priority): Priority =>
  oneOf(
    field,
    value,
    [Priority.PRIORITY_LOW, Priority.PRIORITY_NORMAL, Priority.PRIORITY_HIGH, Priority.PRIORITY_URGENT],
    'one of low, normal, high, urgent',
  );

export const requireTicketStatus = (field: string, value: TicketStatus): TicketStatus =>
  oneOf(
    field,
    value,
    [TicketStatus.TICKET_STATUS_OPEN, TicketStatus.TICKET_STATUS_PENDING, TicketStatus.TICKET_STATUS_SOLVED],
    'one of open, pending, solved',
  );

/** A tag: a lower-case slug (`vip`, `refund-request`) of at most 64 characters. */
export function requireTag(field: string, value: string): string {
  if (!isString(value) || value === '') throw new ValidationError(field, 'must not be empty');
  if (value.length > limits.tagChars) throw new ValidationError(field, `must be at most ${limits.tagChars} characters`);
  if (!tagPattern.test(value)) {
    throw new ValidationError(field, 'must be a lower-case slug: a-z, 0-9 and single "-" between them');
  }
  return value;
}

/** Attachments are metadata only; returns fresh copies so events never alias the caller's objects. */
export function requireAttachments(field: string, attachments: readonly Attachment[]): Attachment[] {
  if (!Array.isArray(attachments)) throw new ValidationError(field, 'must be a list');
  if (attachments.length > limits.attachments) {
    throw new ValidationError(field, `must hold at most ${limits.attachments} attachments`);
  }
  return attachments.map((attachment, i) => {
    const at = `${field}[${i}]`;
    const { name, contentType, sizeBytes, url } = attachment;
    if (!isString(name) || name.trim() === '') throw new ValidationError(`${at}.name`, 'is required');
    optionalLine(`${at}.name`, name, limits.attachmentNameChars);
    if (/[/\\]/.test(name)) throw new ValidationError(`${at}.name`, 'must be a file name, not a path');
    if (!isString(contentType) || contentType === '') throw new ValidationError(`${at}.content_type`, 'is required');
    if (contentType.length > 255 || !contentTypePattern.test(contentType)) {
      throw new ValidationError(`${at}.content_type`, 'must be a media type such as "image/png"');
    }
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
      throw new ValidationError(`${at}.size_bytes`, 'must be a whole number ≥ 0');
    }
    if (sizeBytes > limits.attachmentBytes) {
      throw new ValidationError(`${at}.size_bytes`, `must be at most ${limits.attachmentBytes} (25 MiB)`);
    }
    if (!isString(url)) throw new ValidationError(`${at}.url`, 'must be a string');
    if (url !== '' && !isHttpUrl(url) && !storedAttachment.test(url)) throw new ValidationError(`${at}.url`, 'must be an http(s) URL');
    return { name, contentType, sizeBytes, url };
  });
}

/** A file the channels service stored: `attachment:<tenant>/<conversation>/<id>/<file name>`. */
const storedAttachment = /^attachment:[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9._-]{1,100}$/;

function isHttpUrl(value: string): boolean {
  if (value.length > limits.urlChars || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:';
}

/** The caller's clock reading; a bad Date would poison every timestamp. */
export function requireInstant(field: string, value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ValidationError(field, 'must be a valid date');
  return value;
}
