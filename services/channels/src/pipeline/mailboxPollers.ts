import type { Logger } from '@contactcenter/infra';
import { RefusedAddressError, type OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import type { InboundSink } from '../channel/adapter';
import { ImapPoller } from '../email/imapPoller';
import type { ChannelStore } from './channelStore';

const DEFAULT_PORTS = { 'imap:': 143, 'imaps:': 993 } as const;
/** Other replicas' changes to endpoints are picked up this often. */
const RESCAN_MS = 60_000;

export interface MailboxPollersDeps {
  store: ChannelStore;
  policy: OutboundAddressPolicy;
  sink: InboundSink;
  logger: Logger;
  pollIntervalMs: number;
}

/**
 * One IMAP poller per email endpoint that has a mailbox to poll, kept in
 * step with the endpoints. Each mailbox host is resolved and checked against
 * the outbound address policy before the poller connects, and the poller
 * dials the checked address (TLS still verifies the host's name), so a name
 * that later resolves to a private address is never dialled. Every replica
 * polls: a message is recorded once whoever reads it first (it is keyed by
 * its Message-ID), and it is marked seen only after it was recorded.
 */
export class MailboxPollers {
  private readonly running = new Map<string, { signature: string; poller: ImapPoller }>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MailboxPollersDeps) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), RESCAN_MS);
    this.timer.unref();
  }

  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.sync()).catch((err: unknown) => this.deps.logger.warn({ err }, 'mailbox list not refreshed'));
    return this.refreshing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    await Promise.all([...this.running.values()].map((r) => r.poller.stop()));
    this.running.clear();
  }

  private async sync(): Promise<void> {
    const wanted = new Map<string, { signature: string; start: () => Promise<ImapPoller | undefined> }>();
    for (const endpoint of await this.deps.store.listEmailEndpoints()) {
      const imap = endpoint.imap;
      if (!imap) continue;
      const signature = JSON.stringify([endpoint.tenantId, imap.url, imap.username, imap.password, imap.mailbox]);
      wanted.set(endpoint.endpointId, { signature, start: () => this.startPoller(endpoint.endpointId, imap) });
    }
    for (const [id, r] of this.running) {
      if (wanted.get(id)?.signature !== r.signature) {
        await r.poller.stop();
        this.running.delete(id);
      }
    }
    for (const [id, w] of wanted) {
      if (this.running.has(id)) continue;
      const poller = await w.start();
      if (poller) this.running.set(id, { signature: w.signature, poller });
    }
  }

  private async startPoller(endpointId: string, imap: { url: string; username: string; password: string; mailbox: string }): Promise<ImapPoller | undefined> {
    const url = new URL(imap.url);
    const secure = url.protocol === 'imaps:';
    let address: string;
    try {
      address = (await this.deps.policy.resolveAllowed(url.hostname))[0]!.address;
    } catch (err) {
      const why = err instanceof RefusedAddressError ? err.detail : 'its host does not resolve';
      this.deps.logger.warn({ mailbox: endpointId, host: url.hostname, why }, 'mailbox not polled');
      return undefined;
    }
    const poller = new ImapPoller({
      endpointId,
      imap: {
        host: address,
        port: Number(url.port) || DEFAULT_PORTS[url.protocol as keyof typeof DEFAULT_PORTS],
        secure,
        auth: { user: imap.username, pass: imap.password },
        ...(secure ? { tls: { servername: url.hostname } } : {}),
      },
      sink: this.deps.sink,
      logger: this.deps.logger,
      pollIntervalMs: this.deps.pollIntervalMs,
    });
    poller.start();
    this.deps.logger.info({ mailbox: endpointId, host: url.hostname }, 'polling mailbox');
    return poller;
  }
}
