/**
 * Every process a launcher (a benchmark, `npm start`, a test) starts ends when
 * the launcher is interrupted: Ctrl-C, or a timeout sending it SIGTERM.
 *
 * Without this, a benchmark killed by its timeout left conversation, presence
 * and routing running: the services run in their own process groups (so that a
 * Ctrl-C reaches only the launcher, which stops them in order), so the signal
 * never reached them, and a process killed by a signal runs no 'exit' handler.
 *
 * On the first SIGINT, SIGTERM or SIGHUP: services get SIGTERM and their
 * SHUTDOWN_TIMEOUT_MS (SIGKILL after `SERVICE_GRACE_MS`); then the servers they
 * used (NATS, PostgreSQL) are stopped the same way; then the launcher exits
 * with 128 + the signal's number. A launcher's own handler (an ordered
 * teardown) may run beside it; whichever finishes first exits.
 *
 * A launcher that cannot handle anything (SIGKILL, an out-of-memory kill, a
 * crash of node itself) is covered by `spawnTied`: the kernel signals its
 * children when it dies.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';

/** util-linux's setpriv: sets a parent-death signal, then execs the command (same pid). */
const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;

/**
 * `spawn`, with the child tied to this process: when this process dies,
 * however it dies, the kernel sends the child `deathSignal` (what stops it
 * cleanly: SIGTERM for a service or NATS, SIGINT for postgres's fast
 * shutdown). Through setpriv's --pdeathsig; where there is no setpriv (not
 * Linux), a plain spawn.
 *
 * @example
 *   reapOnSignal(spawnTied('nats-server', args, { stdio: 'ignore' }), 'server');
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions, deathSignal: NodeJS.Signals = 'SIGTERM'): ChildProcess {
  if (!SETPRIV) return spawn(command, args, options);
  return spawn(SETPRIV, ['--pdeathsig', deathSignal.replace(/^SIG/, ''), '--', command, ...args], options);
}

export type ChildKind = 'service' | 'server';

type Adopted = { child: ChildProcess; kind: ChildKind; stopSignal: NodeJS.Signals };

/** A service's own bound (SHUTDOWN_TIMEOUT_MS, 10 s by default) and a margin. */
const SERVICE_GRACE_MS = 15_000;
const SERVER_GRACE_MS = 10_000;

const adopted = new Set<Adopted>();
let installed = false;
let reaping = false;

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Stops `child` when this process is interrupted, and kills it if this
 * process exits with it still running. `stopSignal`: what stops it cleanly
 * (postgres: SIGINT for a fast shutdown).
 *
 * @example
 *   reapOnSignal(spawn('nats-server', args), 'server');
 */
export function reapOnSignal(child: ChildProcess, kind: ChildKind, stopSignal: NodeJS.Signals = 'SIGTERM'): void {
  const entry: Adopted = { child, kind, stopSignal };
  adopted.add(entry);
  child.once('exit', () => adopted.delete(entry));
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void reap(signal));
  // Exiting for any other reason (an uncaught error, process.exit): no time to wait, but nothing stays behind.
  process.once('exit', () => {
    for (const { child: c } of adopted) if (running(c)) c.kill('SIGKILL');
  });
}

async function reap(signal: NodeJS.Signals): Promise<void> {
  if (reaping) return;
  reaping = true;
  await stopAll('service', SERVICE_GRACE_MS);
  await stopAll('server', SERVER_GRACE_MS);
  process.exit(128 + (constants.signals[signal] ?? 15));
}

async function stopAll(kind: ChildKind, graceMs: number): Promise<void> {
  const children = [...adopted].filter((a) => a.kind === kind && running(a.child));
  await Promise.all(
    children.map(
      ({ child, stopSignal }) =>
        new Promise<void>((resolve) => {
          if (!running(child)) return resolve();
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(killer);
            resolve();
          });
          // Already asked to stop (the launcher's own teardown runs beside this): a second signal would cut its shutdown short.
          if (!child.killed) child.kill(stopSignal);
        }),
    ),
  );
}
