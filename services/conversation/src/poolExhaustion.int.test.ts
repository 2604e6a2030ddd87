/**
 * A saturated connection pool is a temporary fault: a command or query that
 * cannot get a connection within EVENT_STORE_CONNECT_TIMEOUT_MS answers
 * UNAVAILABLE (503 with Retry-After at the gateway), never INTERNAL (500),
 * and the service serves again as soon as connections are free.
 *
 * The conversation service over real gRPC on a fresh PostgreSQL database,
 * with pools of one connection: another session locks a table, the first
 * call holds the only connection waiting for the lock, the next waits for
 * a connection and times out.
 */
import * as grpc from '@grpc/grpc-js';
import { createGrpcClient, createLogger, GrpcServer, unary, UnavailableError, type CallOptions } from '@contactcenter/infra';
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { connectSql, type SqlClient } from '@contactcenter/infra/sql';
import { AuthorKind, Channel, ConversationServiceClient, ConversationServiceService } from '@contactcenter/proto/conversation/v1';
import pg from 'pg';
import { freshPostgresDatabase, type TestDatabase } from '../../../test/support/postgres';
import { assembleConversationService } from './service';

jest.setTimeout(30_000);

const CHECKOUT_TIMEOUT_MS = 300;

async function settingUp<T>(open: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await open();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

describe('conversation service with its pools exhausted', () => {
  let db: TestDatabase;
  let events: EventStore;
  let sql: SqlClient;
  let server: GrpcServer;
  let client: ConversationServiceClient;
  let locker: pg.Client;
  let conversationId: string;

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    // The short bound also covers opening the pool's first connection, which a loaded machine (the whole suite in
    // parallel) can take longer than that to fork: a few tries at setting up, so that only the exhaustion is timed.
    events = await settingUp(() => createEventStore(db.url, { poolSize: 1, connectTimeoutMs: CHECKOUT_TIMEOUT_MS }));
    sql = await settingUp(() => connectSql(db.url, { poolSize: 1, connectTimeoutMs: CHECKOUT_TIMEOUT_MS }));
    const logger = createLogger('conversation-test', 'silent');
    const service = await assembleConversationService({ events, sql, logger, snapshotEvery: 50 });
    server = new GrpcServer(logger);
    server.addService(ConversationServiceService, service.grpc);
    const port = await server.listen('127.0.0.1', 0);
    server.markServing();
    client = createGrpcClient(ConversationServiceClient, `127.0.0.1:${port}`);
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    conversationId = (await start()).result!.conversationId;
    // The projector writes the conversation's read model, then stops: it would compete for the one connection.
    service.projector.start();
    const until = Date.now() + 10_000;
    while ((await get().then(() => false, () => true)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await service.projector.stop();
  });

  afterAll(async () => {
    client?.close();
    await locker?.end().catch(() => undefined);
    await server?.shutdown(1_000);
    await events?.close();
    await sql?.close();
    await db?.stop();
  });

  const as: CallOptions = { tenantId: 'acme', actorId: 'agent-1', deadlineMs: 10_000 };
  function start() {
    return unary(client, client.startConversation, { conversationId: '', channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'en', region: 'eu', subject: 'Pool', invitationId: '' }, as);
  }
  const post = (text: string) =>
    unary(client, client.postMessage, { conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, authorId: 'cust-1', text, attachments: [], clientMessageId: '', language: '', cannedResponseId: '' }, as);
  const get = () => unary(client, client.getConversation, { conversationId, includeNotes: false }, as);

  /** Runs `fn` while `table` is locked by another session, and returns how the calls it made ended. */
  async function whileLocked(table: string, fn: () => Promise<unknown>) {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    try {
      return await fn();
    } finally {
      await locker.query('ROLLBACK');
    }
  }

  const statusOf = async (call: Promise<unknown>) => {
    const err = await call.then(() => undefined, (e: unknown) => e);
    return err === undefined ? 'OK' : (err instanceof UnavailableError ? 'UNAVAILABLE' : grpc.status[(err as { cause?: grpc.ServiceError }).cause?.code ?? 2]) ?? String(err);
  };

  // The query first: once a command appended, reads wait for the (stopped) projector to catch up.
  it.each([
    ['the read-model pool (a query)', 'cv_conversations', () => get()],
    ['the event store pool (a command)', 'es_events', () => post('hello')],
  ])('%s: a call that gets no connection in time is UNAVAILABLE, and the next one after the load is served', async (_what, table, call) => {
    let holding: Promise<unknown> | undefined;
    const refused = await whileLocked(table, async () => {
      holding = statusOf(call()); // takes the only connection and waits for the lock
      await new Promise((r) => setTimeout(r, 200));
      return statusOf(call()); // waits for a connection, in vain
    });
    expect(refused).toBe('UNAVAILABLE');
    // The first call finishes once the lock is gone, or (a query that reads in parallel) was refused the same way.
    expect(['OK', 'UNAVAILABLE']).toContain(await holding);
    expect(await statusOf(call())).toBe('OK');
  });
});
