import Fastify from 'fastify';
import { request as httpRequest } from 'node:http';
import { clientGonePlugin } from './clientGone';

/** A real HTTP server on loopback: the signal a route passes to its peer calls follows the client's connection. */
describe('clientGone', () => {
  const app = Fastify();
  const seen: { aborted: boolean; reason?: string }[] = [];
  let release: () => void = () => undefined;

  beforeAll(async () => {
    clientGonePlugin(app);
    app.get('/slow', async (request) => {
      await new Promise<void>((resolve) => {
        release = resolve;
        request.clientGone.addEventListener('abort', () => resolve(), { once: true });
      });
      seen.push({ aborted: request.clientGone.aborted, reason: (request.clientGone.reason as Error | undefined)?.message });
      return { ok: true };
    });
    app.get('/fast', async (request) => {
      setImmediate(() => seen.push({ aborted: request.clientGone.aborted }));
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  const port = () => (app.server.address() as { port: number }).port;

  it('aborts when the client hangs up before its answer', async () => {
    const req = httpRequest({ host: '127.0.0.1', port: port(), path: '/slow' });
    req.on('error', () => undefined);
    req.end();
    while (seen.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
      if (seen.length === 0) req.destroy();
    }
    expect(seen[0]).toEqual({ aborted: true, reason: 'the client closed the connection before its answer' });
  });

  it('stays quiet for a request answered in full, on a connection kept alive', async () => {
    seen.length = 0;
    const res = await fetch(`http://127.0.0.1:${port()}/fast`);
    expect(res.status).toBe(200);
    await res.text();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([{ aborted: false }]);
    release();
  });
});
