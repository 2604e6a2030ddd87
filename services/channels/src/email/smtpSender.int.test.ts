import { createServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '@contactcenter/infra';
import type { OutboundMessage } from '../channel/adapter';
import { EmailAdapter } from './smtpSender';

const logger = createLogger('smtp-sender-test', 'silent');
const received: Array<{ from: string; to: string[]; raw: Buffer; user?: string }> = [];
let relay: SMTPServer;
let relayPort: number;
const adapters: EmailAdapter[] = [];

/** A relay that refuses `busy@` with 451 and `gone@` with 550, like a real MTA would at RCPT TO. */
beforeAll(async () => {
  relay = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, cb) => (auth.username === 'relay' && auth.password === 's3cret' ? cb(null, { user: 'relay' }) : cb(new Error('bad credentials'))),
    onRcptTo: (address, _session, cb) => {
      const local = address.address.split('@')[0];
      if (local === 'busy') return cb(Object.assign(new Error('4.2.1 mailbox busy, try later'), { responseCode: 451 }));
      if (local === 'gone') return cb(Object.assign(new Error('5.1.1 user unknown'), { responseCode: 550 }));
      cb();
    },
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks), user: session.user as string });
        cb(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayPort = (relay.server.address() as { port: number }).port;
});
afterAll(async () => {
  adapters.forEach((a) => a.close());
  await new Promise<void>((resolve) => relay.close(() => resolve()));
});

const adapter = (relayUrl?: string) => {
  const a = new EmailAdapter({ relayUrl, logger });
  adapters.push(a);
  return a;
};
const reply = (to: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
  tenantId: 't-1',
  conversationId: 'c-1',
  messageId: 'm-42',
  endpoint: { tenantId: 't-1', channel: 'email', endpointId: 'support@shop.example', queueId: '', fromAddress: 'support@shop.example', fromName: 'Shop Support' },
  to: `email:${to}`,
  text: 'Hello Ken, your order left our warehouse today.',
  thread: { subject: 'Where is my order?', references: ['CAF=abc123@mail.gmail.com', '<msg-7f3a9c@shop.example>'], replyToken: 'tk9x2' },
  ...extra,
});

describe('EmailAdapter', () => {
  it('sends a threaded reply through the relay with the endpoint as sender', async () => {
    const result = await adapter(`smtp://relay:s3cret@127.0.0.1:${relayPort}`).send(reply('ken@example.com'));
    expect(result).toEqual({ ok: true, externalMessageId: 'm-42@shop.example' });
    const mail = received.at(-1)!;
    expect(mail).toMatchObject({ from: 'support@shop.example', to: ['ken@example.com'], user: 'relay' });
    const parsed = await simpleParser(mail.raw);
    expect(parsed.from?.value).toEqual([{ address: 'support@shop.example', name: 'Shop Support' }]);
    expect(parsed.subject).toBe('Re: Where is my order?');
    expect(parsed.messageId).toBe('<m-42@shop.example>');
    expect(parsed.inReplyTo).toBe('<msg-7f3a9c@shop.example>');
    expect(parsed.references).toEqual(['<CAF=abc123@mail.gmail.com>', '<msg-7f3a9c@shop.example>']);
    expect(parsed.replyTo?.value[0]?.address).toBe('support+c-tk9x2@shop.example');
    expect(parsed.headers.has('auto-submitted')).toBe(false);
    expect(parsed.text?.trim()).toBe('Hello Ken, your order left our warehouse today.');
  });

  it('keeps a subject that already starts with Re:', async () => {
    await adapter(`smtp://relay:s3cret@127.0.0.1:${relayPort}`).send(reply('ken@example.com', { thread: { subject: 'RE: Invoice', references: [], replyToken: 'x1' } }));
    const parsed = await simpleParser(received.at(-1)!.raw);
    expect(parsed.subject).toBe('RE: Invoice');
    expect(parsed.inReplyTo).toBeUndefined();
  });

  it('answers a relay 451 as retryable and a 550 as not', async () => {
    const a = adapter(`smtp://relay:s3cret@127.0.0.1:${relayPort}`);
    expect(await a.send(reply('busy@example.com'))).toMatchObject({ ok: false, retryable: true, code: 'smtp_451', detail: expect.stringContaining('mailbox busy') });
    expect(await a.send(reply('gone@example.com'))).toMatchObject({ ok: false, retryable: false, code: 'smtp_550', detail: expect.stringContaining('user unknown') });
  });

  it('answers a relay that cannot be reached as retryable', async () => {
    const closed = await freePort();
    expect(await adapter(`smtp://127.0.0.1:${closed}`).send(reply('ken@example.com'))).toMatchObject({ ok: false, retryable: true, code: 'esocket' });
  });

  it('answers wrong relay credentials as not retryable', async () => {
    expect(await adapter(`smtp://relay:wrong@127.0.0.1:${relayPort}`).send(reply('ken@example.com'))).toMatchObject({ ok: false, retryable: false, code: 'smtp_535' });
  });

  it('refuses a recipient that is not an email identity, and an endpoint without an address', async () => {
    const a = adapter(`smtp://relay:s3cret@127.0.0.1:${relayPort}`);
    expect(await a.send({ ...reply('x'), to: 'whatsapp:+35312345678' })).toMatchObject({ ok: false, retryable: false, code: 'invalid_recipient' });
    const endpoint = { tenantId: 't-1', channel: 'email' as const, endpointId: 'mailbox-7', queueId: '' };
    expect(await a.send({ ...reply('ken@example.com'), endpoint })).toMatchObject({ ok: false, retryable: false, code: 'no_from_address' });
  });

  it('only logs the mail when no relay is configured', async () => {
    const before = received.length;
    expect(await adapter(undefined).send(reply('ken@example.com'))).toEqual({ ok: true, externalMessageId: 'm-42@shop.example', note: expect.stringContaining('no SMTP relay') });
    expect(received).toHaveLength(before);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
