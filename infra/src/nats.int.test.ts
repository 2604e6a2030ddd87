/**
 * The connection state a readiness probe reports follows the server: a
 * killed NATS server makes it RECONNECTING at once (isClosed() stays false
 * while the client retries for ever), and CONNECTED again once the server
 * is back. Real nats-server, killed and restarted on its port.
 */
import { jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import { startPrivateNats } from '../../test/support/nats';
import { UnavailableError } from './errors';
import { createLogger } from './logger';
import { connectNats, natsConnectionState, untilJetStreamAnswers } from './nats';

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

describe('untilJetStreamAnswers (a service starting beside a server that is not answering yet)', () => {
  it('asks again until the server answers, then returns its answer', async () => {
    const server = await startPrivateNats();
    const nc = await connectNats(server.url, 'setup-test', createLogger('setup-test', 'silent'));
    try {
      await server.kill();
      let attempts = 0;
      const answered = untilJetStreamAnswers('the JetStream API', () => (attempts++, jetstreamManager(nc, { timeout: 300 })), 20_000);
      await until(() => attempts >= 2);
      await server.restart();
      const jsm = await answered;
      expect((await jsm.getAccountInfo()).streams).toBeGreaterThanOrEqual(0);
      expect(attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await nc.close();
      await server.stop();
    }
  });

  it('gives up with UNAVAILABLE naming the step once its time is out', async () => {
    const server = await startPrivateNats();
    const nc = await connectNats(server.url, 'setup-test', createLogger('setup-test', 'silent'));
    try {
      await server.kill();
      const failed = await untilJetStreamAnswers('the presence KV bucket', () => jetstreamManager(nc, { timeout: 200 }), 1_000).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(UnavailableError);
      expect((failed as Error).message).toMatch(/^the presence KV bucket: JetStream did not answer within 1 s/);
    } finally {
      await nc.close();
      await server.stop();
    }
  });

  it('throws an answer that refuses at once, without asking again', async () => {
    const server = await startPrivateNats();
    const nc = await connectNats(server.url, 'setup-test', createLogger('setup-test', 'silent'));
    try {
      const jsm = await jetstreamManager(nc);
      let attempts = 0;
      const failed = await untilJetStreamAnswers('a stream', () => (attempts++, jsm.streams.info('NO_SUCH_STREAM'))).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(JetStreamApiError);
      expect(attempts).toBe(1);
    } finally {
      await nc.close();
      await server.stop();
    }
  });
});
