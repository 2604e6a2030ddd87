/**
 * A conversation's history and the conversation as it stood at a past time
 * or revision, through the gateway, with the services as processes on real
 * NATS and PostgreSQL, driven with the typed client. The history lists every
 * event with its type, revision, actor and time (internal notes included,
 * for staff); every past state agrees with the events up to it; the last one
 * is the conversation as the read model shows it now; bad points in time are
 * 400 naming the parameter; another tenant's conversation is 404 like one
 * that does not exist; and none of it changes anything.
 */
import { createClient, ProblemError, type ContactCenterClient } from '@contactcenter/client';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

const T = 'contactcenter.conversation.v1.';

describe('conversation history and time travel', () => {
  let stack: TestStack;
  const tenant = `hist-${Date.now().toString(36)}`;
  let agent: ContactCenterClient;
  let otherTenant: ContactCenterClient;
  let visitor: ContactCenterClient;
  let conversationId: string;

  const history = async (api: ContactCenterClient = agent, query: { fromRevision?: string; pageSize?: string } = {}) =>
    api.GET('/v1/conversations/{conversationId}/history', { params: { path: { conversationId }, query } });
  const at = (query: { asOf?: string; atRevision?: string }, api: ContactCenterClient = agent, id = conversationId) =>
    api.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId: id }, query } });
  const problemOf = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as ProblemError);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    stack = await startTestStack();
    const admin = createClient({ baseUrl: stack.gatewayUrl, token: stack.token(tenant, 'ada', ['admin']) });
    agent = createClient({ baseUrl: stack.gatewayUrl, token: stack.token(tenant, 'tom', ['agent']) });
    otherTenant = createClient({ baseUrl: stack.gatewayUrl, token: stack.token(`${tenant}-b`, 'tom', ['supervisor']) });
    const { widgetKey } = await admin.POST('/v1/admin/widget-keys', { body: null });
    visitor = createClient({ baseUrl: stack.gatewayUrl, widgetKey: widgetKey! });

    // A visitor asks, the agent answers, notes, tags, raises the priority and resolves; each step a moment apart.
    ({ conversationId } = await visitor.POST('/v1/visitor/conversations', { body: { language: 'en', subject: 'Refund' } }));
    const steps: (() => Promise<unknown>)[] = [
      () => visitor.POST('/v1/visitor/conversations/{conversationId}/messages', { params: { path: { conversationId } }, body: { text: 'I want my money back' } }),
      () => agent.POST('/v1/conversations/{conversationId}/messages', { params: { path: { conversationId } }, body: { text: 'Let me check that for you' } }),
      () => agent.POST('/v1/conversations/{conversationId}/notes', { params: { path: { conversationId } }, body: { text: 'second complaint this month' } }),
      () => agent.POST('/v1/conversations/{conversationId}/tags', { params: { path: { conversationId } }, body: { add: ['refund'] } }),
      () => agent.PUT('/v1/conversations/{conversationId}/priority', { params: { path: { conversationId } }, body: { priority: 'high' } }),
      () => agent.POST('/v1/conversations/{conversationId}/resolve', { params: { path: { conversationId } } }),
    ];
    for (const step of steps) {
      await pause(30);
      await step();
    }
    // Services react on their own (routing, translation): wait until the stream is quiet.
    let last = -1;
    for (let quietSince = Date.now(), deadline = Date.now() + 20_000; Date.now() < deadline; await pause(200)) {
      const { revision } = await history();
      if (revision !== last) [last, quietSince] = [revision, Date.now()];
      else if (Date.now() - quietSince > 1_500) break;
    }
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('lists every event with its type, revision, actor and time, internal notes included', async () => {
    const h = await history();
    expect(h.conversationId).toBe(conversationId);
    expect(h.events.map((e) => e.revision)).toEqual(h.events.map((_, i) => i));
    expect(h.revision).toBe(h.events.length - 1);
    expect(h.nextFromRevision).toBeUndefined();
    const types = h.events.map((e) => e.type);
    expect(types[0]).toBe(`${T}ConversationStarted`);
    expect(types).toEqual(expect.arrayContaining([`${T}MessagePosted`, `${T}InternalNoteAdded`, `${T}ConversationTagged`, `${T}PriorityChanged`, `${T}ConversationResolved`]));
    const customerId = (await visitor.visitorSession()).customerId;
    const byType = (type: string) => h.events.filter((e) => e.type === `${T}${type}`);
    expect(byType('ConversationStarted')[0]).toMatchObject({ actorId: customerId, data: { conversationId, customerId, subject: 'Refund' } });
    expect(byType('MessagePosted').map((e) => [e.actorId, (e.data as { message?: { text?: string } }).message?.text])).toEqual([
      [customerId, 'I want my money back'],
      ['tom', 'Let me check that for you'],
    ]);
    expect(byType('InternalNoteAdded')[0]).toMatchObject({ actorId: 'tom', data: { note: { text: 'second complaint this month', agentId: 'tom' } } });
    expect(byType('PriorityChanged')[0]!.data).toMatchObject({ priority: 'PRIORITY_HIGH' });
    for (const e of h.events) {
      expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(e.occurredAt!)).toBeLessThanOrEqual(Date.parse(e.recordedAt!) + 1_000);
    }
    expect(new Set(h.events.map((e) => e.eventId)).size).toBe(h.events.length);
  });

  it('pages by revision', async () => {
    const all = await history();
    const paged: string[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const page = await history(agent, { fromRevision: String(from), pageSize: '2' });
      expect(page.events.length).toBeLessThanOrEqual(2);
      paged.push(...page.events.map((e) => e.eventId));
      from = page.nextFromRevision;
    }
    expect(paged).toEqual(all.events.map((e) => e.eventId));
  });

  it('shows the conversation at every revision as its events up to there make it', async () => {
    const { events } = await history();
    for (const e of events) {
      const past = await at({ atRevision: String(e.revision) });
      const upTo = events.slice(0, e.revision + 1);
      const has = (type: string) => upTo.some((x) => x.type === `${T}${type}`);
      expect(past).toMatchObject({ conversationId, revision: e.revision, subject: 'Refund', messageCount: upTo.filter((x) => x.type === `${T}MessagePosted`).length });
      expect(past.messages).toHaveLength(past.messageCount!);
      expect(past.tags).toEqual(has('ConversationTagged') ? ['refund'] : []);
      expect(past.priority).toBe(has('PriorityChanged') ? 'high' : 'normal');
      expect(past.status === 'resolved').toBe(has('ConversationResolved'));
      expect(JSON.stringify(past)).not.toContain('second complaint this month'); // notes stay in the history
    }
  });

  it('shows the conversation as of a time: everything that happened by then, nothing after', async () => {
    const { events } = await history();
    for (const e of events) {
      const time = Date.parse(e.occurredAt!);
      // The longest run of events from the first that all happened by then.
      let expected = 0;
      while (expected + 1 < events.length && Date.parse(events[expected + 1]!.occurredAt!) <= time) expected++;
      expect((await at({ asOf: e.occurredAt! })).revision).toBe(expected);
    }
    const started = await at({ atRevision: '0' });
    expect((await at({ asOf: started.startedAt! })).revision).toBe(0);
    // The same instant written with an offset instead of Z: the same conversation.
    const last = events.at(-1)!.occurredAt!;
    const inBerlinSummer = new Date(Date.parse(last) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect(await at({ asOf: inBerlinSummer })).toEqual(await at({ asOf: last }));
  });

  it('shows at the last revision exactly what the read model shows now', async () => {
    const { revision } = await history();
    expect(await at({ atRevision: String(revision) })).toEqual(await agent.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId } } }));
  });

  it('refuses bad points in time with 400, naming the parameter', async () => {
    const { revision } = await history();
    const { startedAt } = await at({ atRevision: '0' });
    const cases: [{ asOf?: string; atRevision?: string }, string, RegExp][] = [
      [{ asOf: 'yesterday' }, 'asOf', /RFC 3339/],
      [{ asOf: '2025-02-30T10:00:00Z' }, 'asOf', /RFC 3339/],
      [{ asOf: '2025-03-01T10:00:00' }, 'asOf', /RFC 3339/],
      [{ asOf: new Date(Date.now() + 3_600_000).toISOString() }, 'asOf', /in the future/],
      [{ asOf: new Date(Date.parse(startedAt!) - 1_000).toISOString() }, 'asOf', /before the conversation existed/],
      [{ atRevision: '-1' }, 'atRevision', /./],
      [{ atRevision: '1.5' }, 'atRevision', /./],
      [{ atRevision: 'latest' }, 'atRevision', /./],
      [{ atRevision: String(revision + 1) }, 'atRevision', new RegExp(`beyond the conversation's last revision \\(${revision}\\)`)],
      [{ asOf: startedAt!, atRevision: '0' }, 'asOf', /not both/],
    ];
    for (const [query, field, detail] of cases) {
      const err = await problemOf(at(query));
      expect([query, err]).toEqual([query, expect.any(ProblemError)]);
      expect([query, err!.status, err!.code, err!.field]).toEqual([query, 400, 'validation', field]);
      expect(err!.detail).toMatch(detail);
    }
    for (const query of [{ pageSize: '0' }, { pageSize: '501' }, { fromRevision: '-1' }]) {
      const err = await problemOf(history(agent, query));
      expect([query, err?.status, err?.field]).toEqual([query, 400, Object.keys(query)[0]]);
    }
    expect((await history()).revision).toBe(revision);
  });

  it('answers 404 for an unknown conversation and for another tenant\'s, and 403 for a visitor', async () => {
    const unknown = `nope-${Date.now()}`;
    for (const [label, call] of [
      ['unknown, history', () => agent.GET('/v1/conversations/{conversationId}/history', { params: { path: { conversationId: unknown } } })],
      ['unknown, as of', () => at({ atRevision: '0' }, agent, unknown)],
      ['other tenant, history', () => history(otherTenant)],
      ['other tenant, at a revision', () => at({ atRevision: '0' }, otherTenant)],
      ['other tenant, as of', () => at({ asOf: new Date().toISOString() }, otherTenant)],
    ] as const) {
      const err = await problemOf(call());
      expect([label, err?.status, err?.code]).toEqual([label, 404, 'not_found']);
      expect(err?.detail ?? '').not.toContain('Refund');
    }
    expect((await problemOf(history(visitor)))?.status).toBe(403);
    expect((await problemOf(at({ atRevision: '0' }, visitor)))?.status).toBe(403);
  });
});
