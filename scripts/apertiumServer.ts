/**
 * A private Apertium APY server for tests and benchmarks, from the Debian
 * packages `apertium-apy` and `apertium-eng-spa`:
 *
 *   apertium-apy -p <port> /usr/share/apertium/modes
 *
 * APY cannot be told to pick its own port (it would log `-p 0` back), so
 * the port comes from the OS, is released, and handed over; a lost race shows
 * as an early exit and is retried. APY answers /listPairs about half a second
 * after start, but starts a pair's pipeline on its first translation (about
 * one more second), so `start` warms the pairs it is given.
 */
import { reapOnSignal, spawnTied } from './childReaper';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const APERTIUM_MODES_DIR = '/usr/share/apertium/modes';
export const APERTIUM_INSTALL_HINT = 'apt-get install -y apertium-apy apertium-eng-spa';

export interface ApertiumServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function apertiumApyBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin'])) {
    const candidate = join(dir, 'apertium-apy');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why Apertium tests cannot run here, or undefined when they can. */
export function apertiumMissing(modesDir = APERTIUM_MODES_DIR): string | undefined {
  if (!apertiumApyBinary()) return `apertium-apy is not installed (${APERTIUM_INSTALL_HINT})`;
  if (!existsSync(join(modesDir, 'eng-spa.mode'))) return `the eng-spa pair is not installed in ${modesDir} (${APERTIUM_INSTALL_HINT})`;
  return undefined;
}

/**
 * What a test file should do about Apertium: run; skip with a reason printed
 * (a developer without the packages); or fail (CI must have them, a silent
 * skip would hide a missing install step).
 */
export function apertiumTestPlan(): { run: true } | { run: false; reason: string; fail: boolean } {
  const reason = apertiumMissing();
  if (!reason) return { run: true };
  return { run: false, reason, fail: Boolean(process.env.CI) };
}

export async function startApertiumServer(options: { modesDir?: string; warm?: string[]; timeoutMs?: number } = {}): Promise<ApertiumServer> {
  const binary = apertiumApyBinary();
  const missing = apertiumMissing(options.modesDir);
  if (!binary || missing) throw new Error(missing ?? 'apertium-apy not found');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Its own process group, so stop() also ends the apertium pipelines APY spawns.
    const child = spawnTied(binary, ['-p', String(port), options.modesDir ?? APERTIUM_MODES_DIR], {
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Stopped with the other servers when the launcher is interrupted: its own process group never gets the signal.
    reapOnSignal(child, 'server');
    let log = '';
    const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    const server = { url, port, stop: () => stopGroup(child) };
    try {
      await waitUntilAnswering(url, child, () => log, options.timeoutMs ?? 20_000);
      for (const langpair of options.warm ?? ['eng|spa', 'spa|eng']) await warm(url, langpair);
      return server;
    } catch (err) {
      lastError = err;
      await server.stop();
    }
  }
  throw lastError;
}

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`apertium-apy exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    try {
      const res = await fetch(`${url}/listPairs`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`apertium-apy did not answer /listPairs within ${timeoutMs} ms: ${log()}`);
}

async function warm(url: string, langpair: string): Promise<void> {
  const res = await fetch(`${url}/translate`, { method: 'POST', body: new URLSearchParams({ langpair, q: 'hello' }), signal: AbortSignal.timeout(20_000) });
  await res.text();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const signal = (s: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pgid, s);
      return true;
    } catch {
      return false; // the whole group is gone
    }
  };
  signal('SIGTERM');
  // Wait for the pipelines too, not just APY: a test run should leave no process behind.
  for (const deadline = Date.now() + 3_000; Date.now() < deadline; ) {
    if (!signal(0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  signal('SIGKILL');
}
