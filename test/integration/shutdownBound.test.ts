/**
 * Every service honours SHUTDOWN_TIMEOUT_MS whatever state its peers are in:
 * each is started as a process (as `npm start` and the benchmarks start it)
 * with its gRPC peers frozen (a server that accepts connections and never
 * answers, like a stopped or partitioned process) or absent (nothing
 * listens), and its NATS server frozen once it is ready (a proxy that stops
 * passing bytes); the conversation service with its database frozen or gone.
 * (A process whose standard output is no longer read is infra/src/shutdown.int.test.ts's.) SIGTERM must end it within the bound plus a margin for a
 * busy machine; if the bound is what ended it, its last line names the steps
 * still running.
 */
import { createServer, Socket, type Server } from 'node:net';
import { ServiceProcess, type ServiceName } from '../../scripts/stack';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshNats, type TestNats } from '../support/nats';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres';

jest.setTimeout(30_000);

const SHUTDOWN_TIMEOUT_MS = 2_000;
/** Room for a loaded 2-core machine between the bound firing and the process being gone. */
const MARGIN_MS = 4_000;

/** A TCP server that accepts and never answers: a frozen peer. */
async function frozenPeer(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A TCP proxy to `target` that can stop passing bytes either way, leaving the connections open, or go away altogether. */
async function freezableProxy(target: { host: string; port: number }) {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(target.port, target.host);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `nats://127.0.0.1:${(server.address() as { port: number }).port}`,
    port: (server.address() as { port: number }).port,
    freeze() {
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
    async close() {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      await new Promise((r) => server.close(r));
    },
  };
}

let nats: TestNats;
let db: TestDatabase;
let peer: Awaited<ReturnType<typeof frozenPeer>>;
const attachments = mkdtempSync(join(tmpdir(), 'cc-shutdown-attachments-'));
beforeAll(async () => {
  [nats, db] = await Promise.all([freshNats(), freshPostgresDatabase()]);
  peer = await frozenPeer();
});
afterAll(async () => {
  await peer?.close();
  await Promise.allSettled([nats?.stop(), db?.stop()]);
  rmSync(attachments, { recursive: true, force: true });
});

const peerEnv = (address: string) => ({
  CONVERSATION_GRPC_ADDR: address,
  PRESENCE_GRPC_ADDR: address,
  ROUTING_GRPC_ADDR: address,
  TRANSLATION_GRPC_ADDR: address,
  SURVEY_GRPC_ADDR: address,
});
const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {
  gateway: { JWT_SECRET: 's'.repeat(40), HTTP_PORT: '0' },
  survey: { SURVEY_DATABASE_URL: 'pglite://memory' },
  translation: { TRANSLATION_DEFAULT_PROVIDER: 'off' },
  channels: { SMTP_PORT: '0', CHANNELS_HTTP_PORT: '0', ATTACHMENTS_DIR: attachments },
};

/** SIGTERM to a ready process; resolves with how it ended, SIGKILLing it past the bound and the margin. */
async function terminate(proc: ServiceProcess): Promise<{ code: number | null; took: number }> {
  const started = Date.now();
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS + MARGIN_MS);
  const code = await proc.stop('SIGTERM');
  clearTimeout(killer);
  return { code, took: Date.now() - started };
}

/** It exited by itself within the bound; if the bound is what ended it, its last line names the step still running. */
function expectBounded(proc: ServiceProcess, { code, took }: { code: number | null; took: number }): void {
  expect(proc.child.signalCode).toBeNull(); // it exited by itself, not by our SIGKILL
  expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + MARGIN_MS);
  expect([0, 1]).toContain(code);
  const records = proc.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; running?: string });
  expect(records.map((r) => r.msg)).toContain('shutting down');
  if (code === 1) {
    const last = records.find((r) => r.msg.startsWith('shutdown did not finish'));
    expect(last?.msg).toMatch(/still running/);
    expect(last?.running).toEqual(expect.any(String));
  }
}

describe.each(['routing', 'presence', 'translation', 'survey', 'gateway', 'channels'] as ServiceName[])('%s on SIGTERM', (name) => {
  it.each([
    ['frozen', () => peer.address],
    ['absent', () => '127.0.0.1:1'],
  ])('exits within SHUTDOWN_TIMEOUT_MS with its gRPC peers %s and its NATS server frozen', async (_state, peerAddress) => {
    const natsUrl = new URL(nats.url);
    const proxy = await freezableProxy({ host: natsUrl.hostname, port: Number(natsUrl.port) });
    const proc = new ServiceProcess(name, {
      NATS_URL: proxy.url,
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...peerEnv(peerAddress()),
      ...serviceEnv[name],
    });
    try {
      await proc.ready;
      await new Promise((r) => setTimeout(r, 300)); // its loops running, calls to the peers under way
      proxy.freeze();
      expectBounded(proc, await terminate(proc));
    } finally {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proxy.close();
    }
  });
});

/** The conversation service's peers are its database and NATS: its relay and projector follow one, publish to the other. */
describe('conversation on SIGTERM', () => {
  it.each([
    ['frozen', (p: Awaited<ReturnType<typeof freezableProxy>>) => p.freeze()],
    ['gone', (p: Awaited<ReturnType<typeof freezableProxy>>) => p.close()],
  ])('exits within SHUTDOWN_TIMEOUT_MS with its database %s and its NATS server frozen', async (_state, breakDatabase) => {
    const natsUrl = new URL(nats.url);
    const dbUrl = new URL(db.url);
    const [natsProxy, dbProxy] = await Promise.all([
      freezableProxy({ host: natsUrl.hostname, port: Number(natsUrl.port) }),
      freezableProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) }),
    ]);
    dbUrl.port = String(dbProxy.port);
    const proc = new ServiceProcess('conversation', {
      NATS_URL: natsProxy.url,
      EVENT_STORE_URL: dbUrl.toString(),
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    try {
      await proc.ready;
      await new Promise((r) => setTimeout(r, 300)); // relay, projector and LISTEN connection under way
      await breakDatabase(dbProxy);
      natsProxy.freeze();
      expectBounded(proc, await terminate(proc));
    } finally {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await Promise.allSettled([natsProxy.close(), dbProxy.close()]);
    }
  });
});
