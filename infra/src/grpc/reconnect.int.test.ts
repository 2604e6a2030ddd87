/**
 * A peer that restarts is used again at once: a real gRPC server on a fixed
 * loopback port is stopped, called while it is away (which, with grpc-js's
 * default backoff of 1 s growing to 120 s, pushed the next connection attempt
 * seconds away), started again, and the first call after it is SERVING
 * succeeds instead of failing UNAVAILABLE "No connection established".
 */
import { ConversationServiceClient, ConversationServiceService, type ConversationServiceServer } from '@contactcenter/proto/conversation/v1';
import { UnavailableError } from '../errors';
import { createLogger } from '../logger';
import { createGrpcClient, unary } from './client';
import { HealthChecker } from './health';
import { GrpcServer, type AsyncService } from './server';

const logger = createLogger('test', 'silent');
const impl: Partial<AsyncService<ConversationServiceServer>> = {
  getConversation: async (_req, ctx) => ({ conversation: undefined, messages: [], notes: [{ noteId: ctx.tenantId, agentId: '', text: '', addedAt: undefined }] }),
};

async function serveOn(port: number): Promise<GrpcServer> {
  const server = new GrpcServer(logger);
  server.addService(ConversationServiceService, impl);
  await server.listen('127.0.0.1', port);
  server.markServing();
  return server;
}

describe('a gRPC peer that restarts', () => {
  let server: GrpcServer | undefined;
  let client: ConversationServiceClient;
  let health: HealthChecker;
  let port: number;
  const get = (deadlineMs?: number) => unary(client, client.getConversation, { conversationId: 'c-1', includeNotes: true }, { tenantId: 't-1', deadlineMs });

  beforeAll(async () => {
    // A free port, then a server kept on it: clients dial one fixed address, as in production.
    const probe = new GrpcServer(logger);
    port = await probe.listen('127.0.0.1', 0);
    await probe.shutdown(100);
    server = await serveOn(port);
    client = createGrpcClient(ConversationServiceClient, `127.0.0.1:${port}`);
    health = new HealthChecker(`127.0.0.1:${port}`);
  });
  afterAll(async () => {
    client.close();
    health.close();
    await server?.shutdown(100);
  });

  it('is called again successfully by the first call after it is SERVING', async () => {
    expect((await get()).notes[0]?.noteId).toBe('t-1');

    await server!.shutdown(100);
    server = undefined;
    // Calls while it is away fail as unavailable, each one a failed connection attempt that grows the backoff.
    const away = Date.now();
    while (Date.now() - away < 4_000) {
      await expect(get(300)).rejects.toBeInstanceOf(UnavailableError);
      await new Promise((r) => setTimeout(r, 200));
    }

    server = await serveOn(port); // listening and SERVING
    // The very next call succeeds: it waits (within its deadline) for the channel to reconnect instead of failing at once.
    expect((await get()).notes[0]?.noteId).toBe('t-1');
    // And readiness, on a channel of its own with the same settings, sees it SERVING within a short wait too.
    expect(await health.check('', 2_000)).toBe('SERVING');
  });

  it('still fails fast for a peer it never reached', async () => {
    const nowhere = createGrpcClient(ConversationServiceClient, '127.0.0.1:1');
    const started = Date.now();
    await expect(unary(nowhere, nowhere.getConversation, { conversationId: 'c-1', includeNotes: false }, { tenantId: 't-1', deadlineMs: 5_000 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    // Not waiting out the deadline: the edge answers 503 at once when a peer was never there.
    expect(Date.now() - started).toBeLessThan(4_000);
    nowhere.close();
  });
});
