/**
 * The shutdown bound is hard: a process whose shutdown step never ends (a
 * drain waiting on a frozen peer, a loop that never sees its stop) still
 * exits, with exit code 1, SHUTDOWN_TIMEOUT_MS after the signal, and its last
 * line names the step still running and the ones not started.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(20_000);

const ROOT = join(__dirname, '..', '..');
// Nothing but the step keeps this process alive: the bound's timer must (an unref'd one would let it end as if all went well).
const SCRIPT = `
  const { installShutdown } = require('./infra/src/shutdown');
  const { createLogger } = require('./infra/src/logger');
  installShutdown(createLogger('stuck', 'info'), () => [
    { name: 'quick', run: async () => undefined },
    { name: 'never-ends', run: () => new Promise(() => undefined) },
    { name: 'nats', run: async () => undefined },
  ], 1000);
  const keepAlive = setInterval(() => undefined, 1000);
  process.once('SIGTERM', () => clearInterval(keepAlive));
  console.log('{"msg":"ready"}');
`;

it('exits 1 at SHUTDOWN_TIMEOUT_MS, naming the step still running, when a step never ends', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', SCRIPT], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  while (!output.includes('"ready"')) await new Promise((r) => setTimeout(r, 20));
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  clearTimeout(killer);

  expect(child.signalCode).toBeNull(); // not our SIGKILL
  expect(code).toBe(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  const records = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; running?: string; pending?: string[] });
  const last = records.at(-1)!;
  expect(last.msg).toMatch(/^shutdown did not finish within 1000 ms; exiting with never-ends, nats still running$/);
  expect(last).toMatchObject({ running: 'never-ends', pending: ['nats'] });
});

/**
 * A process whose standard output is a pipe nobody reads any more (its
 * launcher busy shutting down or stopped, a stalled log shipper): once the
 * pipe is full, a synchronous log write blocks the whole process, SIGTERM
 * handler and bound included. A service writes through `stdoutLogOutput()`,
 * which never blocks.
 */
describe('with standard output no longer read', () => {
  const chatty = (output: 'service' | 'synchronous') => `
    const { installShutdown } = require('./infra/src/shutdown');
    const { createLogger } = require('./infra/src/logger');
    const { stdoutLogOutput } = require('./infra/src/logOutput');
    const output = ${output === 'service' ? 'stdoutLogOutput(1_048_576)' : 'undefined'};
    const logger = createLogger('chatty', 'info', output);
    installShutdown(logger, () => [{ name: 'never-ends', run: () => new Promise(() => undefined) }], 1000, output);
    setInterval(() => { for (let i = 0; i < 50; i++) logger.info({ filler: 'x'.repeat(500) }, 'working'); }, 5);
    process.stderr.write('ready\\n');
  `;

  /** Starts the script, stops reading its stdout once the pipe must be full, sends SIGTERM; resolves with how it ended. */
  async function terminateUnread(script: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let unreadBytes = 0;
    let reading = true;
    child.stdout!.on('data', (d: Buffer) => {
      if (!reading) unreadBytes += d.length;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    while (!stderr.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    child.stdout!.pause();
    reading = false;
    await new Promise((r) => setTimeout(r, 1_000)); // ~5 MB of lines written meanwhile: far more than a pipe holds
    const started = Date.now();
    child.kill('SIGTERM');
    const stillAlive = setTimeout(() => child.kill('SIGKILL'), 4_000);
    const ended = await exited;
    clearTimeout(stillAlive);
    child.stdout!.destroy();
    return { ...ended, tookMs: Date.now() - started, unreadBytes };
  }

  it('a service process still exits within its bound, by itself', async () => {
    const ended = await terminateUnread(chatty('service'));
    expect(ended.signal).toBeNull(); // not our SIGKILL
    expect(ended.code).toBe(1); // the bound ended it: the step never ends
    expect(ended.tookMs).toBeLessThan(3_000);
  });

  it('written synchronously (pino’s default), the same process is stuck in its write and only SIGKILL ends it', async () => {
    const ended = await terminateUnread(chatty('synchronous'));
    expect(ended.signal).toBe('SIGKILL');
  });
});
