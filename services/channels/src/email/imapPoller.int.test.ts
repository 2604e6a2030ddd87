import { existsSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { createLogger } from '@contactcenter/infra';
import { InMemoryDirectory, InMemorySink } from '../testSupport/inMemoryPipeline';
import { ImapPoller } from './imapPoller';
import { DOVECOT_BINARY, startDovecot, type ThrowawayDovecot } from '../testSupport/throwawayDovecot';

const logger = createLogger('imap-test', 'silent');
const directory = new InMemoryDirectory([{ tenantId: 't-1', channel: 'email', endpointId: 'support@shop.example', queueId: '' }]);
let dovecot: ThrowawayDovecot;
let mailbox: ImapFlow;
const pollers: ImapPoller[] = [];

if (!existsSync(DOVECOT_BINARY)) {
  if (process.env.CI) throw new Error(`Dovecot is required in CI: ${DOVECOT_BINARY} is missing (Debian package dovecot-imapd)`);
  process.stdout.write(`skipping the IMAP poller tests: ${DOVECOT_BINARY} is missing (Debian package dovecot-imapd)\n`);
}
const describeWithDovecot = existsSync(DOVECOT_BINARY) ? describe : describe.skip;

describeWithDovecot('ImapPoller against Dovecot', () => {
  beforeAll(async () => {
    dovecot = await startDovecot();
    mailbox = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await mailbox.connect();
    await mailbox.mailboxCreate('Handled');
  });
  afterAll(async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await mailbox?.logout();
    await dovecot?.stop();
  });

  const poller = (sink: InMemorySink, extra: { pollIntervalMs?: number; moveTo?: string } = {}) => {
    const p = new ImapPoller({
      endpointId: 'support@shop.example',
      imap: { host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass } },
      sink,
      logger,
      pollIntervalMs: extra.pollIntervalMs ?? 100,
      moveTo: extra.moveTo,
    });
    pollers.push(p);
    p.start();
    return p;
  };
  const append = async (subject: string, body = 'Where is my order?') => {
    const raw = `From: Ken <ken@example.com>\r\nTo: support@shop.example\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@example.com>\r\n\r\n${body}\r\n`;
    const res = await mailbox.append('INBOX', raw);
    return res && res.uid;
  };
  const flagsOf = async (subject: string) => {
    const lock = await mailbox.getMailboxLock('INBOX');
    try {
      const uids = (await mailbox.search({ subject }, { uid: true })) || [];
      const msg = uids[0] ? await mailbox.fetchOne(String(uids[0]), { flags: true }, { uid: true }) : false;
      return msg ? [...(msg.flags ?? [])].sort() : undefined;
    } finally {
      lock.release();
    }
  };
  const until = async (what: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await what()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await what()).toBe(true);
  };

  it('records unseen mail and marks it \\Seen; flags mail that can never be recorded', async () => {
    const sink = new InMemorySink(directory);
    await append('order one');
    await mailbox.append('INBOX', 'From: ken@example.com\r\nSubject: broken\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n');
    const p = poller(sink);
    await until(() => sink.messages.length === 1 && p.passes > 0);
    expect(sink.messages[0]).toMatchObject({ endpointId: 'support@shop.example', subject: 'order one', externalMessageId: 'order-one@example.com' });
    await until(async () => (await flagsOf('order one'))?.includes('\\Seen') === true);
    expect(await flagsOf('broken')).toEqual(['\\Flagged', '\\Seen']);
    await p.stop();
  });

  it('leaves mail unseen while the pipeline is unavailable and records it once it is back', async () => {
    const sink = new InMemorySink(directory);
    sink.unavailable = true;
    await append('order two');
    const p = poller(sink);
    await until(() => p.passes >= 2);
    expect(sink.messages).toHaveLength(0);
    expect(await flagsOf('order two')).not.toContain('\\Seen');
    sink.unavailable = false;
    await until(() => sink.messages.length === 1);
    await until(async () => (await flagsOf('order two'))?.includes('\\Seen') === true);
    await p.stop();
  });

  it('hears of new mail by IDLE without waiting for the next poll, and moves it when told to', async () => {
    const sink = new InMemorySink(directory);
    const p = poller(sink, { pollIntervalMs: 10 * 60_000, moveTo: 'Handled' });
    await until(() => p.passes >= 1);
    await append('order three');
    await until(() => sink.messages.some((m) => m.subject === 'order three'));
    await until(async () => (await flagsOf('order three')) === undefined);
    const status = await mailbox.status('Handled', { messages: true });
    expect(status && status.messages).toBe(1);
    await p.stop();
  });
});
