/**
 * Admission control on the real gateway app: past its in-flight bound or its
 * event-loop delay bound it answers 503 `overloaded` with Retry-After before
 * verifying a token (a forged one gets 503, not 401), probes keep answering,
 * and it admits requests again by itself once the load stops.
 *
 * In flight: the gRPC peers are a server that accepts connections and never
 * answers (a frozen peer), so every request that reaches one waits for its
 * deadline; closing those connections ends them. Event loop: this process
 * blocks its own loop in slices, as a CPU-bound neighbour would.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tid = 't-admission';

/** Polls `probe` until it returns true, for at most `ms`. */
async function eventually(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe()) return true;
    await sleep(50);
  }
  return probe();
}

describe('admission control', () => {
  let frozenPeer: Server;
  const held = new Set<Socket>();
  let edge: EdgeApp;
  let base: string;

  beforeAll(async () => {
    frozenPeer = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => frozenPeer.listen(0, '127.0.0.1', resolve));
    const { port } = frozenPeer.address() as { port: number };
    edge = await startEdgeApp({ admission: { maxInFlight: 3, maxEventLoopDelayMs: 60, sampleIntervalMs: 100 } }, { peerAddress: `127.0.0.1:${port}` });
    // Over real HTTP: each request its own connection, as clients come.
    base = await edge.app.listen({ host: '127.0.0.1', port: 0 });
    await sleep(300); // past the start's grace
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await edge.close();
    await new Promise((r) => frozenPeer.close(r));
  });

  type Answer = { statusCode: number; retryAfter: string | null; contentType: string | null; body: { status: number; code: string; checks?: Record<string, string> } };
  const get = async (path: string, token?: string): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { statusCode: res.status, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), body: (await res.json()) as Answer['body'] };
  };
  const getConversation = (token: string) => get('/v1/conversations/c-1', token);

  it('refuses beyond the in-flight bound with 503 overloaded and Retry-After, keeps probes answering, and recovers', async () => {
    const token = edge.sign({ tid, sub: 'alice', roles: ['agent'] });
    const waiting = [getConversation(token), getConversation(token), getConversation(token)];
    // The three are in flight (their peer never answers): readiness reports the load.
    expect(await eventually(async () => (await get('/readyz')).body.checks?.load === 'OVERLOADED', 5_000)).toBe(true);

    const refused = await getConversation(token);
    expect(refused.statusCode).toBe(503);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.retryAfter).toBe('2');
    expect(refused.body).toMatchObject({ status: 503, code: 'overloaded' });
    // Refused before authentication: a forged token is not even looked at.
    const forged = await getConversation(`${token.slice(0, -4)}AAAA`);
    expect(forged.body).toMatchObject({ status: 503, code: 'overloaded' });

    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/readyz')).body.checks?.load).toBe('OVERLOADED');

    // The load stops: the frozen peer's connections close, the waiting requests end (503 unavailable, not overloaded).
    for (const s of held) s.destroy();
    for (const res of await Promise.all(waiting)) expect(res.body.code).not.toBe('overloaded');
    const after = await getConversation(token);
    expect(after.body.code).not.toBe('overloaded');
    // And the forged token is judged again: 401.
    expect((await getConversation(`${token.slice(0, -4)}AAAA`)).statusCode).toBe(401);
  });

  it('refuses while the event loop lags, keeps /healthz answering, and recovers when the load stops', async () => {
    // A token that fails verification answers 401 at once: the cheapest request that is not refused.
    const probe = async () => (await getConversation('nope')).body;
    expect((await probe()).code).not.toBe('overloaded');

    // Slices of 150 ms of busy work with short gaps: the loop's mean delay is far past 60 ms.
    let busy = true;
    const burn = async () => {
      while (busy) {
        const until = Date.now() + 150;
        while (Date.now() < until);
        await sleep(5);
      }
    };
    const burning = burn();
    let seen: Answer | undefined;
    const shed = await eventually(async () => {
      seen = await getConversation('nope');
      return seen.body.code === 'overloaded';
    }, 5_000);
    const healthz = await get('/healthz');
    busy = false;
    await burning;

    expect(shed).toBe(true);
    expect(seen?.retryAfter).toBe('2');
    expect(seen?.statusCode).toBe(503);
    expect(healthz.statusCode).toBe(200);
    expect(await eventually(async () => (await probe()).code !== 'overloaded', 5_000)).toBe(true);
  });
});
