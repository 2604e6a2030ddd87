/**
 * Runs a private `nats-server -js` on a free port (for `npm start` when no
 * server answers, and for tests). The port is read from the ports file the
 * server writes, so there is no race for a port number.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapOnSignal, spawnTied } from './childReaper';

export function natsServerBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/bin', '/usr/bin'])) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** The running server's process id (changes on restart). */
  pid: number;
  /** Stops the server (SIGTERM) and waits for it. */
  stop(): Promise<void>;
  /** Kills it without warning (chaos tests). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
}

async function waitForPortsFile(dir: string, child: ChildProcess, log: () => string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${log()}`);
    const file = readdirSync(dir).find((f) => f.endsWith('.ports'));
    // The server writes the file in place: a read can catch it half-written, so only a whole one counts.
    const ports = file ? parsedPortsFile(join(dir, file)) : undefined;
    const url = ports?.nats?.[0];
    if (url) return Number(new URL(url).port);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not report its port within 10 s: ${log()}`);
}

function parsedPortsFile(path: string): { nats?: string[] } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { nats?: string[] };
  } catch {
    return undefined;
  }
}

export async function startNatsServer(options: { storeDir?: string; port?: number } = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'cc-nats-'));
  mkdirSync(storeDir, { recursive: true });
  const portsDir = mkdtempSync(join(tmpdir(), 'cc-nats-ports-'));
  let port = options.port ?? -1;
  let child: ChildProcess;
  let output = '';

  const launch = async () => {
    for (const f of readdirSync(portsDir)) rmSync(join(portsDir, f));
    child = spawnTied(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, '--ports_file_dir', portsDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    reapOnSignal(child, 'server'); // stopped after the services when the launcher is interrupted
    child.stderr!.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4_000);
    });
    try {
      port = await waitForPortsFile(portsDir, child, () => output);
    } catch (err) {
      // A server that never reported its port must not outlive the caller (it would keep a test run alive).
      child.kill('SIGKILL');
      throw err;
    }
    const deadline = Date.now() + 5_000;
    while (!(await tcpReachable('127.0.0.1', port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  };
  const waitExit = () =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  await launch();
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return child.pid!;
    },
    storeDir,
    async stop() {
      child.kill('SIGTERM');
      await waitExit();
      rmSync(portsDir, { recursive: true, force: true });
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      await waitExit();
    },
    restart: launch,
  };
}

/** Debian's nats-server version, e.g. "2.9.10", for tests that need a feature of a newer one. */
export function natsServerVersion(): string | undefined {
  const binary = natsServerBinary();
  if (!binary) return undefined;
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout;
  return /v?(\d+\.\d+\.\d+)/.exec(out)?.[1];
}
