import * as grpc from '@grpc/grpc-js';
import {
  ConversationServiceClient,
  ConversationServiceService,
  type ConversationServiceServer,
  type GetConversationRequest,
} from '@contactcenter/proto/conversation/v1';
import {
  ConcurrencyError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../errors';
import { createLogger } from '../logger';
import { ServiceMetrics } from '../metrics';
import { createGrpcClient, unary } from './client';
import { HealthChecker } from './health';
import { GrpcServer, type AsyncService } from './server';

/** A real gRPC server on a free port whose getConversation throws what the request's id names. */
describe('GrpcServer (real gRPC over loopback)', () => {
  const logger = createLogger('test', 'silent');
  const metrics = new ServiceMetrics('test');
  let server: GrpcServer;
  let address: string;
  let client: ConversationServiceClient;
  const seenSignals: AbortSignal[] = [];

  const failures: Record<string, () => Error> = {
    validation: () => new ValidationError('text', 'must be at most 16384 bytes'),
    missing: () => new NotFoundError('conversation', 'missing'),
    illegal: () => new IllegalStateError('conversation is resolved'),
    stale: () => new ConcurrencyError('conversation-t-1', '3', '4'),
    forbidden: () => new ForbiddenError('not your tenant'),
    down: () => new UnavailableError('event store unreachable'),
    bug: () => new Error('secret internal detail /etc/passwd'),
  };

  beforeAll(async () => {
    server = new GrpcServer(logger, metrics);
    const impl: Partial<AsyncService<ConversationServiceServer>> = {
      getConversation: async (req: GetConversationRequest, ctx) => {
        seenSignals.push(ctx.signal);
        if (req.conversationId === 'slow') {
          await new Promise((r) => setTimeout(r, 300));
          return { conversation: undefined, messages: [], notes: [] };
        }
        const fail = failures[req.conversationId];
        if (fail) throw fail();
        return { conversation: undefined, messages: [], notes: [{ noteId: ctx.tenantId, agentId: ctx.actorId, text: ctx.requestId, addedAt: undefined }] };
      },
    };
    server.addService(ConversationServiceService, impl);
    const port = await server.listen('127.0.0.1', 0);
    address = `127.0.0.1:${port}`;
    client = createGrpcClient(ConversationServiceClient, address);
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(1_000);
  });

  const get = (conversationId: string, tenantId = 'acme', deadlineMs?: number) =>
    unary(client, client.getConversation, { conversationId, includeNotes: false }, { tenantId, actorId: 'agent-7', requestId: 'req-1', deadlineMs });

  it('reports NOT_SERVING until marked serving, then SERVING for the server and each service', async () => {
    const health = new HealthChecker(address);
    expect(await health.check('')).toBe('NOT_SERVING');
    server.markServing();
    expect(await health.check('')).toBe('SERVING');
    expect(await health.check('contactcenter.conversation.v1.ConversationService')).toBe('SERVING');
    expect(await health.check('no.such.Service')).toBe('SERVICE_UNKNOWN');
    health.close();
  });

  it('passes tenant, actor and request id from metadata to the handler', async () => {
    const res = await get('ok');
    expect(res.notes[0]).toMatchObject({ noteId: 'acme', agentId: 'agent-7', text: 'req-1' });
  });

  it.each([
    ['validation', grpc.status.INVALID_ARGUMENT, ValidationError, 'text: must be at most 16384 bytes'],
    ['missing', grpc.status.NOT_FOUND, NotFoundError, 'conversation "missing" not found'],
    ['illegal', grpc.status.FAILED_PRECONDITION, IllegalStateError, 'conversation is resolved'],
    ['stale', grpc.status.ABORTED, ConcurrencyError, 'stream conversation-t-1: expected revision 3, found 4'],
    ['forbidden', grpc.status.PERMISSION_DENIED, ForbiddenError, 'not your tenant'],
    ['down', grpc.status.UNAVAILABLE, UnavailableError, 'event store unreachable'],
  ])('maps %s to gRPC status %s and back to %p on the client', async (id, code, ErrorClass, message) => {
    const err = (await get(id).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.message).toBe(message);
    expect(((err as Error & { cause: grpc.ServiceError }).cause).code).toBe(code);
  });

  it('keeps the field of a validation error', async () => {
    const err = (await get('validation').catch((e) => e)) as ValidationError;
    expect(err.field).toBe('text');
  });

  it('answers an unexpected error with INTERNAL and no detail', async () => {
    const err = (await get('bug').catch((e) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.details).toBe('internal error');
  });

  it('rejects a call without a tenant with INVALID_ARGUMENT naming tenant_id', async () => {
    const err = (await get('ok', '').catch((e) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toBe('tenant_id');
  });

  it('rejects a malformed tenant id', async () => {
    const err = (await get('ok', 'ACME; DROP').catch((e) => e)) as ValidationError;
    expect(err.field).toBe('tenant_id');
  });

  it('aborts the handler signal when the deadline passes and answers DEADLINE_EXCEEDED', async () => {
    const before = seenSignals.length;
    const err = (await get('slow', 'acme', 50).catch((e) => e)) as Error & { cause: grpc.ServiceError };
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.cause.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((r) => setTimeout(r, 100));
    expect(seenSignals[before]?.aborted).toBe(true);
  });

  it('does not make a call whose caller has already gone', async () => {
    const before = seenSignals.length;
    const gone = AbortSignal.abort(new Error('client hung up'));
    const err = (await unary(client, client.getConversation, { conversationId: 'ok', includeNotes: false }, { tenantId: 'acme', signal: gone }).catch((e) => e)) as Error;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/went away/);
    expect(seenSignals.length).toBe(before); // the handler never ran
  });

  it('cancels a call in flight when its caller goes away, and the handler sees it', async () => {
    const before = seenSignals.length;
    const caller = new AbortController();
    const pending = unary(client, client.getConversation, { conversationId: 'slow', includeNotes: false }, { tenantId: 'acme', signal: caller.signal, deadlineMs: 5_000 });
    while (seenSignals.length === before) await new Promise((r) => setTimeout(r, 5));
    caller.abort();
    const err = (await pending.catch((e) => e)) as Error & { cause: grpc.ServiceError };
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.cause.code).toBe(grpc.status.CANCELLED);
    await new Promise((r) => setTimeout(r, 50));
    expect(seenSignals[before]?.aborted).toBe(true);
  });

  const raw = (path: string, bytes: Buffer) =>
    new Promise<grpc.ServiceError | null>((resolve) => {
      const c = new grpc.Client(address, grpc.credentials.createInsecure());
      const md = new grpc.Metadata();
      md.set('x-tenant-id', 'acme');
      c.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, bytes, md, { deadline: Date.now() + 2_000 }, (err) => {
        c.close();
        resolve(err);
      });
    });

  it('answers a malformed protobuf message with INVALID_ARGUMENT and keeps serving', async () => {
    const err = await raw('/contactcenter.conversation.v1.ConversationService/GetConversation', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/malformed protobuf/);
    await expect(get('ok')).resolves.toBeDefined();
  });

  it('answers an unknown method with UNIMPLEMENTED and keeps serving', async () => {
    const err = await raw('/contactcenter.conversation.v1.ConversationService/DropAllTables', Buffer.alloc(0));
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
    const unimplemented = await raw('/contactcenter.conversation.v1.ConversationService/StartConversation', Buffer.alloc(0));
    expect(unimplemented?.code).toBe(grpc.status.UNIMPLEMENTED);
    await expect(get('ok')).resolves.toBeDefined();
  });

  it('records handled calls in the metrics registry', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/grpc_server_handling_seconds_count\{[^}]*method="\/contactcenter.conversation.v1.ConversationService\/GetConversation"[^}]*code="NOT_FOUND"/);
  });
});
