/**
 * The production image's entrypoints, run from a pruned production tree
 * (no container engine here to build the image itself): compiled JavaScript
 * started with plain `node`, production dependencies only. The migration
 * Job's command migrates a PGlite event store, then the conversation service
 * starts on it with EVENT_STORE_MIGRATE=false (as in Kubernetes), answers
 * gRPC health SERVING and stops cleanly on SIGTERM; the relay's entrypoint
 * does the same.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HealthChecker } from '../../infra/src/grpc/health';
import { freshNats, type TestNats } from '../support/nats';
import { makeProductionTree, type ProductionTree } from '../support/productionTree';
import { SERVICE_NODE_FLAGS } from '../../scripts/stack';

jest.setTimeout(120_000);

let tree: ProductionTree;
let nats: TestNats;
let dataDir: string;

beforeAll(async () => {
  tree = makeProductionTree('conversation');
  nats = await freshNats();
  dataDir = mkdtempSync(join(tmpdir(), 'cc-production-data-'));
});
afterAll(async () => {
  await nats?.stop();
  tree?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** NODE_OPTIONS as the Dockerfile sets it (read from it, so the two cannot drift apart). */
const IMAGE_NODE_OPTIONS = /NODE_OPTIONS="([^"]+)"/.exec(readFileSync(join(__dirname, '..', '..', 'Dockerfile'), 'utf8'))?.[1];

/** The image's environment: NODE_OPTIONS as the Dockerfile sets it, nothing from this test process. */
function imageEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  if (!IMAGE_NODE_OPTIONS) throw new Error('the Dockerfile sets no NODE_OPTIONS="…"');
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', NODE_OPTIONS: IMAGE_NODE_OPTIONS, ...extra };
}

/** Starts `node <script>` in `cwd`; resolves with its gRPC port once it logs `ready`. */
function startNode(cwd: string, script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { cwd, env: imageEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const m = /"msg":"ready"/.test(line) ? /"grpc_port":(\d+)/.exec(line) : null;
        if (m) resolve(Number(m[1]));
      });
    }
    void exited.then((code) => reject(new Error(`${script} exited with ${code} before it was ready:\n${output.slice(-20).join('\n')}`)));
  });
  ready.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { ready, stop, output };
}

function runToEnd(cwd: string, script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd, env: imageEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('the production tree', () => {
  it('runs node with the V8 flags the local stack gives its services (scripts/stack.ts), so the two cannot drift apart', () => {
    expect(IMAGE_NODE_OPTIONS?.split(/\s+/)).toEqual(expect.arrayContaining([...SERVICE_NODE_FLAGS]));
  });

  it('holds compiled JavaScript and production dependencies only', () => {
    const modules = join(tree.dir, 'node_modules');
    for (const dev of ['typescript', 'tsx', 'jest', '@swc/core', 'ts-proto', '@bufbuild/buf', 'testcontainers', 'kubernetes-models']) {
      expect({ dev, installed: existsSync(join(modules, dev)) }).toEqual({ dev, installed: false });
    }
    for (const prod of ['@grpc/grpc-js', '@nats-io/jetstream', 'pg', '@electric-sql/pglite']) expect(existsSync(join(modules, prod))).toBe(true);
    const service = join(tree.dir, 'services', 'conversation');
    expect(readdirSync(service).sort()).toEqual(['dist', 'package.json']);
    const files = readdirSync(join(service, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /\.test\.js$/.test(f))).toEqual([]);
    expect(files).toContain('main.js');
  });

  it('runs the migration Job command, then the conversation service without migrating at start', async () => {
    const eventStoreUrl = `pglite://${join(dataDir, 'eventstore')}`;
    const migration = await runToEnd(tree.dir, 'infra/dist/eventstore/migrate.js', { EVENT_STORE_URL: eventStoreUrl });
    expect(migration).toEqual({ code: 0, output: expect.stringContaining('event store schema is up to date') });

    const service = startNode(join(tree.dir, 'services', 'conversation'), 'dist/main.js', {
      NATS_URL: nats.url,
      EVENT_STORE_URL: eventStoreUrl,
      EVENT_STORE_MIGRATE: 'false',
      RELAY_ENABLED: 'false',
      RELAY_STREAM: `CC_PROD_${Date.now()}`,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    try {
      const port = await service.ready;
      const health = new HealthChecker(`127.0.0.1:${port}`);
      try {
        expect(await health.check()).toBe('SERVING');
        expect(await health.check('contactcenter.conversation.v1.ConversationService')).toBe('SERVING');
      } finally {
        health.close();
      }
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });

  it('runs the relay Deployment command', async () => {
    const relay = startNode(join(tree.dir, 'services', 'conversation'), 'dist/relay/main.js', {
      NATS_URL: nats.url,
      EVENT_STORE_URL: `pglite://${join(dataDir, 'eventstore')}`,
      RELAY_STREAM: `CC_PROD_RELAY_${Date.now()}`,
      RELAY_CHECKPOINT_BUCKET: `cc_prod_relay_${Date.now()}`,
      GRPC_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    try {
      const port = await relay.ready;
      const health = new HealthChecker(`127.0.0.1:${port}`);
      try {
        expect(await health.check()).toBe('SERVING');
      } finally {
        health.close();
      }
      expect(relay.output.join('\n')).toMatch(/relay following the event log/);
    } finally {
      expect(await relay.stop()).toBe(0);
    }
  });
});
