import { fileURLToPath } from 'node:url';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Logger } from '@contactcenter/infra';
import type { ChannelAdapter, OutboundMessage, SendResult } from '../channel/adapter';
import { addressDomain, bareMessageId, replyToAddress } from './addresses';

export interface EmailAdapterOptions {
  /** `smtp://user:pass@host:port` (or `smtps://`); without it mail is only logged, for development. */
  relayUrl?: string;
  logger: Logger;
}

/**
 * Sends agents' replies by email through the tenant's relay, threaded so the
 * customer's mail client shows one conversation: Message-ID on the sending
 * domain, In-Reply-To and References from the thread, and a Reply-To carrying
 * the conversation's token. `Auto-Submitted` is not set: a person wrote it.
 *
 * @example
 *   const email = new EmailAdapter({ relayUrl: config.smtpRelayUrl, logger });
 *   const result = await email.send(outbound); // { ok: true, externalMessageId: 'm-42@shop.example' }
 */
export class EmailAdapter implements ChannelAdapter {
  readonly channels = ['email'] as const;
  private readonly transport: Transporter;
  private readonly logOnly: boolean;

  constructor(private readonly options: EmailAdapterOptions) {
    this.logOnly = !options.relayUrl;
    this.transport = options.relayUrl ? nodemailer.createTransport(options.relayUrl) : nodemailer.createTransport({ streamTransport: true, buffer: true });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const from = message.endpoint.fromAddress ?? (message.endpoint.endpointId.includes('@') ? message.endpoint.endpointId : undefined);
    if (!from) return refused('no_from_address', `endpoint ${message.endpoint.endpointId} has no From address`);
    if (!message.to.startsWith('email:')) return refused('invalid_recipient', `${message.to} is not an email identity`);
    const mail = composeReply(message, from);
    try {
      const info = await this.transport.sendMail(mail);
      if (this.logOnly) {
        this.options.logger.info({ to: mail.to, subject: mail.subject, messageId: mail.messageId, bytes: (info.message as Buffer).length }, 'email not sent: no SMTP relay configured');
        return { ok: true, externalMessageId: bareMessageId(mail.messageId!), note: 'logged only: no SMTP relay is configured (SMTP_RELAY_URL)' };
      }
      return { ok: true, externalMessageId: bareMessageId(mail.messageId!) };
    } catch (err) {
      const result = sendFailure(err);
      this.options.logger.warn({ err, conversationId: message.conversationId, code: result.code }, 'email send failed');
      return result;
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** The nodemailer message for an agent's reply (exported for tests of threading). */
export function composeReply(message: OutboundMessage, from: string): SendMailOptions {
  const domain = addressDomain(from) || 'localhost';
  const messageId = `<${message.messageId.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, '-')}@${domain}>`;
  const references = (message.thread?.references ?? []).map((id) => `<${bareMessageId(id)}>`);
  const subject = message.thread?.subject ?? '';
  const to = message.to.slice('email:'.length);
  return {
    from: message.endpoint.fromName ? { name: message.endpoint.fromName, address: from } : from,
    to,
    subject: subject && !/^re:/i.test(subject.trim()) ? `Re: ${subject}` : subject,
    text: message.text,
    messageId,
    inReplyTo: references.at(-1),
    references: references.length ? references : undefined,
    replyTo: message.thread?.replyToken ? replyToAddress(from, message.thread.replyToken) : undefined,
    // A relay that supports DSN names our Message-ID in its bounce, which is how a bounce finds this message.
    dsn: { id: bareMessageId(messageId), return: 'headers', notify: ['failure'], recipient: to },
    attachments: message.attachments?.map((a) => ({
      filename: a.name,
      contentType: a.contentType,
      path: a.url.startsWith('file:') ? fileURLToPath(a.url) : a.url,
    })),
  };
}

/** SMTP 4xx and connection problems may succeed later; 5xx and bad input will not. */
export function sendFailure(err: unknown): Extract<SendResult, { ok: false }> {
  const e = err as { responseCode?: number; code?: string; response?: string; message?: string };
  const detail = e.response ?? e.message ?? String(err);
  if (typeof e.responseCode === 'number') {
    return { ok: false, retryable: e.responseCode < 500, code: `smtp_${e.responseCode}`, detail };
  }
  const transient = ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL'];
  const code = e.code ?? 'unknown';
  return { ok: false, retryable: transient.includes(code) || code === 'unknown', code: code.toLowerCase(), detail };
}

function refused(code: string, detail: string): SendResult {
  return { ok: false, retryable: false, code, detail };
}
