/**
 * A benchmark interrupted (Ctrl-C, or a timeout sending it SIGTERM) leaves no
 * process behind: a launcher that starts NATS and services the way the
 * benchmarks do is sent the signal, and every process it started (its
 * descendants, read from /proc before the signal) is gone once it exited.
 * The services run in their own process groups, so only the launcher's
 * handler (scripts/childReaper.ts) can stop them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

jest.setTimeout(30_000);

const ROOT = join(__dirname, '..', '..');

/** Parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function descendantsOf(pid: number): number[] {
  const ppid = parents();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const next = [...ppid].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie has exited
  } catch {
    return false;
  }
};

/** Starts the fixture launcher (NATS and two services) and resolves once it is ready, with what it started. */
async function startLauncher(env: Record<string, string> = {}) {
  const launcher = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'benchStyleLauncher.ts')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  let output = '';
  launcher.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const until = Date.now() + 20_000;
  while (!output.includes('"ready"') && Date.now() < until && launcher.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const { services } = JSON.parse(output.split('\n').find((l) => l.includes('"ready"'))!) as { services: number[] };
  const started = descendantsOf(launcher.pid!);
  return { launcher, exited, services, started };
}

it.each(['SIGTERM', 'SIGINT'] as const)('a benchmark-style launcher sent %s stops every process it started, then exits', async (signal) => {
  let run: Awaited<ReturnType<typeof startLauncher>> | undefined;
  try {
    run = await startLauncher();
    expect(run.started).toEqual(expect.arrayContaining(run.services)); // the two services, and NATS
    expect(run.started.length).toBeGreaterThanOrEqual(3);

    run.launcher.kill(signal);
    expect(await run.exited).toBe(signal === 'SIGTERM' ? 143 : 130);
    const left = run.started.filter(alive);
    expect(left).toEqual([]);
  } finally {
    for (const pid of [run?.launcher.pid, ...(run?.started ?? [])]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

/**
 * Nothing can be handled when the launcher is SIGKILLed (a timeout's -s KILL,
 * an out-of-memory kill): the processes it started are tied to it
 * (`spawnTied`), so the kernel sends each its stop signal, and each stops
 * within its own SHUTDOWN_TIMEOUT_MS.
 */
it('a benchmark-style launcher killed outright (SIGKILL) still leaves no process behind', async () => {
  const SHUTDOWN_TIMEOUT_MS = 3_000;
  let run: Awaited<ReturnType<typeof startLauncher>> | undefined;
  try {
    run = await startLauncher({ SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    expect(run.started).toEqual(expect.arrayContaining(run.services));
    expect(run.started.length).toBeGreaterThanOrEqual(3);

    run.launcher.kill('SIGKILL');
    await run.exited;
    // Room for a loaded machine past the services' own bound.
    for (const until = Date.now() + SHUTDOWN_TIMEOUT_MS + 10_000; Date.now() < until && run.started.some(alive); ) await new Promise((r) => setTimeout(r, 100));
    expect(run.started.filter(alive)).toEqual([]);
  } finally {
    for (const pid of [run?.launcher.pid, ...(run?.started ?? [])]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
