/**
 * A fresh NATS server with JetStream for one test file: a container when a
 * container engine answers, else a private `nats-server -js` on a free port.
 * Never the machine's shared server.
 */
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
