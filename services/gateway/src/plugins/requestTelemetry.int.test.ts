/**
 * The gateway's access log: one line per request, when it is answered or
 * abandoned by its client, with what an operator looks for in it.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { requestTelemetryPlugin } from './requestTelemetry';

type Line = { msg: string; reqId?: string; method?: string; url?: string; statusCode?: number; responseTime?: number; remoteAddress?: string };

async function appLogging() {
  const lines: Line[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Line), done()) });
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, sink) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true });
  requestTelemetryPlugin(app);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/slow', () => new Promise(() => undefined)); // never answers: its client gives up
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, lines, base };
}

it('logs one line per answered request: method, URL, status, response time, client address and request id', async () => {
  const { app, lines, base } = await appLogging();
  try {
    expect((await fetch(`${base}/ok?x=1`)).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const access = lines.filter((l) => l.msg === 'request completed');
    expect(lines.filter((l) => l.msg === 'incoming request')).toEqual([]);
    expect(access).toHaveLength(2);
    expect(access[0]).toMatchObject({ method: 'GET', url: '/ok?x=1', statusCode: 200, remoteAddress: '127.0.0.1' });
    expect(access[1]).toMatchObject({ method: 'GET', url: '/nowhere', statusCode: 404 });
    for (const line of access) {
      expect(typeof line.reqId).toBe('string');
      expect(line.responseTime).toBeGreaterThanOrEqual(0);
    }
  } finally {
    await app.close();
  }
});

it('logs a request its client abandoned once, as 499', async () => {
  const { app, lines, base } = await appLogging();
  try {
    const abort = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: abort.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    await pending;
    const until = Date.now() + 5_000;
    while (!lines.some((l) => l.msg === 'request completed') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const access = lines.filter((l) => l.msg === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', url: '/slow', statusCode: 499 });
  } finally {
    await app.close();
  }
});
