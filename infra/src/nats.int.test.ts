/**
 * The connection state a readiness probe reports follows the server: a
 * killed NATS server makes it RECONNECTING at once (isClosed() stays false
 * while the client retries for ever), and CONNECTED again once the server
 * is back. Real nats-server, killed and restarted on its port.
 */
import { startPrivateNats } from '../../test/support/nats';
import { createLogger } from './logger';
import { connectNats, natsConnectionState } from './nats';

jest.setTimeout(30_000);

async function until(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !what(); ) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('reports RECONNECTING while the server is down and CONNECTED once it is back', async () => {
  const server = await startPrivateNats();
  const nc = await connectNats(server.url, 'state-test', createLogger('state-test', 'silent'));
  try {
    expect(natsConnectionState(nc)).toBe('CONNECTED');
    await server.kill();
    await until(() => natsConnectionState(nc) === 'RECONNECTING');
    expect(nc.isClosed()).toBe(false); // what the probe used to rely on
    await server.restart();
    await until(() => natsConnectionState(nc) === 'CONNECTED');
    await nc.flush();
  } finally {
    await nc.close();
    expect(natsConnectionState(nc)).toBe('CLOSED');
    await server.stop();
  }
});
