/**
 * A real SMTP server (smtp-server) on a free loopback port, standing in for a
 * tenant's relay: it keeps every mail it accepts, parsed. `greylistFirst`
 * refuses the first mail with 451, as a greylisting relay does, so that the
 * sender's retry can be seen.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtpRelay {
  port: number;
  received: ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtpRelay(options: { greylistFirst?: boolean } = {}): Promise<TestSmtpRelay> {
  const received: ParsedMail[] = [];
  let greylisted = !options.greylistFirst;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (!greylisted) {
          greylisted = true;
          callback(Object.assign(new Error('4.7.1 greylisted, try again later'), { responseCode: 451 }));
          return;
        }
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          received.push(mail);
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
