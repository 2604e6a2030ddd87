/**
 * Load spreads over replicas: two real gRPC servers of one service on
 * loopback (127.0.0.1 and 127.0.0.2, the same port, as two pods behind one
 * headless Service), one client given both addresses the way a `dns:///`
 * name over a headless Service gives them, and calls answered by both.
 * A server's maximum connection age ends each connection; the client's calls
 * go on succeeding across it (it reconnects, re-resolving the name).
 */
import { ConversationServiceClient, ConversationServiceService, type ConversationServiceServer } from '@contactcenter/proto/conversation/v1';
import { createLogger } from '../logger';
import { createGrpcClient, unary } from './client';
import { GrpcServer, type AsyncService } from './server';

const logger = createLogger('test', 'silent');

/** A replica that answers with its own name, so the test sees which one served. */
async function replica(name: string, host: string, port: number, maxConnectionAgeMs = 0): Promise<{ server: GrpcServer; port: number; served: () => number }> {
  let served = 0;
  const impl: Partial<AsyncService<ConversationServiceServer>> = {
    getConversation: async () => {
      served++;
      return { conversation: undefined, messages: [], notes: [{ noteId: name, agentId: '', text: '', addedAt: undefined }] };
    },
  };
  const server = new GrpcServer(logger, undefined, { maxConnectionAgeMs, maxConnectionAgeGraceMs: 1_000 });
  server.addService(ConversationServiceService, impl);
  const bound = await server.listen(host, port);
  server.markServing();
  return { server, port: bound, served: () => served };
}

const get = (client: ConversationServiceClient) => unary(client, client.getConversation, { conversationId: 'c-1', includeNotes: true }, { tenantId: 't-1' });

describe('gRPC calls over two replicas of one service', () => {
  const servers: GrpcServer[] = [];
  const clients: ConversationServiceClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.shutdown(100)));
  });

  it('are spread over both (round_robin), not all sent to the first address', async () => {
    const a = await replica('a', '127.0.0.1', 0);
    const b = await replica('b', '127.0.0.2', a.port); // the same port on another address: two pods
    servers.push(a.server, b.server);
    const client = createGrpcClient(ConversationServiceClient, `ipv4:127.0.0.1:${a.port},127.0.0.2:${a.port}`);
    clients.push(client);

    const answeredBy = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const name = (await get(client)).notes[0]!.noteId;
      answeredBy.set(name, (answeredBy.get(name) ?? 0) + 1);
    }
    expect(a.served() + b.served()).toBe(40);
    // round_robin alternates between ready connections; both are ready after the first calls.
    expect(a.served()).toBeGreaterThanOrEqual(15);
    expect(b.served()).toBeGreaterThanOrEqual(15);
    expect([...answeredBy.keys()].sort()).toEqual(['a', 'b']);
  });

  it('go on succeeding while the servers close connections past their maximum age', async () => {
    const a = await replica('a', '127.0.0.1', 0, 300);
    const b = await replica('b', '127.0.0.2', a.port, 300);
    servers.push(a.server, b.server);
    const client = createGrpcClient(ConversationServiceClient, `ipv4:127.0.0.1:${a.port},127.0.0.2:${a.port}`);
    clients.push(client);

    const started = Date.now();
    let calls = 0;
    // Several connection ages (300 ms each): every call in between must succeed.
    while (Date.now() - started < 2_000) {
      await get(client);
      calls++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(a.served() + b.served()).toBe(calls);
    expect(a.served()).toBeGreaterThan(0);
    expect(b.served()).toBeGreaterThan(0);
  });
});
