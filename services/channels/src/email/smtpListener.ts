import { isIP } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '@contactcenter/infra';
import type { EndpointDirectory, InboundSink } from '../channel/adapter';
import { normalizeAddress, splitSupportAddress } from './addresses';
import { receiveMail, type MailIntake } from './receiveMail';

/**
 * The inbound MX for tenants' support addresses. Mail is refused as early as
 * SMTP allows (unknown recipient at RCPT TO, a declared size at MAIL FROM)
 * and accepted with 250 only once the pipeline has it, so a sender keeps the
 * responsibility for a message until it is safely recorded.
 *
 * @example
 *   const smtp = await startSmtpListener({ host: '0.0.0.0', port: 25, maxMessageBytes: 25 << 20, directory, sink, logger });
 *   onShutdown(() => smtp.close());
 */
export interface SmtpListenerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  maxMessageBytes: number;
  directory: EndpointDirectory;
  sink: InboundSink;
  logger: Logger;
  metrics?: Registry;
  /** Offers STARTTLS with this certificate; without it mail arrives unencrypted (loopback, or behind a TLS-terminating MX). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

type RefusalReason = 'unknown_recipient' | 'too_large' | 'malformed' | 'invalid' | 'unavailable';

/** A refusal with the SMTP reply code smtp-server sends back. */
export class SmtpRefusal extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SmtpRefusal';
  }
}

export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const { directory, sink, logger, maxMessageBytes } = options;
  const refused = refusalCounter(options.metrics ?? new Registry());
  const refuse = (reason: RefusalReason, code: number, message: string, session: SMTPServerSession) => {
    refused.inc({ reason });
    logger.info({ reason, code, remote: session.remoteAddress, from: session.envelope.mailFrom || undefined, detail: message }, 'email refused');
    return new SmtpRefusal(code, message);
  };
  if (!options.tls && !isLoopback(options.host)) logger.warn({ host: options.host }, 'SMTP listener without TLS: mail arrives unencrypted');

  const server = new SMTPServer({
    name: 'channels',
    size: maxMessageBytes,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideSTARTTLS: !options.tls,
    ...(options.tls ?? {}),
    logger: false,
    onRcptTo(address, session, callback) {
      const { base } = splitSupportAddress(address.address);
      directory.find('email', base).then(
        (endpoint) => callback(endpoint ? undefined : refuse('unknown_recipient', 550, `5.1.1 <${address.address}>: no such mailbox here`, session)),
        (err: unknown) => {
          logger.warn({ err, recipient: base }, 'endpoint directory unavailable');
          callback(refuse('unavailable', 451, '4.3.0 cannot check the recipient now, try again later', session));
        },
      );
    },
    onData(stream, session, callback) {
      readLimited(stream, maxMessageBytes).then(
        async (raw) => {
          if (stream.sizeExceeded || !raw) return callback(refuse('too_large', 552, `5.3.4 message exceeds ${maxMessageBytes} bytes`, session));
          const envelopeTo = session.envelope.rcptTo.map((r) => normalizeAddress(r.address));
          const endpoints = [...new Set(envelopeTo.map((r) => splitSupportAddress(r).base))];
          const intake = await receiveMail(raw, { endpoints, envelopeTo, receivedAt: new Date() }, sink, logger);
          if (intake.kind === 'accepted') return callback(null, `2.0.0 accepted (${intake.handled})`);
          const [code, text] = REPLIES[intake.reason];
          callback(refuse(intake.reason === 'unknown_endpoint' ? 'unknown_recipient' : intake.reason, code, `${text}: ${intake.detail}`, session));
        },
        (err: unknown) => callback(refuse('unavailable', 451, `4.3.0 ${err instanceof Error ? err.message : 'internal error'}`, session)),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn({ err }, 'SMTP connection error'));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const REPLIES: Record<Extract<MailIntake, { kind: 'refused' }>['reason'], [number, string]> = {
  malformed: [554, '5.6.0 malformed message'],
  invalid: [554, '5.6.0 message not accepted'],
  unknown_endpoint: [550, '5.1.1 no such mailbox here'],
  unavailable: [451, '4.3.0 temporarily unable to accept the message, try again later'],
};

/** Reads the DATA stream; past the limit it keeps draining (the client is still sending) but stops buffering. */
async function readLimited(stream: SMTPServerDataStream, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

function refusalCounter(registry: Registry): Counter<'reason'> {
  const name = 'channels_email_refused_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'reason'>;
  return new Counter({ name, help: 'Inbound emails refused, by reason', labelNames: ['reason'], registers: [registry] });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
