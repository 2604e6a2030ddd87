/**
 * A fresh NATS server with JetStream for one test file: a container when a
 * container engine answers, else a private `nats-server -js` on a free port.
 * Never the machine's shared server.
 */
import { connectNats, createLogger, type NatsConnection } from '@contactcenter/infra';
import { startNatsServer, type NatsServer } from '../../scripts/natsServer';
import { containerEngineAvailable } from './containerEngine';

export type TestNats = Pick<NatsServer, 'url' | 'stop'> & Partial<Pick<NatsServer, 'kill' | 'restart'>>;

export async function freshNats(): Promise<TestNats> {
  if (await containerEngineAvailable()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    return {
      url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
      stop: async () => {
        await container.stop();
      },
    };
  }
  return startNatsServer();
}

/** A private server that tests may kill and restart (chaos). */
export const startPrivateNats = startNatsServer;

/**
 * A fresh server for the calling test file (started in beforeAll, stopped in
 * afterAll) and `connect()`, each call a new connection: another gateway
 * replica, or the same one after a restart. Every connection is closed after
 * the file.
 *
 * @example
 *   const nats = natsForThisFile('idempotency-test');
 *   const store = await IdempotencyStore.open(await nats.connect(), { bucket });
 */
export function natsForThisFile(name: string): { connect(): Promise<NatsConnection> } {
  let server: TestNats | undefined;
  const connections: NatsConnection[] = [];
  beforeAll(async () => {
    server = await freshNats();
  });
  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await server?.stop();
  });
  return {
    async connect() {
      if (!server) throw new Error('natsForThisFile: connect() before the server started (call it inside a test or beforeAll)');
      const nc = await connectNats(server.url, name, createLogger(name, 'silent'));
      connections.push(nc);
      return nc;
    },
  };
}
