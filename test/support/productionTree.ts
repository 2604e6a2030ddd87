/**
 * The tree the production image holds, made without a container engine:
 * `npm run build`, then a temporary directory with the lockfile, every
 * workspace's package.json, the compiled `dist/` folders and the .proto
 * files the gateway reads at run time, and production dependencies only
 * (`npm ci --omit=dev --ignore-scripts -w <service>`, as the Dockerfile does).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface ProductionTree {
  dir: string;
  /** What `npm ci` printed (warnings included), for a failing test's message. */
  installLog: string;
  remove(): void;
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}):\n${out}`);
  return out;
}

/** Every workspace folder named by the root package.json (`services/*` expanded): npm ci wants each one's package.json. */
function workspaceDirs(): string[] {
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.flatMap((ws) => {
    if (!ws.endsWith('/*')) return [ws];
    const parent = ws.slice(0, -2);
    if (!existsSync(join(ROOT, parent))) return [];
    return readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(ROOT, parent, d.name, 'package.json')))
      .map((d) => `${parent}/${d.name}`);
  });
}

/** Builds the workspace and lays out the production tree of `service` (its workspace dependencies come along). */
export function makeProductionTree(service: string): ProductionTree {
  run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'cc-production-'));
  const copy = (rel: string) => {
    if (existsSync(join(ROOT, rel))) cpSync(join(ROOT, rel), join(dir, rel), { recursive: true });
  };
  copy('package.json');
  copy('package-lock.json');
  for (const ws of workspaceDirs()) {
    mkdirSync(join(dir, ws), { recursive: true });
    copy(`${ws}/package.json`);
  }
  for (const rel of ['proto/dist', 'proto/contactcenter', 'infra/dist', `services/${service}/dist`]) copy(rel);
  // --prefer-offline: the packages are usually in npm's cache already; the registry is asked only for what is not.
  const installLog = run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '-w', `@contactcenter/${service}`], dir);
  return { dir, installLog, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
