import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Dovecot IMAP server for tests, on a free loopback port with its own
 * config, runtime folder and maildirs, killed by `stop()`. Dovecot refuses to
 * open mailboxes as uid 0 ("userdb returned 0 as uid" is a hard check), so
 * when the tests run as root the mail belongs to `nobody` (65534).
 */
export interface ThrowawayDovecot {
  port: number;
  user: string;
  pass: string;
  stop(): Promise<void>;
}

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export async function startDovecot(): Promise<ThrowawayDovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'dovecot-test-'));
  // Dovecot's auth process runs as the `dovecot` user and must reach the users file.
  await chmod(dir, 0o755);
  const mail = join(dir, 'mail');
  await mkdir(mail);
  await mkdir(join(dir, 'run'));
  const uid = process.getuid?.() === 0 ? 65534 : process.getuid!();
  const gid = process.getuid?.() === 0 ? 65534 : process.getgid!();
  await chown(mail, uid, gid);
  const user = 'support';
  const pass = 'mailbox-secret';
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${pass}::::::\n`, { mode: 0o644 });
  const port = await freePort();
  await writeFile(join(dir, 'dovecot.conf'), config(dir, port, uid, gid));
  const child = spawn(DOVECOT_BINARY, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`dovecot did not start (see ${join(dir, 'dovecot.log')})`, { cause: err });
  }
  return {
    port,
    user,
    pass,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function config(dir: string, port: number, uid: number, gid: number): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
instance_name = test-${port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${dir}/dovecot.log
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
  default_fields = uid=${uid} gid=${gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot is not listening on ${port}`);
}
