/**
 * Ends whatever the test run started should the run itself die first: a Ctrl-C
 * (SIGINT), a SIGTERM or SIGKILL of the jest process. Jest runs a test file
 * against a copy of `process`, so a test's own `process.on('SIGINT')` never
 * fires, and the services (detached process groups) and nats-server would
 * live on. So a small watcher process outlives the run: it notes the run's
 * child processes every 250 ms, and when its stdin closes without a `done`
 * line (the run died, whatever the signal) it SIGKILLs them (their groups
 * too), drops the databases and removes the directories it was told about.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

// Plain JS for `node -e`: nothing to compile, nothing of jest's sandbox.
const WATCHER = String.raw`
const fs = require('node:fs');
const parent = Number(process.argv[1]);
const seen = new Map(); // pid -> start time, so that a reused pid is never killed
const drops = [];
const dirs = [];
let done = false;
const startTime = (pid) => { try { return fs.readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')[19]; } catch { return undefined; } };
const snapshot = () => {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync('/proc/' + entry + '/stat', 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === parent && Number(entry) !== process.pid) seen.set(Number(entry), fields[19]);
    } catch {}
  }
};
const timer = setInterval(snapshot, 250);
snapshot();
let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf('\n')) >= 0) {
    const [kind, ...rest] = buffer.slice(0, i).split(' ');
    buffer = buffer.slice(i + 1);
    if (kind === 'done') done = true;
    if (kind === 'drop') drops.push(rest);
    if (kind === 'dir') dirs.push(rest.join(' '));
  }
});
process.stdin.on('close', async () => {
  clearInterval(timer);
  if (done) return process.exit(0);
  for (const [pid, start] of seen) {
    if (startTime(pid) !== start) continue;
    try { process.kill(-pid, 'SIGKILL'); } catch {}
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  await new Promise((r) => setTimeout(r, 500));
  const pg = require('pg');
  for (const [adminUrl, name] of drops) {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    try { await client.connect(); await client.query('DROP DATABASE IF EXISTS ' + name + ' WITH (FORCE)'); } catch {} finally { await client.end().catch(() => {}); }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
`;

export interface OrphanReaper {
  /** Drop this database should the run die (its URL's server, database `postgres` as the admin connection). */
  dropDatabase(url: string): void;
  removeDirectory(path: string): void;
  /** The run ended normally (its own teardown did the work): the watcher leaves without doing anything. */
  release(): void;
}

export function startOrphanReaper(): OrphanReaper {
  const watcher = spawn(process.execPath, ['-e', WATCHER, String(process.pid)], {
    cwd: ROOT, // require('pg') from the repository's node_modules
    stdio: ['pipe', 'ignore', 'ignore'],
    // Its own process group: a Ctrl-C in the terminal reaches the run, not the watcher.
    detached: true,
  });
  const send = (line: string) => {
    if (!watcher.stdin!.destroyed) watcher.stdin!.write(`${line}\n`);
  };
  return {
    dropDatabase: (url) => {
      const u = new URL(url);
      const name = decodeURIComponent(u.pathname.slice(1));
      if (!/^[A-Za-z0-9_]+$/.test(name)) return;
      u.pathname = '/postgres';
      send(`drop ${u.toString()} ${name}`);
    },
    removeDirectory: (path) => send(`dir ${path}`),
    release: () => {
      send('done');
      watcher.stdin!.end();
      watcher.unref();
    },
  };
}
