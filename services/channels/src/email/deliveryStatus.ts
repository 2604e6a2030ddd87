import { bareMessageId } from './addresses';
import { headerValue, splitEntity, type MimePart } from './mimeParts';

/**
 * Reads a delivery status notification (RFC 3464): which message it is about
 * and what happened to it. The original message is named by the Message-ID
 * in the returned message or headers part, else by the Original-Envelope-Id
 * (the ENVID we set when sending).
 */
export interface DeliveryReport {
  /** Bare Message-ID (no angle brackets) of the message the report is about. */
  originalMessageId?: string;
  /** `failed` for a bounce, `delayed` while the relay keeps trying, `delivered`/`relayed`/`expanded` on success. */
  action: string;
  /** `Status` and `Diagnostic-Code` of the first recipient, e.g. `5.1.1 smtp; 550 5.1.1 <ken@example.com>: ...`. */
  detail: string;
}

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const ORIGINAL_TYPES = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);

export function hasDeliveryStatusPart(parts: MimePart[]): boolean {
  return parts.some((p) => STATUS_TYPES.has(p.contentType));
}

/** The report in `parts`, or undefined when there is no delivery-status part. */
export function readDeliveryReport(parts: MimePart[]): DeliveryReport | undefined {
  const status = parts.find((p) => STATUS_TYPES.has(p.contentType));
  if (!status) return undefined;
  const [perMessage = {}, ...perRecipient] = fieldBlocks(status.body.toString('utf8'));
  const recipient = perRecipient.find((r) => r.action === 'failed') ?? perRecipient[0] ?? {};
  const original = parts.find((p) => ORIGINAL_TYPES.has(p.contentType));
  const fromOriginal = original && headerValue(splitEntity(original.body.toString('latin1')).headers, 'message-id');
  const envelopeId = perMessage['original-envelope-id'];
  const id = fromOriginal || envelopeId;
  return {
    originalMessageId: id ? bareMessageId(id) : undefined,
    action: (recipient.action ?? '').toLowerCase(),
    detail: [recipient.status, recipient['diagnostic-code']].filter(Boolean).join(' ').replace(/\s+/g, ' '),
  };
}

/** Blocks of `Name: value` fields separated by blank lines; names lower-cased, continuation lines unfolded. */
function fieldBlocks(text: string): Array<Record<string, string>> {
  return text
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => block.replace(/\r?\n[ \t]+/g, ' ').trim())
    .filter((block) => block.length > 0)
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
      }
      return fields;
    });
}
