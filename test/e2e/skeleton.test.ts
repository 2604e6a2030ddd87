/**
 * Walking skeleton, end to end: the seven services as separate processes against a
 * real NATS server (JetStream) and a real PostgreSQL event store.
 */
import { connectNats, createLogger } from '../../infra/src';
import { createGrpcClient, unary } from '../../infra/src/grpc/client';
import { HealthChecker } from '../../infra/src/grpc/health';
import { AgentStatus, PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { readRelayedEvents } from '../../services/conversation/src/relay';
import { BACKEND_SERVICES, type ServiceName } from '../../scripts/stack';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.teardown();
});

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${stack.gatewayUrl}${path}`, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });

describe('the stack', () => {
  it('runs seven services as separate processes, each SERVING over grpc.health.v1', async () => {
    const names: ServiceName[] = [...BACKEND_SERVICES, 'gateway'];
    const pids = new Set(names.map((n) => stack.services.get(n)!.child.pid));
    expect(pids.size).toBe(7);
    for (const name of names) {
      const health = new HealthChecker(`127.0.0.1:${stack.ports.get(name)!.grpcPort}`);
      expect([name, await health.check('')]).toEqual([name, 'SERVING']);
      health.close();
    }
    const conversation = new HealthChecker(`127.0.0.1:${stack.ports.get('conversation')!.grpcPort}`);
    expect(await conversation.check('contactcenter.conversation.v1.ConversationService')).toBe('SERVING');
    conversation.close();
  });

  it('answers /healthz, /readyz with every peer and NATS, and serves its OpenAPI document', async () => {
    expect(await (await api('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await api('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { conversation: 'SERVING', routing: 'SERVING', presence: 'SERVING', translation: 'SERVING', survey: 'SERVING', channels: 'SERVING', nats: 'CONNECTED', load: 'OK' },
    });
    const doc = (await (await api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/conversations', '/v1/conversations/{conversationId}', '/readyz']));
  });

  it('carries a request through the gateway to the conversation service over gRPC and back', async () => {
    const token = stack.token('acme', 'agent-ana');
    const created = await api('/v1/conversations', {
      method: 'POST',
      token,
      body: JSON.stringify({ channel: 'chat', customerId: 'cust-1', language: 'es', subject: 'Pedido tardío' }),
    });
    expect(created.status).toBe(201);
    const { conversationId, revision } = (await created.json()) as { conversationId: string; revision: number };
    expect(conversationId).toMatch(/^[\w-]+$/);
    expect(revision).toBe(0);

    const posted = await api(`/v1/conversations/${conversationId}/messages`, { method: 'POST', token, body: JSON.stringify({ text: 'Hola, ¿en qué puedo ayudarle? 👋' }) });
    expect(posted.status).toBe(201);

    const read = await api(`/v1/conversations/${conversationId}`, { token });
    expect(read.status).toBe(200);
    const body = (await read.json()) as { channel: string; language: string; customerId: string; messages: { text: string; authorId: string }[] };
    expect(body).toMatchObject({ channel: 'chat', language: 'es', customerId: 'cust-1' });
    expect(body.messages).toEqual([expect.objectContaining({ text: 'Hola, ¿en qué puedo ayudarle? 👋', authorId: 'agent-ana' })]);

    // the relay published both events to JetStream as CloudEvents, under the tenant's subjects
    const nc = await connectNats(stack.nats.url, 'e2e-reader', createLogger('e2e', 'silent'));
    try {
      let relayed: Awaited<ReturnType<typeof readRelayedEvents>> = [];
      for (let i = 0; i < 50 && relayed.length < 2; i++) {
        relayed = (await readRelayedEvents(nc, { filter: 'cc.acme.>' })).filter((m) => m.event.subject === conversationId);
        if (relayed.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(relayed.map((m) => [m.subject, m.event.type, m.event.sequence])).toEqual([
        [`cc.acme.conversation.ConversationStarted.${conversationId}`, 'contactcenter.conversation.v1.ConversationStarted', '0'],
        [`cc.acme.conversation.MessagePosted.${conversationId}`, 'contactcenter.conversation.v1.MessagePosted', '1'],
      ]);
      expect(relayed[1]!.event.data).toMatchObject({ message: { text: 'Hola, ¿en qué puedo ayudarle? 👋', authorKind: 'AUTHOR_KIND_AGENT' } });
    } finally {
      await nc.close();
    }

    // another tenant cannot see it
    const other = await api(`/v1/conversations/${conversationId}`, { token: stack.token('globex', 'agent-bo') });
    expect(other.status).toBe(404);
  });

  it('maps bad input to problem JSON without reaching a stack trace', async () => {
    const token = stack.token('acme', 'agent-ana');
    const res = await api('/v1/conversations', { method: 'POST', token, body: JSON.stringify({ channel: 'fax', customerId: 'c', language: 'en' }) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('validation');
    expect(problem.detail).toMatch(/channel/);
    const unknown = await api('/v1/conversations/nope-1', { token });
    expect(unknown.status).toBe(404);
    const anonymous = await api('/v1/conversations/nope-1');
    expect(anonymous.status).toBe(401);
  });

  it('keeps an agent\'s presence in the presence process, over gRPC on real NATS KV', async () => {
    const client = createGrpcClient(PresenceServiceClient, `127.0.0.1:${stack.ports.get('presence')!.grpcPort}`);
    try {
      const as = { tenantId: 'acme', actorId: 'admin' };
      const profile = { agentId: 'ana', displayName: 'Ana', skills: [{ name: 'billing', level: 6 }], languages: ['pt'], capacity: { chat: 2 }, calendar: undefined, translationEnabled: true, teamIds: [] };
      await unary(client, client.upsertAgent, { profile }, as);
      await unary(client, client.setAgentStatus, { agentId: 'ana', status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as);
      await unary(client, client.heartbeat, { agentId: 'ana', connectionId: 'desk' }, as);
      const { agent } = await unary(client, client.reserveCapacity, { agentId: 'ana', conversationId: 'c-1', channel: 'chat' }, as);
      expect(agent).toMatchObject({ status: AgentStatus.AGENT_STATUS_ONLINE, acceptsWork: true, connections: 1, load: { chat: 1 } });
    } finally {
      client.close();
    }
  });

  it('lets an agent desk beat, see the queue, and take offers through the gateway', async () => {
    const presence = createGrpcClient(PresenceServiceClient, `127.0.0.1:${stack.ports.get('presence')!.grpcPort}`);
    const tenant = 'initech';
    const token = stack.token(tenant, 'milton');
    try {
      const profile = { agentId: 'milton', displayName: 'Milton', skills: [], languages: ['en'], capacity: { chat: 1 }, calendar: undefined, translationEnabled: false, teamIds: [] };
      await unary(presence, presence.upsertAgent, { profile }, { tenantId: tenant, actorId: 'admin' });
      // No connection yet: the agent is not working, so a conversation waits and says why.
      expect((await api('/v1/agents/me/status', { method: 'PUT', token, body: JSON.stringify({ status: 'online' }) })).status).toBe(200);
      const admin = { tenantId: tenant, actorId: 'admin' };
      const { RoutingServiceClient, Strategy } = await import('@contactcenter/proto/routing/v1');
      const routing = createGrpcClient(RoutingServiceClient, `127.0.0.1:${stack.ports.get('routing')!.grpcPort}`);
      await unary(routing, routing.upsertQueue, { queue: { queueId: 'desk', name: 'Desk', channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: Strategy.STRATEGY_LONGEST_IDLE, offerTimeoutSeconds: 30, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 60, teamId: '', revision: 0 } }, admin);
      const started = (await (await api('/v1/conversations', { method: 'POST', token, body: JSON.stringify({ channel: 'chat', customerId: 'cust-9', language: 'en' }) })).json()) as { conversationId: string };
      await unary(routing, routing.enqueueConversation, { conversationId: started.conversationId, queueId: 'desk' }, admin);
      routing.close();
      const waiting = await poll(async () => {
        const res = await api(`/v1/conversations/${started.conversationId}/queue-position`, { token });
        const body = res.status === 200 ? ((await res.json()) as { waitingReason: string }) : undefined;
        return body?.waitingReason ? body : undefined;
      });
      expect(waiting).toMatchObject({ queueId: 'desk', position: 1, queueLength: 1 });
      expect(waiting.waitingReason).toMatch(/working now|not accepting work/);

      // The desk connects and beats: the agent works, gets the offer, and accepts it.
      const beat = await api('/v1/agents/me/heartbeat', { method: 'POST', token, body: JSON.stringify({ connectionId: 'tab-1' }) });
      expect(await beat.json()).toMatchObject({ status: 'online', acceptsWork: true, connections: 1 });
      const offers = await poll(async () => {
        const body = (await (await api('/v1/agents/me/offers', { token })).json()) as { offers: unknown[] };
        return body.offers.length ? body.offers : undefined;
      });
      expect(offers[0]).toMatchObject({ conversationId: started.conversationId, queueId: 'desk', offeredTo: 1 });
      const stranger = await api(`/v1/offers/${started.conversationId}/accept`, { method: 'POST', token: stack.token(tenant, 'bill') });
      expect(stranger.status).toBe(404); // bill is no agent of this tenant
      expect((await api(`/v1/offers/${started.conversationId}/accept`, { method: 'POST', token })).status).toBe(200);
      expect((await api(`/v1/offers/${started.conversationId}/accept`, { method: 'POST', token })).status).toBe(409);
      const gone = await api(`/v1/conversations/${started.conversationId}/queue-position`, { token });
      expect(gone.status).toBe(409);
      expect((await api('/v1/agents/me/heartbeat', { method: 'POST', token, body: JSON.stringify({ connectionId: 'bad id!' }) })).status).toBe(400);
      const closed = await api('/v1/agents/me/connections/tab-1', { method: 'DELETE', token });
      expect(await closed.json()).toMatchObject({ connections: 0 });
    } finally {
      presence.close();
    }
  });
});

describe('the customer widget', () => {
  /** A tenant with a widget key and one chat queue (least busy first); returns the widget key. */
  async function widgetTenant(tenant: string, queueId: string): Promise<{ widgetKey: string }> {
    const admin = stack.token(tenant, 'root', ['admin']);
    const key = (await (await api('/v1/admin/widget-keys', { method: 'POST', token: admin })).json()) as { widgetKey: string };
    const { RoutingServiceClient, Strategy } = await import('@contactcenter/proto/routing/v1');
    const routing = createGrpcClient(RoutingServiceClient, `127.0.0.1:${stack.ports.get('routing')!.grpcPort}`);
    const queue = { queueId, name: queueId, channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: Strategy.STRATEGY_LEAST_BUSY, offerTimeoutSeconds: 0, agingSeconds: 0, overflow: undefined, averageHandleSeconds: 60, teamId: '', revision: 0 };
    await unary(routing, routing.upsertQueue, { queue }, { tenantId: tenant, actorId: 'root' });
    routing.close();
    return key;
  }

  it('sees its own conversation and queue position through a visitor session, and nobody else\'s', async () => {
    const key = await widgetTenant('umbrella', 'web');
    const visitor = async () => ((await (await api('/v1/visitor/sessions', { method: 'POST', body: JSON.stringify({ widgetKey: key.widgetKey }) })).json()) as { token: string }).token;
    const alice = await visitor();
    const mallory = await visitor();

    expect((await api('/v1/visitor/conversations', { method: 'POST', token: alice, body: JSON.stringify({ language: 'en', queueId: 'nowhere' }) })).status).toBe(404);
    const started = await api('/v1/visitor/conversations', { method: 'POST', token: alice, body: JSON.stringify({ language: 'en', queueId: 'web' }) });
    expect(started.status).toBe(201);
    const { conversationId } = (await started.json()) as { conversationId: string };
    expect((await api(`/v1/visitor/conversations/${conversationId}/messages`, { method: 'POST', token: alice, body: JSON.stringify({ text: 'Hello?' }) })).status).toBe(201);
    const position = await poll(async () => {
      const res = await api(`/v1/visitor/conversations/${conversationId}/queue-position`, { token: alice });
      return res.status === 200 ? ((await res.json()) as { position: number; waitingReason: string; estimatedWaitSeconds: number | null }) : undefined;
    });
    expect(position).toMatchObject({ position: 1, estimatedWaitSeconds: null });
    expect(position.waitingReason).toContain('no agent');
    const mine = (await (await api(`/v1/visitor/conversations/${conversationId}`, { token: alice })).json()) as { messages: { text: string }[] };
    expect(mine.messages.map((m) => m.text)).toContain('Hello?');

    // Another visitor, or staff of another tenant, learn nothing: 404, as for a conversation that does not exist.
    for (const path of ['', '/queue-position']) {
      const res = await api(`/v1/visitor/conversations/${conversationId}${path}`, { token: mallory });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('Hello?');
    }
    expect((await api(`/v1/visitor/conversations/${conversationId}/messages`, { method: 'POST', token: mallory, body: JSON.stringify({ text: 'mine now' }) })).status).toBe(404);
    expect((await api(`/v1/conversations/${conversationId}`, { token: stack.token('globex', 'agent-bo') })).status).toBe(404);
    expect((await api(`/v1/conversations/${conversationId}/queue-position`, { token: stack.token('globex', 'agent-bo') })).status).toBe(404);
  });

  it('starts many visitors at once into their queue, each their own conversation, sent to routing together', async () => {
    const key = await widgetTenant('initech', 'rush');
    const batchCalls = async () => {
      const text = await (await fetch(`http://127.0.0.1:${stack.ports.get('routing')!.metricsPort}/metrics`)).text();
      return Number(/grpc_server_handling_seconds_count\{[^}]*method="[^"]*\/StartInQueues"[^}]*code="OK"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await batchCalls();
    // Four visitors (sessions are limited per address), six starts each, all at once.
    const visitors = await Promise.all(
      Array.from({ length: 4 }, async () => ((await (await api('/v1/visitor/sessions', { method: 'POST', body: JSON.stringify({ widgetKey: key.widgetKey }) })).json()) as { token: string }).token),
    );
    const tokenOf = (i: number) => visitors[i % visitors.length]!;
    const started = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const res = await api('/v1/visitor/conversations', { method: 'POST', token: tokenOf(i), body: JSON.stringify({ language: 'en', queueId: i === 7 ? 'nowhere' : 'rush' }) });
        return { status: res.status, body: (await res.json()) as { conversationId?: string; revision?: number } };
      }),
    );
    // The one naming an unknown queue fails alone; every other visitor has a conversation of their own, started and queued.
    expect(started[7]!.status).toBe(404);
    const ok = started.filter((_, i) => i !== 7);
    expect(ok.map((r) => r.status)).toEqual(ok.map(() => 201));
    expect(ok.map((r) => r.body.revision)).toEqual(ok.map(() => 1));
    expect(new Set(ok.map((r) => r.body.conversationId)).size).toBe(ok.length);
    for (const i of [0, 9, 23]) {
      const id = started[i]!.body.conversationId!;
      expect((await api(`/v1/visitor/conversations/${id}`, { token: tokenOf(i) })).status).toBe(200);
      expect((await api(`/v1/visitor/conversations/${id}`, { token: tokenOf(i + 1) })).status).toBe(404);
    }
    // Twenty-four at once do not go one call each: those arriving while earlier starts are in flight share a StartInQueues call.
    expect(await batchCalls()).toBeGreaterThan(before);
  });
});

describe('the agent desk', () => {
  it('notes, tags, prioritises, transfers, resolves, reopens and tickets, and another tenant can do none of it', async () => {
    const tenant = 'hooli';
    const gavin = stack.token(tenant, 'gavin');
    const outsider = stack.token('piedpiper', 'richard');
    const started = (await (await api('/v1/conversations', { method: 'POST', token: gavin, body: JSON.stringify({ channel: 'email', customerId: 'cust-h1', language: 'en' }) })).json()) as { conversationId: string };
    const id = started.conversationId;
    const send = (method: string, path: string, token: string, body?: unknown) => api(`/v1/conversations/${id}${path}`, { method, token, body: body === undefined ? undefined : JSON.stringify(body) });
    const calls: [string, string, unknown][] = [
      ['POST', '/notes', { text: 'VIP, handle with care' }],
      ['POST', '/tags', { add: ['vip', 'refund'] }],
      ['PUT', '/priority', { priority: 'urgent' }],
      ['POST', '/ticket', { status: 'pending' }],
      ['POST', '/resolve', undefined],
      ['POST', '/reopen', { reason: 'customer wrote back' }],
    ];
    for (const [method, path, body] of calls) {
      // Another tenant first: 404 and nothing changes; then the owner succeeds.
      const denied = await send(method, path, outsider, body);
      expect([path, denied.status]).toEqual([path, 404]);
      const ok = await send(method, path, gavin, body);
      expect([path, ok.status]).toEqual([path, 200]);
    }
    const view = (await (await api(`/v1/conversations/${id}`, { token: gavin })).json()) as { tags: string[]; priority: string; ticketStatus: string; status: string };
    expect({ ...view, tags: [...view.tags].sort() }).toMatchObject({ tags: ['refund', 'vip'], priority: 'urgent', ticketStatus: 'pending', status: 'open' });

    // Bad input is 400 naming the problem, and changes nothing.
    expect((await send('POST', '/tags', gavin, { add: ['Not A Tag!'] })).status).toBe(400);
    expect((await send('PUT', '/priority', gavin, { priority: 'whenever' })).status).toBe(400);
    expect((await send('POST', '/transfer', gavin, { toAgentId: 'a', toTeamId: 'b' })).status).toBe(400);
    expect((await send('POST', '/transfer', gavin, { toTeamId: 'nobody' })).status).toBe(404);
    expect((await send('POST', '/transfer', outsider, { toTeamId: 'nobody' })).status).toBe(404);
    expect((await api('/v1/conversations?pageSize=500', { token: gavin })).status).toBe(400);

    const listed = (await (await api('/v1/conversations?status=open&pageSize=10', { token: gavin })).json()) as { conversations: { conversationId: string }[] };
    expect(listed.conversations.map((c) => c.conversationId)).toContain(id);
    const theirs = (await (await api('/v1/conversations?status=open', { token: outsider })).json()) as { conversations: { conversationId: string }[] };
    expect(theirs.conversations.map((c) => c.conversationId)).not.toContain(id);
    const timeline = (await (await api('/v1/customers/cust-h1/timeline', { token: gavin })).json()) as { entries: { conversation: { conversationId: string } }[] };
    expect(timeline.entries.map((e) => e.conversation.conversationId)).toContain(id);
    const foreign = (await (await api('/v1/customers/cust-h1/timeline', { token: outsider })).json()) as { entries: unknown[] };
    expect(foreign.entries).toEqual([]);
    // A customer known by a +phone number has a timeline like any other.
    const phone = await api('/v1/conversations', { method: 'POST', token: gavin, body: JSON.stringify({ channel: 'phone', customerId: '+4915112345678', language: 'de' }) });
    expect(phone.status).toBe(201);
    const byPhone = () => api(`/v1/customers/${encodeURIComponent('+4915112345678')}/timeline`, { token: gavin });
    expect((await byPhone()).status).toBe(200);
    // The timeline is a read model: it shows the conversation once projected.
    await poll(async () => (((await (await byPhone()).json()) as { entries: unknown[] }).entries.length === 1 ? true : undefined));
  });
});

describe('tenant administration', () => {
  it('lets admins define agents, teams, queues, FAQ, canned responses and translation, for their own tenant only', async () => {
    const tenant = 'vandelay';
    const admin = stack.token(tenant, 'art', ['admin']);
    const agentOnly = stack.token(tenant, 'george');
    const otherAdmin = stack.token('kramerica', 'cosmo', ['admin']);
    const put = (path: string, token: string, body: unknown) => api(`/v1/admin/${path}`, { method: 'PUT', token, body: JSON.stringify(body) });

    const agent = { displayName: 'Elaine', skills: [{ name: 'latex', level: 7 }], languages: ['en', 'es'], capacity: { chat: 2 }, translationEnabled: true, teamIds: ['importers'] };
    expect((await put('agents/elaine', agentOnly, agent)).status).toBe(403);
    expect((await put('agents/elaine', admin, agent)).status).toBe(200);
    const badAgent = await put('agents/newman', admin, { ...agent, skills: [{ name: 'latex', level: 11 }] });
    expect(badAgent.status).toBe(400);
    expect(await badAgent.json()).toMatchObject({ field: 'profile.skills[0].level' });
    const queue = { name: 'Imports', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', requiredSkills: [{ name: 'latex', minLevel: 5 }] };
    expect((await put('queues/imports', admin, queue)).status).toBe(200);
    const badQueue = await put('queues/exports', admin, { ...queue, strategy: 'STRATEGY_UNSPECIFIED' });
    expect(await badQueue.json()).toMatchObject({ status: 400, field: 'queue.strategy' });
    expect((await put('teams/importers', admin, { name: 'Importers', queueId: 'imports' })).status).toBe(200);
    expect((await put('teams/exporters', admin, { name: 'Exporters', queueId: 'nowhere' })).status).toBe(404);
    expect((await put('faq/hours', admin, { language: 'en', question: 'When are you open?', answer: '9 to 5.' })).status).toBe(200);
    expect((await put('canned-responses/hello', admin, { title: 'Hello', versions: { en: 'Hello!', es: '¡Hola!' } })).status).toBe(200);
    expect((await put('translation', admin, { enabled: true, provider: 'babelfish' })).status).toBe(400);

    const mine = (await (await api('/v1/admin/agents', { token: admin })).json()) as { agents: { agentId: string }[] };
    expect(mine.agents.map((a) => a.agentId)).toEqual(['elaine']);
    const queues = (await (await api('/v1/admin/queues', { token: admin })).json()) as { queues: { queueId: string; revision: number }[] };
    expect(queues.queues).toEqual([expect.objectContaining({ queueId: 'imports' })]);
    const canned = (await (await api('/v1/canned-responses', { token: agentOnly })).json()) as { cannedResponses: { cannedResponseId: string }[] };
    expect(canned.cannedResponses.map((c) => c.cannedResponseId)).toEqual(['hello']);
    for (const path of ['agents', 'queues', 'teams']) {
      const theirs = (await (await api(`/v1/admin/${path}`, { token: otherAdmin })).json()) as Record<string, unknown[]>;
      expect([path, theirs[path]]).toEqual([path, []]);
    }
  });
});

describe('proactive invitations', () => {
  it('invites a visitor by the tenant\'s rules once, and records the invitation and its acceptance as events', async () => {
    const tenant = 'bluth';
    const admin = stack.token(tenant, 'lucille', ['admin']);
    const key = (await (await api('/v1/admin/widget-keys', { method: 'POST', token: admin })).json()) as { widgetKey: string };
    const visitor = async () => ((await (await api('/v1/visitor/sessions', { method: 'POST', body: JSON.stringify({ widgetKey: key.widgetKey }) })).json()) as { token: string; customerId: string });
    const rules = [{ ruleId: 'big-cart', urlPattern: 'https://shop.example/checkout*', minTimeOnPageSeconds: 20, minCartValue: 100, currency: 'EUR', messages: { en: 'Can we help with your order?', es: '¿Le ayudamos con su pedido?' } }];
    expect((await api('/v1/admin/invitation-rules', { method: 'PUT', token: admin, body: JSON.stringify({ rules: [{ ...rules[0], currency: 'euro' }] }) })).status).toBe(400);
    expect((await api('/v1/admin/invitation-rules', { method: 'PUT', token: stack.token(tenant, 'buster'), body: JSON.stringify({ rules }) })).status).toBe(403);
    expect((await api('/v1/admin/invitation-rules', { method: 'PUT', token: admin, body: JSON.stringify({ rules }) })).status).toBe(200);

    const gob = await visitor();
    const report = (v: { token: string }, body: object) => api('/v1/visitor/activity', { method: 'POST', token: v.token, body: JSON.stringify(body) });
    const small = (await (await report(gob, { url: 'https://shop.example/checkout', timeOnPageSeconds: 30, cartValue: 40, currency: 'EUR' })).json()) as { invitation: null };
    expect(small.invitation).toBeNull();
    const invited = (await (await report(gob, { url: 'https://shop.example/checkout', timeOnPageSeconds: 30, cartValue: 140, currency: 'EUR', language: 'es' })).json()) as { invitation: { invitationId: string; message: string } };
    expect(invited.invitation.message).toBe('¿Le ayudamos con su pedido?');
    const again = (await (await report(gob, { url: 'https://shop.example/checkout', timeOnPageSeconds: 60, cartValue: 140, currency: 'EUR' })).json()) as { invitation: null };
    expect(again.invitation).toBeNull();

    const tobias = await visitor();
    expect((await api(`/v1/visitor/invitations/${invited.invitation.invitationId}/accept`, { method: 'POST', token: tobias.token, body: '{}' })).status).toBe(404);
    const accepted = await api(`/v1/visitor/invitations/${invited.invitation.invitationId}/accept`, { method: 'POST', token: gob.token, body: JSON.stringify({ language: 'es' }) });
    expect(accepted.status).toBe(201);
    const { conversationId } = (await accepted.json()) as { conversationId: string };
    expect((await api(`/v1/visitor/invitations/${invited.invitation.invitationId}/accept`, { method: 'POST', token: gob.token, body: '{}' })).status).toBe(409);
    expect((await api(`/v1/visitor/conversations/${conversationId}`, { token: gob.token })).status).toBe(200);

    const nc = await connectNats(stack.nats.url, 'e2e-engagement', createLogger('e2e', 'silent'));
    try {
      const { readEvents } = await import('@contactcenter/infra/events');
      const events = await readEvents(nc, { filter: `cc.${tenant}.engagement.>` });
      expect(events.map((e) => e.event.type)).toEqual(['contactcenter.engagement.v1.InvitationSent', 'contactcenter.engagement.v1.InvitationAccepted']);
      expect(events[1]!.event.data).toMatchObject({ invitationId: invited.invitation.invitationId, conversationId, ruleId: 'big-cart', customerId: gob.customerId });
    } finally {
      await nc.close();
    }

    // Two accepts at once (a double click): one conversation, never an orphan second one.
    const maeby = await visitor();
    const offer = (await (await report(maeby, { url: 'https://shop.example/checkout', timeOnPageSeconds: 30, cartValue: 140, currency: 'EUR' })).json()) as { invitation: { invitationId: string } };
    const both = await Promise.all([1, 2].map(() => api(`/v1/visitor/invitations/${offer.invitation.invitationId}/accept`, { method: 'POST', token: maeby.token, body: JSON.stringify({ language: 'en' }) })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    // The list is a read model: wait for the first, then give a second one as long again to show up.
    const maebys = async () =>
      ((await (await api('/v1/conversations?pageSize=50', { token: stack.token(tenant, 'buster') })).json()) as { conversations: { customerId: string }[] }).conversations.filter((c) => c.customerId === maeby.customerId);
    await poll(async () => ((await maebys()).length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await maebys()).toHaveLength(1);
  });
});

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('the real-time channel', () => {
  it('pushes the agent\'s REST reply to the visitor\'s WebSocket, and nothing of it to another visitor', async () => {
    const { default: WebSocket } = await import('ws');
    const tenant = 'wonka';
    const key = (await (await api('/v1/admin/widget-keys', { method: 'POST', token: stack.token(tenant, 'root', ['admin']) })).json()) as { widgetKey: string };
    const visitor = async () => ((await (await api('/v1/visitor/sessions', { method: 'POST', body: JSON.stringify({ widgetKey: key.widgetKey }) })).json()) as { token: string }).token;
    const [alice, mallory] = [await visitor(), await visitor()];
    const started = await api('/v1/visitor/conversations', { method: 'POST', token: alice, body: JSON.stringify({ language: 'en' }) });
    const { conversationId } = (await started.json()) as { conversationId: string };

    // As a browser would: the token as a subprotocol, never in the URL.
    const connect = async (token: string) => {
      const ws = new WebSocket(`${stack.gatewayUrl.replace(/^http/, 'ws')}/v1/realtime`, ['cc.realtime.v1', `bearer.${token}`]);
      const frames: { type: string; data?: { message?: { text: string; authorKind: string } }; subject?: string; position?: number }[] = [];
      ws.on('message', (raw) => frames.push(JSON.parse(String(raw))));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      await poll(async () => frames.find((f) => f.type === 'ready'));
      return { ws, frames };
    };
    const aliceSocket = await connect(alice);
    const mallorySocket = await connect(mallory);
    try {
      const reply = await api(`/v1/conversations/${conversationId}/messages`, { method: 'POST', token: stack.token(tenant, 'agent-charlie'), body: JSON.stringify({ text: 'Hi, Charlie here. How can I help?' }) });
      expect(reply.status).toBe(201);
      const pushed = await poll(async () => aliceSocket.frames.find((f) => f.type === 'contactcenter.conversation.v1.MessagePosted'));
      expect(pushed).toMatchObject({ subject: conversationId, data: { message: { text: 'Hi, Charlie here. How can I help?', authorKind: 'AUTHOR_KIND_AGENT' } }, position: expect.any(Number) });
      expect(mallorySocket.frames.map((f) => f.type)).toEqual(['ready']);
    } finally {
      aliceSocket.ws.close();
      mallorySocket.ws.close();
    }
  });
});
