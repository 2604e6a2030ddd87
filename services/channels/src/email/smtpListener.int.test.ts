import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { Registry } from 'prom-client';
import { createLogger } from '@contactcenter/infra';
import { InMemoryDirectory, InMemorySink } from '../testSupport/inMemoryPipeline';
import { startSmtpListener, type SmtpListener } from './smtpListener';

const directory = new InMemoryDirectory([{ tenantId: 't-1', channel: 'email', endpointId: 'support@shop.example', queueId: '' }]);
const sink = new InMemorySink(directory);
const metrics = new Registry();
let listener: SmtpListener;
let client: Transporter;

beforeAll(async () => {
  listener = await startSmtpListener({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024, directory, sink, logger: createLogger('smtp-test', 'silent'), metrics });
  client = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
});
afterAll(async () => {
  client.close();
  await listener.close();
});
beforeEach(() => {
  sink.messages.length = 0;
  sink.updates.length = 0;
  sink.unavailable = false;
});

const refusals = async (reason: string) => (await metrics.getSingleMetric('channels_email_refused_total')!.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
const send = (to: string, extra: Partial<SendMailOptions> = {}) =>
  client.sendMail({ from: 'Ken Ito <ken@example.com>', to, subject: 'Order 1042', text: 'Where is it?', messageId: `<${Math.random()}@example.com>`, ...extra });

describe('SMTP listener', () => {
  it('accepts mail for a support address once the sink recorded it', async () => {
    const info = await send('Support@Shop.example');
    expect(info.response).toMatch(/^250 2\.0\.0 accepted \(recorded\)/);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]).toMatchObject({ endpointId: 'support@shop.example', from: { identity: 'email:ken@example.com' }, subject: 'Order 1042', text: 'Where is it?' });
  });

  it('accepts a plus-token reply address and hands the token on as the first thread key', async () => {
    await send('support+c-tk9x2@shop.example', { inReplyTo: '<msg-1@shop.example>' });
    expect(sink.messages[0]!.threadKeys).toEqual(['token:tk9x2', 'msgid:msg-1@shop.example']);
  });

  it('refuses an address no tenant owns at RCPT TO with 550 5.1.1', async () => {
    const before = await refusals('unknown_recipient');
    await expect(send('sales@other.example')).rejects.toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.1\.1/) });
    expect(sink.messages).toHaveLength(0);
    expect(await refusals('unknown_recipient')).toBe(before + 1);
  });

  it('refuses mail over the size limit with 552 and records nothing', async () => {
    await expect(send('support@shop.example', { text: 'x'.repeat(100 * 1024) })).rejects.toMatchObject({ responseCode: 552 });
    expect(sink.messages).toHaveLength(0);
  });

  it('refuses over-size DATA from a client that declared no SIZE (the stream reports sizeExceeded)', async () => {
    const reply = await rawSession(listener.port, `From: ken@example.com\r\nTo: support@shop.example\r\nSubject: big\r\n\r\n${'y'.repeat(70 * 1024)}\r\n`);
    expect(reply).toMatch(/^552 5\.3\.4/);
    expect(sink.messages).toHaveLength(0);
    expect(await refusals('too_large')).toBeGreaterThan(0);
  });

  it('refuses malformed MIME with 554 5.6.0', async () => {
    const reply = await rawSession(listener.port, 'From: ken@example.com\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n');
    expect(reply).toMatch(/^554 5\.6\.0/);
    expect(sink.messages).toHaveLength(0);
  });

  it('answers 451 4.3.0 while the pipeline is unavailable, so the sender retries', async () => {
    sink.unavailable = true;
    await expect(send('support@shop.example')).rejects.toMatchObject({ responseCode: 451, response: expect.stringMatching(/^451 4\.3\.0/) });
    expect(sink.messages).toHaveLength(0);
  });

  it('accepts an out-of-office answer without recording it, and hands a bounce on as a delivery update', async () => {
    const ooo = await send('support@shop.example', { headers: { 'Auto-Submitted': 'auto-replied' } });
    expect(ooo.response).toMatch(/auto_reply/);
    const bounce = readFileSync(join(__dirname, 'fixtures', 'postfix-bounce.eml'));
    const reply = await rawSession(listener.port, bounce.toString('latin1'), '');
    expect(reply).toMatch(/^250 .*bounce/);
    expect(sink.messages).toHaveLength(0);
    expect(sink.updates).toEqual([expect.objectContaining({ externalMessageId: 'msg-7f3a9c@shop.example', status: 'bounced' })]);
  });

  it('answers a redelivery as accepted without recording it twice', async () => {
    const messageId = '<same-1@example.com>';
    await send('support@shop.example', { messageId });
    const again = await send('support@shop.example', { messageId });
    expect(again.response).toMatch(/duplicate/);
    expect(sink.messages).toHaveLength(1);
  });
});

/** A bare SMTP session (no SIZE parameter, raw DATA), answering the reply to the end of DATA. */
function rawSession(port: number, data: string, from = 'ken@example.com'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = ['EHLO client.example', `MAIL FROM:<${from}>`, 'RCPT TO:<support@shop.example>', 'DATA'];
    let buffer = '';
    let step = 0;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^\d{3}-/.test(line)) continue;
        if (step < script.length) socket.write(`${script[step++]}\r\n`);
        else if (step === script.length) {
          step++;
          const body = data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
          socket.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
        } else {
          socket.end('QUIT\r\n');
          resolve(line);
          return;
        }
      }
    });
  });
}
