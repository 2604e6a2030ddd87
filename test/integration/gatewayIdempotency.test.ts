/**
 * Idempotent creation through the gateway, services as processes on real
 * NATS and PostgreSQL. For every creating route that needs the services
 * (conversations by visitors and staff, messages by visitors and agents,
 * notes, surveys sent, invitations accepted): many identical requests with
 * one Idempotency-Key at once create one thing, counted in the event store,
 * and get one answer; a retry gets it again; the same key with another body
 * is 422 and writes nothing; two principals' keys never meet. Also the
 * message routes' client message ids, kept from before. Routes that need no
 * service are in services/gateway/src/idempotency/idempotentRoute.int.test.ts.
 */
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

type Json = Record<string, any>;
interface Answer {
  status: number;
  body: Json;
  text: string;
  replayed: boolean;
}

let stack: TestStack;
let db: pg.Client;

beforeAll(async () => {
  // Many visitor sessions from this one test address.
  stack = await startTestStack({ extraEnv: { gateway: { VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS: '100000' } } });
  db = new pg.Client({ connectionString: stack.eventStoreUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await stack?.teardown();
});

async function call(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, text, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

/** Events of `type` in the event store whose stream starts with `streamPrefix`: what was written, whatever the answers said. */
async function eventCount(type: string, streamPrefix: string): Promise<number> {
  const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events WHERE type = $1 AND stream_id LIKE $2', [type, `${streamPrefix}%`]);
  return res.rows[0]!.n;
}

const newTenant = () => `idem-${randomUUID().slice(0, 8)}`;

async function visitorOf(tenant: string): Promise<string> {
  const key = await call('POST', '/v1/admin/widget-keys', stack.token(tenant, 'ada', ['admin']));
  const session = await call('POST', '/v1/visitor/sessions', undefined, { widgetKey: key.body.widgetKey });
  expect(session.status).toBe(201);
  return session.body.token as string;
}

async function conversationOf(visitor: string): Promise<string> {
  const started = await call('POST', '/v1/visitor/conversations', visitor, { language: 'en' });
  expect(started.status).toBe(201);
  return started.body.conversationId as string;
}

/** One creating request, as a test of a route sees it. */
interface Creation {
  path: string;
  token: string;
  body: unknown;
  otherBody: unknown;
  /** What the route wrote so far, counted in the event store. */
  count(): Promise<number>;
}

interface CreatingRoute {
  name: string;
  /** Identical requests sent at once (fewer for the slow ones). */
  concurrency: number;
  status: number;
  /** A fresh request of a fresh tenant; `setup(t)` twice in one tenant gives two principals. */
  setup(tenant: string, who: string): Promise<Creation>;
}

const routes: CreatingRoute[] = [
  {
    name: 'POST /v1/conversations (staff)',
    concurrency: 50,
    status: 201,
    setup: async (tenant, who) => ({
      path: '/v1/conversations',
      token: stack.token(tenant, who),
      body: { channel: 'chat', customerId: 'cust-1', language: 'en' },
      otherBody: { channel: 'chat', customerId: 'cust-1', language: 'fr' },
      count: () => eventCount('ConversationStarted', `conversation-${tenant}:`),
    }),
  },
  {
    name: 'POST /v1/visitor/conversations',
    concurrency: 50,
    status: 201,
    setup: async (tenant) => ({
      path: '/v1/visitor/conversations',
      token: await visitorOf(tenant),
      body: { language: 'en' },
      otherBody: { language: 'en', subject: 'other' },
      count: () => eventCount('ConversationStarted', `conversation-${tenant}:`),
    }),
  },
  {
    name: 'POST /v1/visitor/conversations/{id}/messages',
    concurrency: 50,
    status: 201,
    setup: async (tenant) => {
      const visitor = await visitorOf(tenant);
      const id = await conversationOf(visitor);
      return {
        path: `/v1/visitor/conversations/${id}/messages`,
        token: visitor,
        body: { text: 'Where is my parcel?' },
        otherBody: { text: 'Something else entirely' },
        count: () => eventCount('MessagePosted', `conversation-${tenant}:${id}`),
      };
    },
  },
  {
    name: 'POST /v1/conversations/{id}/messages (agent)',
    concurrency: 50,
    status: 201,
    setup: async (tenant, who) => {
      const id = await conversationOf(await visitorOf(tenant));
      return {
        path: `/v1/conversations/${id}/messages`,
        token: stack.token(tenant, who),
        body: { text: 'On its way.' },
        otherBody: { text: 'Not on its way.' },
        count: () => eventCount('MessagePosted', `conversation-${tenant}:${id}`),
      };
    },
  },
  {
    name: 'POST /v1/conversations/{id}/notes',
    concurrency: 50,
    status: 200,
    setup: async (tenant, who) => {
      const id = await conversationOf(await visitorOf(tenant));
      return {
        path: `/v1/conversations/${id}/notes`,
        token: stack.token(tenant, who),
        body: { text: 'VIP customer' },
        otherBody: { text: 'Not a VIP' },
        count: () => eventCount('InternalNoteAdded', `conversation-${tenant}:${id}`),
      };
    },
  },
  {
    name: 'POST /v1/conversations/{id}/surveys',
    concurrency: 20,
    status: 200,
    setup: async (tenant, who) => {
      const admin = stack.token(tenant, 'ada', ['admin']);
      const agent = stack.token(tenant, who);
      for (const surveyId of ['csat', 'nps']) {
        const definition = {
          titles: { en: `Survey ${surveyId}` },
          defaultLanguage: 'en',
          questions: [{ questionId: 'q', kind: 'SURVEY_QUESTION_KIND_CSAT', texts: { en: 'How did we do?' } }],
          sendOnResolveChannels: [], // sent on request only: what this test counts
          enabled: true,
        };
        expect((await call('PUT', `/v1/admin/surveys/${surveyId}`, admin, definition)).status).toBe(200);
      }
      const id = await conversationOf(await visitorOf(tenant));
      expect((await call('POST', `/v1/conversations/${id}/resolve`, agent)).status).toBe(200);
      return {
        path: `/v1/conversations/${id}/surveys`,
        token: agent,
        body: { surveyId: 'csat' },
        otherBody: { surveyId: 'nps' },
        count: () => eventCount('SurveyRequested', `conversation-${tenant}:${id}`),
      };
    },
  },
  {
    name: 'POST /v1/visitor/invitations/{id}/accept',
    concurrency: 20,
    status: 201,
    setup: async (tenant) => {
      const rules = { rules: [{ ruleId: 'r1', urlPattern: 'https://shop.example/*', messages: { en: 'Can we help?' } }] };
      expect((await call('PUT', '/v1/admin/invitation-rules', stack.token(tenant, 'ada', ['admin']), rules)).status).toBe(200);
      const visitor = await visitorOf(tenant);
      const activity = await call('POST', '/v1/visitor/activity', visitor, { url: 'https://shop.example/cart', timeOnPageSeconds: 60 });
      const invitationId = activity.body.invitation?.invitationId as string;
      expect(invitationId).toBeTruthy();
      return {
        path: `/v1/visitor/invitations/${invitationId}/accept`,
        token: visitor,
        body: { language: 'en' },
        otherBody: { language: 'fr' },
        count: () => eventCount('ConversationStarted', `conversation-${tenant}:inv-${invitationId}`),
      };
    },
  },
];

describe.each(routes)('$name with an Idempotency-Key', (route) => {
  it(`creates once for ${route.concurrency} identical requests at once, answers them alike, and again on a retry`, async () => {
    const c = await route.setup(newTenant(), 'tom');
    const key = randomUUID();
    const before = await c.count();
    const burst = await Promise.all(Array.from({ length: route.concurrency }, () => call('POST', c.path, c.token, c.body, { 'idempotency-key': key })));
    expect(burst.map((r) => r.status)).toEqual(Array(route.concurrency).fill(route.status));
    expect(new Set(burst.map((r) => r.text)).size).toBe(1);
    expect(burst.filter((r) => r.replayed)).toHaveLength(route.concurrency - 1);
    expect(await c.count()).toBe(before + 1);
    const retry = await call('POST', c.path, c.token, c.body, { 'idempotency-key': key });
    expect([retry.status, retry.text, retry.replayed]).toEqual([route.status, burst[0]!.text, true]);
    expect(await c.count()).toBe(before + 1);
  });

  it('refuses the same key with another body as 422 idempotency_key_reused, writing nothing', async () => {
    const c = await route.setup(newTenant(), 'tom');
    const key = randomUUID();
    expect((await call('POST', c.path, c.token, c.body, { 'idempotency-key': key })).status).toBe(route.status);
    const before = await c.count();
    const reused = await call('POST', c.path, c.token, c.otherBody, { 'idempotency-key': key });
    expect([reused.status, reused.body.code]).toEqual([422, 'idempotency_key_reused']);
    expect(await c.count()).toBe(before);
  });

  it('keeps the keys of two principals apart', async () => {
    const tenant = newTenant();
    const [a, b] = [await route.setup(tenant, 'tom'), await route.setup(tenant, 'ann')];
    const key = randomUUID();
    const first = await call('POST', a.path, a.token, a.body, { 'idempotency-key': key });
    const second = await call('POST', b.path, b.token, b.body, { 'idempotency-key': key });
    expect([first.status, first.replayed, second.status, second.replayed]).toEqual([route.status, false, route.status, false]);
  });
});

describe('message posts: the client message id, kept', () => {
  let visitor: string;
  let conversationId: string;
  const messages = async () => (await call('GET', `/v1/visitor/conversations/${conversationId}`, visitor)).body.messages as Json[];

  beforeAll(async () => {
    visitor = await visitorOf(newTenant());
    conversationId = await conversationOf(visitor);
  });

  it('takes the body\'s client message id as the same key, and refuses the two disagreeing', async () => {
    const path = `/v1/visitor/conversations/${conversationId}/messages`;
    const viaBody = await call('POST', path, visitor, { text: 'By body', clientMessageId: 'visit-3' });
    const viaHeader = await call('POST', path, visitor, { text: 'By body' }, { 'idempotency-key': 'visit-3' });
    expect(viaHeader.body.messageId).toBe(viaBody.body.messageId);
    const before = (await messages()).length;
    const clash = await call('POST', path, visitor, { text: 'Clash', clientMessageId: 'visit-4' }, { 'idempotency-key': 'visit-5' });
    expect(clash.status).toBe(400);
    expect(clash.body.code).toBe('validation');
    const bad = await call('POST', path, visitor, { text: 'Bad key' }, { 'idempotency-key': 'has spaces in it' });
    expect([bad.status, bad.body.field]).toEqual([400, 'Idempotency-Key']);
    expect((await messages()).length).toBe(before);
  });

  it('answers a reused key with other text 422 instead of dropping the text', async () => {
    const path = `/v1/visitor/conversations/${conversationId}/messages`;
    expect((await call('POST', path, visitor, { text: 'First words' }, { 'idempotency-key': 'visit-6' })).status).toBe(201);
    const reused = await call('POST', path, visitor, { text: 'Other words' }, { 'idempotency-key': 'visit-6' });
    expect([reused.status, reused.body.code]).toEqual([422, 'idempotency_key_reused']);
    expect((await messages()).map((m) => m.text)).not.toContain('Other words');
  });

  it('uses a long header key (beyond the aggregate\'s client message id) by its hash', async () => {
    const path = `/v1/visitor/conversations/${conversationId}/messages`;
    const key = `order/${'x'.repeat(200)}`;
    const first = await call('POST', path, visitor, { text: 'Long key' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect((await call('POST', path, visitor, { text: 'Long key' }, { 'idempotency-key': key })).body.messageId).toBe(first.body.messageId);
    expect((await messages()).filter((m) => m.text === 'Long key')).toHaveLength(1);
  });
});
