import { ImapFlow } from 'imapflow';
import { doublingDelay, sleepUnlessAborted, type Logger } from '@contactcenter/infra';
import type { InboundSink } from '../channel/adapter';
import { receiveMail } from './receiveMail';

/**
 * For tenants who keep their support mailbox at their own provider: reads
 * unseen mail from INBOX and hands it to the pipeline. A message is marked
 * \Seen (or moved) only after the pipeline recorded it, so a crash or an
 * unavailable pipeline leaves it unseen and it is read again on the next pass.
 * Mail that can never be recorded (malformed, refused) is marked \Seen and
 * \Flagged so it is not read forever and a person can find it.
 *
 * @example
 *   const poller = new ImapPoller({ endpointId: 'support@shop.example', imap: { host, port: 993, secure: true, auth: { user, pass } }, sink, logger });
 *   poller.start();
 *   onShutdown(() => poller.stop());
 */
export interface ImapPollerOptions {
  /** The support address this mailbox receives (lower case). */
  endpointId: string;
  /** `tls.servername`: the mailbox's host name when `host` is its checked address, so TLS still verifies the name. */
  imap: { host: string; port: number; secure: boolean; auth: { user: string; pass: string }; tls?: { servername: string } };
  sink: InboundSink;
  logger: Logger;
  /** How often to look when the server does not announce new mail by IDLE (default 60 s). */
  pollIntervalMs?: number;
  /** Move recorded mail into this folder instead of marking it \Seen. */
  moveTo?: string;
  reconnect?: { minMs: number; maxMs: number };
}

export class ImapPoller {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  /** Passes that finished reading everything unseen; tests wait on it. */
  passes = 0;

  constructor(private readonly options: ImapPollerOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { logger, reconnect = { minMs: 500, maxMs: 60_000 } } = this.options;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      // IDLE soon after a pass, so new mail is announced instead of waiting for the next poll.
      const client = new ImapFlow({ ...this.options.imap, logger: false, autoIdleDelay: 1_000 });
      client.on('error', (err) => logger.warn({ err, mailbox: this.options.endpointId }, 'IMAP connection error'));
      try {
        await client.connect();
        await client.mailboxOpen('INBOX');
        failures = 0;
        await this.followMailbox(client);
      } catch (err) {
        failures++;
        if (!this.abort.signal.aborted) logger.warn({ err, mailbox: this.options.endpointId, attempt: failures }, 'IMAP mailbox unavailable; reconnecting');
      } finally {
        await client.logout().catch(() => client.close());
      }
      if (failures > 0) await sleepUnlessAborted(doublingDelay(failures, { min: reconnect.minMs, max: reconnect.maxMs }), this.abort.signal);
    }
  }

  /** Reads what is unseen, then waits for the server to announce mail (IDLE), the poll interval, or a stop. */
  private async followMailbox(client: ImapFlow): Promise<void> {
    while (!this.abort.signal.aborted && client.usable) {
      let wake = () => {};
      const announced = new Promise<void>((resolve) => (wake = resolve));
      client.on('exists', wake);
      client.on('close', wake);
      try {
        await this.readUnseen(client);
        this.passes++;
        await Promise.race([announced, sleepUnlessAborted(this.options.pollIntervalMs ?? 60_000, this.abort.signal)]);
      } finally {
        client.off('exists', wake);
        client.off('close', wake);
      }
    }
    if (!client.usable && !this.abort.signal.aborted) throw new Error('IMAP connection closed');
  }

  private async readUnseen(client: ImapFlow): Promise<void> {
    const { endpointId, sink, logger, moveTo } = this.options;
    const uids = (await client.search({ seen: false }, { uid: true })) || [];
    for (const uid of uids) {
      if (this.abort.signal.aborted) return;
      const mail = await client.fetchOne(String(uid), { source: true, internalDate: true }, { uid: true });
      if (!mail || !mail.source) continue;
      const receivedAt = mail.internalDate instanceof Date ? mail.internalDate : new Date();
      const intake = await receiveMail(mail.source, { endpoints: [endpointId], receivedAt }, sink, logger);
      if (intake.kind === 'refused' && intake.reason === 'unavailable') {
        logger.warn({ mailbox: endpointId, uid, detail: intake.detail }, 'pipeline unavailable; mail left unseen');
        return;
      }
      if (intake.kind === 'refused') {
        logger.info({ mailbox: endpointId, uid, reason: intake.reason, detail: intake.detail }, 'email refused; flagged in the mailbox');
        await client.messageFlagsAdd(String(uid), ['\\Seen', '\\Flagged'], { uid: true });
      } else if (moveTo) {
        await client.messageMove(String(uid), moveTo, { uid: true });
      } else {
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    }
  }
}
