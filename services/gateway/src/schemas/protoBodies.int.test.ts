/**
 * Admin PUT bodies checked against the proto contracts, through the real
 * app (`buildApp`) with fastify's inject: the routing and survey services'
 * real gRPC handlers run in-process on a private NATS server, so "nothing
 * written" is read back through the gateway. The other peers point at a
 * port nothing listens on.
 */
import { connectNats, createGrpcClient, createLogger, GrpcServer, type NatsConnection } from '@contactcenter/infra';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { openStateBucket } from '@contactcenter/infra/kv';
import { RoutingServiceService } from '@contactcenter/proto/routing/v1';
import { SurveyServiceService } from '@contactcenter/proto/survey/v1';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { routingGrpc } from '../../../routing/src/grpc';
import { RoutingStore } from '../../../routing/src/store/routingStore';
import { surveyCalls } from '../../../survey/src/surveys/surveyGrpc';
import { SurveyStore } from '../../../survey/src/surveys/surveyStore';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

const SECRET = 'p'.repeat(48);
const RUN = randomUUID().slice(0, 8);
const CLOSED = '127.0.0.1:1';
let server: TestNats;
let nats: NatsConnection;
let grpc: GrpcServer;
let conversationClient: ConversationServiceClient;
let peers: ReturnType<typeof connectPeers>;
let app: FastifyInstance;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('proto-bodies-test', 'silent');
  nats = await connectNats(server.url, 'proto-bodies-test', logger);
  grpc = new GrpcServer(logger);
  // Only the queue and survey-definition calls run here: they touch the store, not the router, offers or peers.
  const routingStore = await RoutingStore.open(nats, `routing_${RUN}`);
  grpc.addService(RoutingServiceService, routingGrpc({ store: routingStore, router: {} as never, offers: {} as never, peers: {} as never }));
  conversationClient = createGrpcClient(ConversationServiceClient, CLOSED);
  grpc.addService(SurveyServiceService, surveyCalls({ store: new SurveyStore(await openStateBucket(nats, `survey_${RUN}`, 'survey')), conversation: conversationClient }));
  const port = await grpc.listen('127.0.0.1', 0);
  grpc.markServing();
  const local = `127.0.0.1:${port}`;
  peers = connectPeers({ CONVERSATION_GRPC_ADDR: CLOSED, ROUTING_GRPC_ADDR: local, PRESENCE_GRPC_ADDR: CLOSED, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: local, CHANNELS_GRPC_ADDR: CLOSED });
  app = await buildApp({ logger, peers, nats, jwtSecret: SECRET, gatewayBucket: `gw_${RUN}` });
});

afterAll(async () => {
  await app?.close();
  peers?.close();
  conversationClient?.close();
  await grpc?.shutdown(1_000);
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const asAdmin = (tid: string) => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid, sub: 'admin-1', roles: ['admin'] })}` });
const put = (tid: string, url: string, payload: unknown) => app.inject({ method: 'PUT', url, headers: asAdmin(tid), payload: payload as object });
const get = async <T>(tid: string, url: string): Promise<T> => {
  const res = await app.inject({ method: 'GET', url, headers: asAdmin(tid) });
  expect(res.statusCode).toBe(200);
  return res.json<T>();
};

const queue = { name: 'Billing', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', priority: 'PRIORITY_HIGH', offerTimeoutSeconds: 30, requiredSkills: [{ name: 'billing', minLevel: 3 }] };

describe('admin PUT bodies against the proto contract', () => {
  it('writes a valid queue (200), the path giving its id', async () => {
    const tid = tenant();
    const res = await put(tid, '/v1/admin/queues/q1', { ...queue, queueId: 'not-this-one' });
    expect(res.statusCode).toBe(200);
    expect(res.json().queue).toMatchObject({ ...queue, queueId: 'q1' });
    const { queues } = await get<{ queues: Record<string, unknown>[] }>(tid, '/v1/admin/queues');
    expect(queues).toEqual([expect.objectContaining({ ...queue, queueId: 'q1' })]);
  });

  it.each([
    ['an unknown field', { ...queue, strategyy: 'STRATEGY_ROUND_ROBIN' }, 'strategyy', /unknown field/],
    ['an unknown nested field', { ...queue, overflow: { afterSeconds: 60, widenn: true } }, 'overflow.widenn', /unknown field/],
    ['a wrong type', { ...queue, offerTimeoutSeconds: 'lots' }, 'offerTimeoutSeconds', /must be integer/],
    ['an int32 out of range', { ...queue, offerTimeoutSeconds: 2 ** 40 }, 'offerTimeoutSeconds', /must be <=/],
    ['an unknown enum name', { ...queue, strategy: 'STRATEGY_FASTEST' }, 'strategy', /must be one of STRATEGY_UNSPECIFIED, /],
  ])('answers 400 problem JSON naming the field for %s, and writes nothing', async (_what, body, field, detail) => {
    const tid = tenant();
    expect((await put(tid, '/v1/admin/queues/q1', queue)).statusCode).toBe(200);
    const before = await get<{ queues: unknown[] }>(tid, '/v1/admin/queues');

    const res = await put(tid, '/v1/admin/queues/q1', { ...body, name: 'Changed' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'validation', field, detail: expect.stringMatching(detail) });
    expect(res.json().detail).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));

    expect(await get<{ queues: unknown[] }>(tid, '/v1/admin/queues')).toEqual(before);
    // a queue the failed PUT would have created does not exist either
    expect((await put(tid, '/v1/admin/queues/q2', { ...queue, capacity: 3 })).statusCode).toBe(400);
    expect(await get<{ queues: unknown[] }>(tid, '/v1/admin/queues')).toEqual(before);
  });

  it('takes a survey definition as GET returned it: version and updatedAt are accepted and ignored', async () => {
    const tid = tenant();
    const definition = { titles: { en: 'How did we do?' }, questions: [{ questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', texts: { en: 'Rate us' }, required: true }], defaultLanguage: 'en', sendOnResolveChannels: ['CHANNEL_CHAT'], enabled: true };
    const created = await put(tid, '/v1/admin/surveys/s1', definition);
    expect(created.statusCode).toBe(200);
    const { survey } = created.json<{ survey: Record<string, unknown> }>();
    expect(survey).toMatchObject({ ...definition, surveyId: 's1', version: expect.any(String), updatedAt: expect.any(String) });

    const resent = await put(tid, '/v1/admin/surveys/s1', { ...survey, version: '999', updatedAt: '2000-01-01T00:00:00Z', enabled: false });
    expect(resent.statusCode).toBe(200);
    const { survey: after } = resent.json<{ survey: Record<string, unknown> }>();
    expect(after.surveyId).toBe('s1');
    expect(after.enabled).toBeUndefined(); // false: proto3 JSON leaves it out
    expect(after.version).not.toBe('999');
    expect(after.updatedAt).not.toBe('2000-01-01T00:00:00.000Z');

    const bad = await put(tid, '/v1/admin/surveys/s1', { ...definition, questions: [{ questionId: 'csat', kind: 'CSAT' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'validation', field: 'questions[0].kind' });
    expect((await get<{ survey: unknown }>(tid, '/v1/admin/surveys/s1')).survey).toEqual(after);
  });

  it('documents the real body shapes in /openapi.json, every $ref resolving inside the document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>> }>();
    const body = (path: string) => doc.paths[path]!.put!.requestBody!.content['application/json']!.schema as { additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
    const queueBody = body('/v1/admin/queues/{queueId}');
    expect(queueBody.additionalProperties).toBe(false);
    expect(queueBody.properties.strategy).toMatchObject({ type: 'string', enum: expect.arrayContaining(['STRATEGY_LEAST_BUSY']) });
    expect(queueBody.properties.overflow).toMatchObject({ type: 'object', additionalProperties: false, properties: { widen: { type: 'boolean' } } });
    expect(queueBody.properties.revision).toMatchObject({ readOnly: true });
    expect(body('/v1/admin/surveys/{surveyId}').properties.updatedAt).toMatchObject({ type: 'string', format: 'date-time', readOnly: true });
    for (const path of ['/v1/admin/agents/{agentId}', '/v1/admin/teams/{teamId}', '/v1/admin/faq/{entryId}', '/v1/admin/canned-responses/{cannedResponseId}', '/v1/admin/translation']) {
      expect(body(path)).toMatchObject({ type: 'object', additionalProperties: false, properties: expect.any(Object) });
    }

    const dangling: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string') {
        const target = ref.startsWith('#/') ? ref.slice(2).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], doc) : undefined;
        if (target === undefined) dangling.push(ref);
      }
      Object.values(node).forEach(walk);
    };
    walk(doc);
    expect(dangling).toEqual([]);
  });
});
