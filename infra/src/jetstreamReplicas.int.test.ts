/**
 * JETSTREAM_REPLICAS on a real three-server JetStream cluster (as in the
 * Kubernetes overlays): the events stream and the KV buckets the services
 * open are created with three copies, also where a caller asks for one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { natsServerBinary } from '../../scripts/natsServer';
import { ensureEventStream } from './events/eventStream';
import { setJetStreamReplicas } from './jetstreamReplicas';
import { openStateBucket } from './kv';
import { createLogger } from './logger';
import { connectNats, type NatsConnection } from './nats';

jest.setTimeout(60_000);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'cc-js-cluster-'));
const servers: ChildProcess[] = [];
let nc: NatsConnection;

beforeAll(async () => {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const clients = [await freePort(), await freePort(), await freePort()];
  const routes = [await freePort(), await freePort(), await freePort()];
  for (let i = 0; i < 3; i++) {
    const child = spawn(
      binary,
      ['-js', '-a', '127.0.0.1', '-p', String(clients[i]), '-n', `s${i}`, '-sd', join(dir, `s${i}`), '--cluster_name', 'cc-test', '--cluster', `nats://127.0.0.1:${routes[i]}`,
        '--routes', routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',')],
      { stdio: 'ignore' },
    );
    servers.push(child);
  }
  nc = await connectNats(clients.map((p) => `nats://127.0.0.1:${p}`).join(','), 'replicas-test', createLogger('replicas-test', 'silent'));
  // The cluster elects its JetStream meta leader a few seconds after the servers meet.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});

afterAll(async () => {
  setJetStreamReplicas(1);
  await nc?.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.exitCode !== null ? resolve() : (s.once('exit', () => resolve()), s.kill('SIGTERM'))))));
  rmSync(dir, { recursive: true, force: true });
});

it('creates the events stream and KV buckets with three copies', async () => {
  setJetStreamReplicas(3);
  const stream = await ensureEventStream(await jetstreamManager(nc), { name: 'CC_REPLICAS_TEST', subjects: ['ccreplicas.>'] });
  expect(stream.config.num_replicas).toBe(3);

  await openStateBucket(nc, 'cc_replicas_test', 'test');
  await openStateBucket(nc, 'cc_replicas_asked_one', 'test', { replicas: 1 });
  const jsm = await jetstreamManager(nc);
  expect((await jsm.streams.info('KV_cc_replicas_test')).config.num_replicas).toBe(3);
  expect((await jsm.streams.info('KV_cc_replicas_asked_one')).config.num_replicas).toBe(3);
});
