/**
 * followKv against a real nats-server that is killed and restarted: the
 * watch is re-opened as soon as the client reconnects, and a change made
 * while the server was away (or right after it came back) is seen.
 */
import { Kvm } from '@nats-io/kv';
import { readFileSync } from 'node:fs';
import { startPrivateNats } from '../../test/support/nats';
import { followKv, openStateBucket } from './kv';
import { createLogger } from './logger';
import { connectNats } from './nats';

jest.setTimeout(60_000);

async function until(what: () => boolean, timeoutMs: number, label: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !what(); ) {
    if (Date.now() > deadline) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The state letter of /proc/<pid>/stat: R running, S sleeping, T stopped... */
const processState = (pid: number) => /\) (\w) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];

it('re-opens a KV watch the moment NATS reconnects, and sees what changed', async () => {
  const server = await startPrivateNats();
  const logger = createLogger('kv-test', 'silent');
  const nc = await connectNats(server.url, 'kv-test', logger);
  const kv = await new Kvm(nc).create('follow_kv_test', { history: 1, storage: 'file' });
  const seen = new Map<string, string>();
  let reopens = 0;
  const watch = followKv(nc, kv, { key: 'revoked.*', name: 'test', logger, onReopen: () => reopens++ }, (e) => seen.set(e.key, e.operation === 'PUT' ? e.string() : e.operation));
  try {
    await watch.opened;
    await kv.put('revoked.a', 'yes');
    await until(() => seen.get('revoked.a') === 'yes', 10_000, 'first change');

    await server.kill();
    await server.restart();
    // Far sooner than the watch's own missed-heartbeat detection.
    await until(() => reopens >= 1, 10_000, 'watch re-opened');
    await kv.put('revoked.b', 'yes');
    await kv.delete('revoked.a');
    await until(() => seen.get('revoked.b') === 'yes' && seen.get('revoked.a') === 'DEL', 10_000, 'changes after the restart');
  } finally {
    await watch.stop();
    await nc.close();
    await server.stop();
  }
});

it('asks a read again when its request went unanswered, instead of failing it', async () => {
  const server = await startPrivateNats();
  const logger = createLogger('kv-test', 'silent');
  const nc = await connectNats(server.url, 'kv-test', logger);
  const kv = await openStateBucket(nc, 'read_retry_test', 'test');
  const pid = server.pid;
  try {
    await kv.put('k', 'v');
    // A frozen server answers nothing: the first read times out (2 s); the server is back before the retry's answer is due.
    process.kill(pid, 'SIGSTOP');
    // The signal is queued, not yet taken: only a server the kernel shows as stopped cannot answer the read.
    await until(() => processState(pid) === 'T', 5_000, 'server stopped');
    const resumed = setTimeout(() => process.kill(pid, 'SIGCONT'), 2_300);
    const started = Date.now();
    const entry = await kv.get('k');
    clearTimeout(resumed);
    expect(entry?.string()).toBe('v');
    expect(Date.now() - started).toBeGreaterThan(2_000); // it did wait out the first request
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already running
    }
    await nc.close();
    await server.stop();
  }
});
