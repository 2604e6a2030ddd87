/**
 * Journeys 9 and 3, "Ken writes an email, and gets his answer by email" and
 * "one customer, several channels", end to end with the services as
 * separate processes on real NATS and PostgreSQL:
 *
 * an admin gives the tenant a support address and an email queue; Ken's
 * email (with an attachment) arrives over SMTP at the channels service,
 * starts a conversation and is routed to Tom by his email capacity; Tom's
 * reply leaves through an SMTP relay (a real SMTP server in this test that
 * refuses the first attempt, so the retry is seen) threaded on Ken's mail;
 * Ken's answer to it joins the same conversation; his out-of-office reply
 * starts nothing; a bounce is recorded on Tom's message. Mail to an unknown
 * address or over the size limit is refused with SMTP's own codes and
 * writes nothing; while the conversation service is down mail is refused
 * with 451 and the sender's retry is recorded once. Ken's email identity is
 * linked to his verified chat identity, so his timeline shows both channels,
 * and unlinked again. A mailbox kept elsewhere is polled over IMAP (Dovecot).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { DOVECOT_BINARY, startDovecot } from '../../services/channels/src/testSupport/throwawayDovecot';
import { gatewayClient, poll, type GatewayClient } from '../support/gatewayClient';
import { startSmtpRelay, type TestSmtpRelay } from '../support/smtpRelay';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

type Json = Record<string, any>;
const WAIT_MS = 30_000;
const MAX_MAIL_BYTES = 200_000;

describe('journey 9: an email conversation, answered by email', () => {
  const tenant = `mail-${randomUUID().slice(0, 8)}`;
  const support = `support@${tenant}.example`;
  let stack: TestStack;
  let api: GatewayClient;
  let relay: TestSmtpRelay;
  let attachmentsDir: string;
  let admin: { bearer: string };
  let tom: { bearer: string };
  let beats: NodeJS.Timeout | undefined;
  let smtp: Transporter;

  beforeAll(async () => {
    relay = await startSmtpRelay({ greylistFirst: true });
    attachmentsDir = await mkdtemp(join(tmpdir(), 'cc-attachments-'));
    stack = await startTestStack({
      extraEnv: {
        channels: {
          SMTP_RELAY_URL: `smtp://127.0.0.1:${relay.port}`,
          SMTP_MAX_MESSAGE_BYTES: String(MAX_MAIL_BYTES),
          ATTACHMENTS_DIR: attachmentsDir,
          // The test's own IMAP server is on loopback: an operator allows such a range for on-premises mail servers.
          OUTBOUND_ALLOWED_NETWORKS: '127.0.0.0/8',
          IMAP_POLL_INTERVAL_MS: '1000',
        },
      },
    });
    api = gatewayClient(stack.gatewayUrl);
    admin = { bearer: stack.token(tenant, 'ada', ['admin']) };
    tom = { bearer: stack.token(tenant, 'tom', ['agent']) };
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.get('channels')!.smtpPort!, secure: false, ignoreTLS: true });
  });

  afterAll(async () => {
    if (beats) clearInterval(beats);
    smtp?.close();
    await stack?.teardown();
    await relay?.close();
    if (attachmentsDir) await rm(attachmentsDir, { recursive: true, force: true });
  });

  const conversationOf = (id: string) => api.ok<Json>('GET', `/v1/conversations/${id}`, tom);
  const timeline = (customerId: string) => api.ok<Json>('GET', `/v1/customers/${encodeURIComponent(customerId)}/timeline`, tom);
  const mailTo = (to: string, extra: SendMailOptions = {}) =>
    smtp.sendMail({ from: 'Ken Adams <ken@example.com>', to, subject: 'Where is my parcel?', text: 'Hello, my order #1234 has not arrived.', ...extra });

  it('receives, routes, answers, threads and records deliveries of email', async () => {
    // ── The admin sets up the support address and an email queue ──────────────
    await api.ok('PUT', '/v1/admin/queues/email', admin, { name: 'Email', channel: 'email', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 0, averageHandleSeconds: 600 });
    await api.ok('PUT', '/v1/admin/agents/tom', admin, { displayName: 'Tom', languages: ['en'], capacity: { chat: 1, email: 2 }, translationEnabled: false, teamIds: [] });
    const endpoint = await api.ok<Json>('PUT', `/v1/admin/channels/email/${encodeURIComponent(support)}`, admin, { queueId: 'email', fromName: 'Shop Support', language: 'en' });
    expect(endpoint.endpoint).toMatchObject({ channel: 'email', endpointId: support, fromAddress: support, queueId: 'email', hasImapPassword: false });
    await api.ok('PUT', '/v1/agents/me/status', tom, { status: 'online' });
    const beat = () => api.ok<Json>('POST', '/v1/agents/me/heartbeat', tom, { connectionId: 'desk' });
    await beat();
    beats = setInterval(() => void beat().catch(() => undefined), 5_000);

    // ── Ken writes, with a photo of the label ────────────────────────────────
    const photo = Buffer.from('\x89PNG\r\n\x1a\n fake label photo');
    const sent = await mailTo(support, { messageId: '<ken-1@example.com>', attachments: [{ filename: 'label.png', content: photo, contentType: 'image/png' }] });
    expect(sent.accepted).toEqual([support]);
    const started = await poll(async () => (await timeline('email:ken@example.com')).entries?.[0], WAIT_MS, "Ken's email conversation");
    const conversationId = String(started.conversation.conversationId);
    expect(started.conversation).toMatchObject({ channel: 'email', channelProvider: 'email', subject: 'Where is my parcel?', customerId: 'email:ken@example.com' });

    // Routing gives it to Tom by his email capacity.
    const assigned = await poll(async () => {
      const c = await conversationOf(conversationId);
      return c.assignedAgentId === 'tom' ? c : undefined;
    }, WAIT_MS, 'the email conversation assigned to Tom');
    const kenMessage = assigned.messages[0];
    expect(kenMessage).toMatchObject({ authorKind: 'customer', text: expect.stringContaining('order #1234 has not arrived') });
    expect(kenMessage.attachments).toEqual([expect.objectContaining({ name: 'label.png', contentType: 'image/png', sizeBytes: photo.length })]);
    // The file is served to the tenant's staff as a download, and to nobody else.
    const file = await fetch(`${stack.gatewayUrl}${kenMessage.attachments[0].url}`, { headers: { authorization: `Bearer ${tom.bearer}` } });
    expect([file.status, file.headers.get('content-type'), file.headers.get('content-disposition')]).toEqual([200, 'image/png', 'attachment; filename="label.png"']);
    expect(Buffer.from(await file.arrayBuffer()).equals(photo)).toBe(true);
    const intruder = await fetch(`${stack.gatewayUrl}${kenMessage.attachments[0].url}`, { headers: { authorization: `Bearer ${stack.token('other-tenant', 'mallory', ['admin'])}` } });
    expect(intruder.status).toBe(404);

    // ── Tom answers; the relay greylists the first attempt, the retry goes out ─
    const reply = await api.ok<Json>('POST', `/v1/conversations/${conversationId}/messages`, tom, { text: 'Hi Ken, your parcel left our warehouse today.' });
    const failedFirst = await poll(async () => {
      const m = (await conversationOf(conversationId)).messages.find((x: Json) => x.messageId === reply.messageId);
      return m?.delivery ? m : undefined;
    }, WAIT_MS, 'a delivery status on Tom\'s reply');
    expect(failedFirst.delivery).toMatchObject({ status: expect.stringMatching(/failed|sent/) });
    const out = await poll(async () => relay.received[0], WAIT_MS, "Tom's reply at the relay");
    expect(out.from?.value[0]).toMatchObject({ address: support, name: 'Shop Support' });
    expect((out.to as { value: { address: string }[] }).value[0]!.address).toBe('ken@example.com');
    expect(out.subject).toBe('Re: Where is my parcel?');
    expect(out.inReplyTo).toBe('<ken-1@example.com>');
    expect([out.references].flat()).toContain('<ken-1@example.com>');
    const replyTo = (out.replyTo as { value: { address: string }[] }).value[0]!.address;
    expect(replyTo).toMatch(new RegExp(`^support\\+c-[a-z0-9]+@${tenant}\\.example$`));
    expect(out.headers.get('auto-submitted')).toBeUndefined();
    const history = await poll(async () => {
      const m = (await conversationOf(conversationId)).messages.find((x: Json) => x.messageId === reply.messageId);
      return m?.delivery?.status === 'sent' ? m : undefined;
    }, WAIT_MS, "Tom's reply recorded as sent");
    expect(history.delivery.willRetry).toBe(false);
    const events = await api.ok<Json>('GET', `/v1/conversations/${conversationId}/history`, tom);
    const deliveries = events.events.filter((e: Json) => e.type.endsWith('MessageDeliveryUpdated')).map((e: Json) => [e.data.status, e.data.willRetry ?? false]);
    // The greylisted attempt (failed, will retry), then sent, each an event of the conversation.
    expect(deliveries).toEqual([['DELIVERY_STATUS_FAILED', true], ['DELIVERY_STATUS_SENT', false]]);

    // ── Ken answers from his phone: his reply joins the conversation ─────────
    await mailTo(replyTo, { subject: 'Re: Where is my parcel?', text: 'Thanks! Can you send the tracking number?', inReplyTo: out.messageId, references: [out.messageId!], messageId: '<ken-2@example.com>' });
    await poll(async () => ((await conversationOf(conversationId)).messages.some((m: Json) => m.text.includes('tracking number')) ? true : undefined), WAIT_MS, "Ken's reply in the conversation");

    // ── His out-of-office reply, later, starts nothing ───────────────────────
    await mailTo(support, { subject: 'Out of office: Where is my parcel?', text: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' }, messageId: '<ken-ooo@example.com>' });
    // ── A bounce for Tom's reply is recorded on it ───────────────────────────
    await smtp.sendMail({ envelope: { from: 'MAILER-DAEMON@mx.example.com', to: support }, raw: bounceFor(support, out.messageId!) });
    await poll(async () => {
      const m = (await conversationOf(conversationId)).messages.find((x: Json) => x.messageId === reply.messageId);
      return m?.delivery?.status === 'bounced' ? m : undefined;
    }, WAIT_MS, "the bounce recorded on Tom's reply");
    const after = await timeline('email:ken@example.com');
    expect(after.entries).toHaveLength(1);
    expect((await conversationOf(conversationId)).messages.filter((m: Json) => m.authorKind === 'customer')).toHaveLength(2);

    // ── Refused with SMTP's own codes, nothing written ───────────────────────
    await expect(mailTo(`nobody@${tenant}.example`, { messageId: '<ken-3@example.com>' })).rejects.toMatchObject({ responseCode: 550 });
    await expect(mailTo(support, { messageId: '<ken-4@example.com>', text: 'x'.repeat(MAX_MAIL_BYTES + 10_000) })).rejects.toMatchObject({ responseCode: 552 });
    expect((await timeline('email:ken@example.com')).entries).toHaveLength(1);
    expect((await conversationOf(conversationId)).messages.filter((m: Json) => m.authorKind === 'customer')).toHaveLength(2);

    // ── One customer: Ken's verified chat identity and his email ─────────────
    const chat = await api.ok<Json>('POST', '/v1/conversations', tom, { channel: 'chat', customerId: 'ken-42', language: 'en', subject: 'Tracking' });
    await api.ok('POST', `/v1/conversations/${chat.conversationId}/identities`, tom, { customerId: 'email:ken@example.com', method: 'agent', reason: 'same order number #1234' });
    const joined = await poll(async () => {
      const t = await timeline('ken-42');
      return t.entries.length === 2 ? t : undefined;
    }, WAIT_MS, "Ken's timeline with both channels");
    expect(joined.entries.map((e: Json) => e.conversation.channel).sort()).toEqual(['chat', 'email']);
    const noReason = await api.call('POST', `/v1/conversations/${chat.conversationId}/identities/unlink`, tom, { customerId: 'email:ken@example.com' });
    expect([noReason.status, (noReason.json as Json)?.detail ?? '']).toEqual([400, expect.stringContaining('reason')]);
    await api.ok('POST', `/v1/conversations/${chat.conversationId}/identities/unlink`, tom, { customerId: 'email:ken@example.com', reason: 'checked: a different Ken' });
    await poll(async () => ((await timeline('ken-42')).entries.length === 1 ? true : undefined), WAIT_MS, "Ken's timeline parted again");
  });

  it('answers 451 while the conversation service is down, so the sender retries, and records the retry once', async () => {
    await stack.kill('conversation');
    try {
      const down = mailTo(support, { from: 'Lee <lee@example.com>', subject: 'Refund', text: 'I would like a refund.', messageId: '<lee-1@example.com>' });
      await expect(down).rejects.toMatchObject({ responseCode: 451 });
    } finally {
      await stack.restart('conversation');
    }
    // The sending server tries again later, with the same message.
    const again = await poll(
      () => mailTo(support, { from: 'Lee <lee@example.com>', subject: 'Refund', text: 'I would like a refund.', messageId: '<lee-1@example.com>' }).catch(() => undefined),
      WAIT_MS,
      'the mail accepted once the conversation service is back',
    );
    expect(again.accepted).toEqual([support]);
    await mailTo(support, { from: 'Lee <lee@example.com>', subject: 'Refund', text: 'I would like a refund.', messageId: '<lee-1@example.com>' });
    const entry = await poll(async () => (await timeline('email:lee@example.com')).entries?.[0], WAIT_MS, "Lee's conversation");
    const read = await conversationOf(String(entry.conversation.conversationId));
    expect(read.messages.filter((m: Json) => m.authorKind === 'customer').map((m: Json) => m.text)).toEqual(['I would like a refund.']);
    expect((await timeline('email:lee@example.com')).entries).toHaveLength(1);
  });

  it('polls a mailbox the tenant keeps elsewhere over IMAP, and refuses a mailbox at a private or metadata address', async () => {
    if (!existsSync(DOVECOT_BINARY)) {
      if (process.env.CI) throw new Error(`Dovecot is required in CI (${DOVECOT_BINARY}; Debian package dovecot-imapd)`);
      process.stdout.write('skipping the IMAP part: dovecot-imapd is not installed\n');
      return;
    }
    const dovecot = await startDovecot();
    try {
      const address = `orders@${tenant}.example`;
      const refused = await api.call('PUT', `/v1/admin/channels/email/${encodeURIComponent(address)}`, admin, { queueId: 'email', imap: { url: 'imap://169.254.169.254:143', username: 'x', password: 'y' } });
      expect([refused.status, (refused.json as Json).field]).toEqual([400, 'imap.url']);
      const privateHost = await api.call('PUT', `/v1/admin/channels/email/${encodeURIComponent(address)}`, admin, { queueId: 'email', imap: { url: 'imap://10.20.30.40:143', username: 'x', password: 'y' } });
      expect([privateHost.status, (privateHost.json as Json).field]).toEqual([400, 'imap.url']);
      const saved = await api.ok<Json>('PUT', `/v1/admin/channels/email/${encodeURIComponent(address)}`, admin, {
        queueId: 'email',
        imap: { url: `imap://127.0.0.1:${dovecot.port}`, username: dovecot.user, password: dovecot.pass },
      });
      expect(saved.endpoint).toMatchObject({ hasImapPassword: true, imap: { url: `imap://127.0.0.1:${dovecot.port}`, username: dovecot.user } });
      expect(JSON.stringify(saved)).not.toContain(dovecot.pass);

      const mailbox = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
      await mailbox.connect();
      try {
        await mailbox.append('INBOX', `From: Ana <ana@example.com>\r\nTo: ${address}\r\nSubject: Invoice copy\r\nMessage-ID: <ana-1@example.com>\r\n\r\nCould you send me a copy of my invoice?\r\n`);
        const entry = await poll(async () => (await timeline('email:ana@example.com')).entries?.[0], WAIT_MS, "Ana's polled email as a conversation");
        expect(entry.conversation).toMatchObject({ channel: 'email', subject: 'Invoice copy' });
        // Marked seen only once recorded: the next poll does not record it again.
        const seen = await poll(async () => {
          const lock = await mailbox.getMailboxLock('INBOX');
          try {
            const msg = await mailbox.fetchOne('1', { flags: true });
            return msg && msg.flags?.has('\\Seen') ? true : undefined;
          } finally {
            lock.release();
          }
        }, WAIT_MS, 'the polled mail marked seen');
        expect(seen).toBe(true);
        await new Promise((r) => setTimeout(r, 2_500));
        expect((await conversationOf(String(entry.conversation.conversationId))).messages).toHaveLength(1);
      } finally {
        await mailbox.logout();
      }
    } finally {
      await api.call('DELETE', `/v1/admin/channels/email/${encodeURIComponent(`orders@${tenant}.example`)}`, admin);
      await dovecot.stop();
    }
  });
});

/** A Postfix-style delivery status notification for the message `messageId` sent from `from`. */
function bounceFor(from: string, messageId: string): string {
  const boundary = 'bounce-boundary-1';
  return [
    'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
    `To: ${from}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'Message-Id: <bounce-1@mx.example.com>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered.',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.com',
    '',
    'Final-Recipient: rfc822; ken@example.com',
    'Action: failed',
    'Status: 5.2.2',
    'Diagnostic-Code: smtp; 552 5.2.2 mailbox full',
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${from}`,
    'To: ken@example.com',
    `Message-ID: ${messageId}`,
    'Subject: Re: Where is my parcel?',
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
