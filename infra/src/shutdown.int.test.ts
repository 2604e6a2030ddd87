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
