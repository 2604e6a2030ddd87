/**
 * Requests that arrive while NATS is away wait for it (a bounded while)
 * rather than sending requests no one will answer; still away after the
 * wait, they get 503 with Retry-After and the route never runs. Real
 * nats-server, killed and restarted.
 */
import { connectNats, createLogger, natsConnectionState } from '@contactcenter/infra';
import Fastify from 'fastify';
import { startPrivateNats } from '../../../../test/support/nats';
import { natsReconnectWaitPlugin } from './natsReconnectWait';
import { problemPlugin } from './problem';

jest.setTimeout(30_000);

it('holds a request while NATS reconnects, runs it once NATS is back, and answers 503 when it stays away', async () => {
  const server = await startPrivateNats();
  const nc = await connectNats(server.url, 'wait-test', createLogger('wait-test', 'silent'));
  const app = Fastify({ logger: false });
  let ran = 0;
  problemPlugin(app);
  natsReconnectWaitPlugin(app, nc, 600);
  app.get('/work', async () => ({ ran: ++ran, nats: natsConnectionState(nc) }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.ready();
  try {
    expect((await app.inject('/work')).json()).toEqual({ ran: 1, nats: 'CONNECTED' });
    await server.kill();
    for (const deadline = Date.now() + 5_000; natsConnectionState(nc) === 'CONNECTED' && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));

    const refused = await app.inject('/work');
    expect([refused.statusCode, refused.headers['retry-after'], refused.json().code]).toEqual([503, '1', 'unavailable']);
    expect(ran).toBe(1); // the route never ran
    expect((await app.inject('/healthz')).statusCode).toBe(200); // probes never wait

    const held = app.inject('/work');
    await server.restart();
    const answered = await held;
    expect(answered.json()).toEqual({ ran: 2, nats: 'CONNECTED' });
  } finally {
    await app.close();
    await nc.close();
    await server.stop();
  }
});
