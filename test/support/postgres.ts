/**
 * Fresh PostgreSQL databases for tests, isolated by name, never by wiping:
 * 1. a postgres:16 container when a container engine answers;
 * 2. else a new `cc_test_<random>` database on the server at PGHOST/PGPORT
 *    (default 127.0.0.1:5432, user PGUSER or postgres), dropped on stop;
 * 3. else a private server (initdb + postgres on a free port), killed on stop.
 * `startPrivatePostgres()` always starts a private server, for chaos tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';
import { containerEngineAvailable } from './containerEngine';
import { reapOnSignal, spawnTied } from '../../scripts/childReaper';

export interface TestDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface PrivatePostgres extends TestDatabase {
  /** Sends `signal` (default SIGKILL) to the postmaster and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and data directory (stopping it first if it runs). */
  restart(): Promise<void>;
}

export async function freshPostgresDatabase(): Promise<TestDatabase> {
  if (await containerEngineAvailable()) return containerDatabase();
  const shared = await sharedServer();
  if (shared) return createDatabaseOn(shared);
  return startPrivatePostgres();
}

async function containerDatabase(): Promise<TestDatabase> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('postgres:16')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    // The entrypoint starts the server twice (init, then for real).
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return {
    url: `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    stop: async () => void (await container.stop()),
  };
}

type ServerUrl = (database: string) => string;
let sharedProbe: Promise<ServerUrl | undefined> | undefined;

/** The machine's server when it answers within 2 s (probed once per process). */
function sharedServer(): Promise<ServerUrl | undefined> {
  sharedProbe ??= (async () => {
    const host = process.env.PGHOST || '127.0.0.1';
    const port = process.env.PGPORT || '5432';
    const auth = encodeURIComponent(process.env.PGUSER || 'postgres') + (process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '');
    const urlFor: ServerUrl = host.startsWith('/')
      ? (db) => `postgres://${auth}@localhost:${port}/${db}?host=${encodeURIComponent(host)}`
      : (db) => `postgres://${auth}@${host}:${port}/${db}`;
    const client = new pg.Client({ connectionString: urlFor('postgres'), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return urlFor;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return sharedProbe;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabaseOn(urlFor: ServerUrl): Promise<TestDatabase> {
  const name = `cc_test_${randomBytes(6).toString('hex')}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(urlFor('postgres'), `CREATE DATABASE ${name}`);
      break;
    } catch (err) {
      // 55006: another session is copying template1 at the same moment (parallel test files).
      if ((err as { code?: string }).code !== '55006' || attempt >= 10) throw err;
      await sleep(100 * attempt);
    }
  }
  return {
    url: urlFor(name),
    stop: () => adminQuery(urlFor('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'cc-pg-'));
  const data = join(dir, 'data');
  // initdb and postgres refuse to run as root: run them as the postgres user,
  // through spawn's uid/gid (not runuser) so that signals reach the postmaster itself.
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await runToEnd(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], dir, owner);
  } catch (err) {
    cleanup();
    throw err;
  }

  let port = 0;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  const launch = async (deadlineMs: number) => {
    const args = ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-F', '-c', 'max_connections=200'];
    const started = Date.now();
    for (;;) {
      const proc = spawnTied(join(bin, 'postgres'), args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) }, 'SIGINT');
      let output = '';
      proc.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
      if (await acceptsConnections(url(), proc, Math.max(1_000, deadlineMs - (Date.now() - started)))) {
        child = proc;
        reapOnSignal(proc, 'server', 'SIGINT'); // stopped after the services when the test run is interrupted
        return;
      }
      proc.kill('SIGKILL');
      // After a SIGKILL, old backends may hold shared memory for a moment: try again until the deadline.
      if (Date.now() - started > deadlineMs) throw new Error(`postgres did not start on port ${port}:\n${output}`);
      await sleep(200);
    }
  };
  const url = () => `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await launch(15_000);
        break;
      } catch (err) {
        if (attempt >= 3) throw err; // the free port may have been taken meanwhile
      }
    }
  } catch (err) {
    process.off('exit', killOnExit);
    cleanup();
    throw err;
  }

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };
  const shutdown = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGINT'); // fast shutdown
    if (!(await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]))) await kill('SIGKILL');
  };
  return {
    url: url(),
    kill,
    restart: async () => {
      await shutdown();
      await launch(30_000);
    },
    stop: async () => {
      await shutdown();
      process.off('exit', killOnExit);
      cleanup();
    },
  };
}

/** Polls until the server answers; false if the process died or time ran out. */
async function acceptsConnections(url: string, proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return false;
}

/** Directory of `initdb` and `postgres`: from PATH (following symlinks), else the newest /usr/lib/postgresql/<v>/bin. */
function postgresBinDir(): string {
  const hasBoth = (dir: string) => ['initdb', 'postgres'].every((b) => isExecutable(join(dir, b)));
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const initdb = join(dir, 'initdb');
    if (!isExecutable(initdb)) continue;
    const real = dirname(realpathSync(initdb));
    if (hasBoth(real)) return real;
    if (hasBoth(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (hasBoth(join(root, v, 'bin'))) return join(root, v, 'bin');
  throw new Error('no PostgreSQL server found: install postgresql (initdb and postgres on PATH or in /usr/lib/postgresql/*/bin)');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error(`running as root and there is no "${name}" user to run PostgreSQL as`);
  return { uid: Number(uid), gid: Number(gid) };
}

function runToEnd(command: string, args: string[], cwd: string, owner?: { uid: number; gid: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
