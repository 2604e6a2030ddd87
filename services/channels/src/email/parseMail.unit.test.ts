import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedMailError, parseMail, type ParsedMail } from './parseMail';

const receivedAt = new Date('2025-01-14T12:00:00Z');
const context = { endpoints: ['support@shop.example'], receivedAt };
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

function message(mail: ParsedMail) {
  if (mail.kind !== 'message') throw new Error(`expected a message, got ${mail.kind}`);
  return mail.message;
}

describe('parseMail', () => {
  it('reads a Gmail multipart/alternative message: plain part, lower-cased addresses, bare Message-ID', async () => {
    const m = message(await parseMail(fixture('gmail-alternative.eml'), context));
    expect(m).toMatchObject({
      channel: 'email',
      endpointId: 'support@shop.example',
      externalMessageId: 'CAF=abc123@mail.gmail.com',
      from: { identity: 'email:ken.ito@example.com', displayName: 'Ken Ito' },
      threadKeys: [],
      subject: 'Where is my order?',
      attachments: [],
      receivedAt,
    });
    expect(m.text).toBe('Hello,\n\nmy order #1042 has not arrived yet. Could you check? Merci — Ken');
  });

  it('reduces HTML-only mail to text: scripts and styles dropped, entities decoded, no markup', async () => {
    const m = message(await parseMail(fixture('html-only-script.eml'), context));
    expect(m.text).toContain("I'd like a refund & a receipt.");
    expect(m.text).not.toMatch(/<|>|cookie|alert|color|steal/);
  });

  it('threads a reply by In-Reply-To, then References newest first, quoted history kept', async () => {
    const m = message(await parseMail(fixture('reply-threaded.eml'), context));
    expect(m.threadKeys).toEqual(['msgid:msg-7f3a9c@shop.example', 'msgid:CAF=abc123@mail.gmail.com']);
    expect(m.text).toContain('> Hello Ken, your order left our warehouse today.');
  });

  it('puts the reply-address token first and matches the endpoint without its +token', async () => {
    const m = message(await parseMail(fixture('plus-token-reply.eml'), context));
    expect(m.endpointId).toBe('support@shop.example');
    expect(m.threadKeys).toEqual(['token:tk9x2', 'msgid:msg-7f3a9c@shop.example']);
  });

  it('takes the token from the envelope when the headers do not carry it, and ignores tokens on other addresses', async () => {
    const raw = Buffer.from('From: a@example.com\r\nTo: ken+c-mine@example.com, support@shop.example\r\nSubject: x\r\n\r\nhi\r\n');
    const m = message(await parseMail(raw, { ...context, envelopeTo: ['Support+c-ENV1@shop.example'] }));
    expect(m.threadKeys).toEqual(['token:env1']);
  });

  it('picks the endpoint named in the headers among several accepted ones', async () => {
    const m = message(await parseMail(fixture('gmail-alternative.eml'), { endpoints: ['sales@shop.example', 'support@shop.example'], receivedAt }));
    expect(m.endpointId).toBe('support@shop.example');
  });

  it('classifies an Outlook out-of-office answer as an automatic reply', async () => {
    expect(await parseMail(fixture('outlook-out-of-office.eml'), context)).toEqual({ kind: 'auto_reply', reason: 'Auto-Submitted: auto-replied' });
  });

  it.each([
    ['Precedence: bulk', 'Precedence: bulk'],
    ['Precedence: auto_reply', 'Precedence: auto_reply'],
    ['X-Autoreply: yes', 'x-autoreply present'],
    ['X-Autorespond: on', 'x-autorespond present'],
    ['List-Id: <news.shop.example>', 'list-id present'],
    ['List-Unsubscribe: <mailto:leave@lists.example>', 'list-unsubscribe present'],
  ])('classifies %s as automatic', async (header, reason) => {
    const raw = Buffer.from(`From: a@example.com\r\nTo: support@shop.example\r\n${header}\r\nSubject: x\r\n\r\nhi\r\n`);
    expect(await parseMail(raw, context)).toEqual({ kind: 'auto_reply', reason });
  });

  it('treats Auto-Submitted: no as a person writing', async () => {
    const raw = Buffer.from('From: a@example.com\r\nTo: support@shop.example\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nhi\r\n');
    expect((await parseMail(raw, context)).kind).toBe('message');
  });

  it('reads a Postfix bounce: the original Message-ID, Status and Diagnostic-Code', async () => {
    expect(await parseMail(fixture('postfix-bounce.eml'), context)).toEqual({
      kind: 'bounce',
      update: {
        channel: 'email',
        endpointId: 'support@shop.example',
        externalMessageId: 'msg-7f3a9c@shop.example',
        status: 'bounced',
        at: receivedAt,
        detail: '5.1.1 smtp; 550 5.1.1 <ken@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    });
  });

  it('reads a bounce from MAILER-DAEMON with only text/rfc822-headers, and one naming the message by ENVID', async () => {
    const dsn = (original: string, envid = '') =>
      Buffer.from(
        'From: MAILER-DAEMON@mx.example\r\nTo: support@shop.example\r\nSubject: failure\r\n' +
          'Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nfailed\r\n' +
          `--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n${envid}\r\n` +
          'Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 mailbox full\r\n' +
          `${original}--b1--\r\n`,
      );
    const headersPart = '--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@shop.example\r\nMessage-ID: <sent-1@shop.example>\r\n\r\n';
    const a = await parseMail(dsn(headersPart), context);
    expect(a).toMatchObject({ kind: 'bounce', update: { externalMessageId: 'sent-1@shop.example', detail: '5.2.2 smtp; 552 mailbox full' } });
    const b = await parseMail(dsn('', 'Original-Envelope-Id: sent-2@shop.example\r\n'), context);
    expect(b).toMatchObject({ kind: 'bounce', update: { externalMessageId: 'sent-2@shop.example' } });
  });

  it('does not start a conversation from a delay notice', async () => {
    const raw = fixture('postfix-bounce.eml').toString('latin1').replace('Action: failed', 'Action: delayed');
    expect((await parseMail(Buffer.from(raw, 'latin1'), context)).kind).toBe('auto_reply');
  });

  it('keeps attachments with their names, types and bytes', async () => {
    const m = message(await parseMail(fixture('attachments.eml'), context));
    expect(m.text).toBe('Photo and invoice attached.');
    expect(m.attachments.map((a) => [a.name, a.contentType, a.content.length])).toEqual([
      ['parcel.png', 'image/png', 70],
      ['invoice 1042.pdf', 'application/pdf', 19],
    ]);
    expect(m.attachments[0]!.content.subarray(1, 4).toString()).toBe('PNG');
    expect(m.attachments[1]!.content.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('gives mail without a Message-ID a stable id from its bytes', async () => {
    const raw = Buffer.from('From: a@example.com\r\nTo: support@shop.example\r\nSubject: x\r\n\r\nhi\r\n');
    const a = message(await parseMail(raw, context)).externalMessageId;
    expect(a).toMatch(/^[0-9a-f]{40}@no-message-id\.invalid$/);
    expect(message(await parseMail(Buffer.from(raw), context)).externalMessageId).toBe(a);
  });

  it.each([
    ['empty input', ''],
    ['binary junk without headers', '\x00\x01\x02\xff\xfe junk'],
    ['text without a header section', 'this is not a header\r\nnor this\r\n\r\nbody'],
    ['a multipart without a boundary', 'From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n--abc\r\n\r\nhi\r\n--abc--\r\n'],
    ['a multipart whose boundary never occurs', 'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--abc\r\n\r\nhi\r\n'],
    ['a nested multipart without a boundary', 'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative\r\n\r\nx\r\n--o--\r\n'],
    ['a message without a From address', 'To: support@shop.example\r\nSubject: who?\r\n\r\nhi\r\n'],
  ])('refuses %s as malformed', async (_, raw) => {
    await expect(parseMail(Buffer.from(raw, 'latin1'), context)).rejects.toBeInstanceOf(MalformedMailError);
  });

  it('tolerates what mailparser tolerates: a truncated multipart keeps the text that arrived', async () => {
    const raw = 'From: a@example.com\r\nTo: support@shop.example\r\nContent-Type: multipart/mixed; boundary="abc"\r\n\r\n--abc\r\nContent-Type: text/plain\r\n\r\nhi there';
    expect(message(await parseMail(Buffer.from(raw), context)).text).toBe('hi there');
  });
});
