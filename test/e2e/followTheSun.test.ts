/**
 * Follow-the-sun across two regions on one machine (issue 15): eu and us,
 * each the seven services as processes against its own NATS cluster and
 * PostgreSQL, joined through a proxy that adds 80 ms of round trip. The same
 * tenant is set up in both through the public API only: eu's agent works
 * hours that exclude now (Europe/Berlin), us's agent is on shift now
 * (America/New_York); shift hours are chosen from the real clock, so the
 * test holds at any hour. A conversation placed in eu is assigned to the us
 * agent with the reason; the agent finds it in her list at us's gateway (as
 * her desk reads it), answers through us's gateway and the answer is written
 * in eu only; resolving it gives the agent's slot back in us; and eu's own
 * requests do not pay the link's round trip meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { gatewayClient, poll } from '../support/gatewayClient';
import { startTestRegions, type TestRegions } from '../support/regions';
import { everyDay, hourIn, percentile, regionClient, regionNats, storedEvents, until, type Json } from '../support/regionsApi';

jest.setTimeout(300_000);

const LATENCY_MS = 80;

describe('follow-the-sun: an eu conversation after eu hours goes to a us agent on shift', () => {
  const tenant = `sun-${randomUUID().slice(0, 8)}`;
  let r: TestRegions;
  let admin: string;
  const eve = 'eve'; // eu, off shift now
  const uma = 'uma'; // us, on shift now
  const beats: ReturnType<typeof setInterval>[] = [];

  const { call, ok } = regionClient(() => r);
  /** The desk's link to presence: online, and a heartbeat every 5 s (presence drops a connection after 30 s without). */
  const goOnline = async (region: string, agentId: string) => {
    const token = r.token(tenant, agentId);
    await ok(region, 'PUT', '/v1/agents/me/status', token, { status: 'online' });
    const beat = () => ok(region, 'POST', '/v1/agents/me/heartbeat', token, { connectionId: 'desk' });
    const first = await beat();
    beats.push(setInterval(() => void beat().catch(() => undefined), 5_000));
    return first;
  };
  /** The agent as us's supervisors see them (their load and capacity per channel). */
  const agentIn = async (region: string, agentId: string): Promise<Json> => {
    const list = await ok(region, 'GET', '/v1/supervisor/agents', admin);
    return (list.agents as Json[]).find((a) => a.agentId === agentId)!;
  };
  let visitorToken: string;
  const startInEu = async () => {
    const started = await ok('eu', 'POST', '/v1/visitor/conversations', visitorToken, { language: 'en', queueId: 'web' }, { 'cf-ipcountry': 'DE' });
    return String(started.conversationId);
  };
  const assignedAgent = async (region: string, id: string) => {
    const a = await call(region, 'GET', `/v1/conversations/${id}`, admin);
    return a.status === 200 && a.body.assignedAgentId ? String(a.body.assignedAgentId) : undefined;
  };
  const eventRows = (region: string, id: string) => storedEvents(r, region, id);

  /** The AgentAssigned event of `id` in the region's events stream (its own account), as JSON data; undefined when there is none. */
  const streamedAssignment = async (region: string, id: string): Promise<Json | undefined> => {
    const nc = await regionNats(r, region);
    try {
      const jsm = await jetstreamManager(nc);
      const msg = await jsm.streams.getMessage('CC_EVENTS', { last_by_subj: `cc.${tenant}.conversation.AgentAssigned.${id}` }).catch(() => null);
      return msg ? (JSON.parse(new TextDecoder().decode(msg.data)) as Json) : undefined;
    } finally {
      await nc.close();
    }
  };

  beforeAll(async () => {
    r = await startTestRegions({ regions: ['eu', 'us'], latencyMs: LATENCY_MS });
    admin = r.token(tenant, 'ada', ['admin', 'supervisor']);
    // eu's agent works from three hours from now for two hours, Berlin time; us's from two hours ago for six, New York time.
    const offShift = everyDay('Europe/Berlin', hourIn('Europe/Berlin') + 3, 2);
    const onShift = everyDay('America/New_York', hourIn('America/New_York') - 2, 6);
    for (const region of ['eu', 'us']) {
      await ok(region, 'PUT', '/v1/admin/queues/web', admin, { name: 'Web', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 0, averageHandleSeconds: 60 });
    }
    await ok('eu', 'PUT', `/v1/admin/agents/${eve}`, admin, { displayName: 'Eve', languages: ['en'], capacity: { chat: 3 }, calendar: offShift });
    await ok('us', 'PUT', `/v1/admin/agents/${uma}`, admin, { displayName: 'Uma', languages: ['en'], capacity: { chat: 10 }, calendar: onShift });
    // Applied to both regions: the tenant's conversations live in eu.
    await ok('us', 'PUT', '/v1/admin/residency', admin, { homeRegion: 'eu', rules: [] });
    const key = await ok('eu', 'POST', '/v1/admin/widget-keys', admin);
    visitorToken = String((await ok('eu', 'POST', '/v1/visitor/sessions', '', { widgetKey: key.widgetKey })).token);
    // Both at their desks; only the shift keeps eve from work.
    expect(await goOnline('eu', eve)).toMatchObject({ status: 'online', onShift: false, acceptsWork: false });
    expect(await goOnline('us', uma)).toMatchObject({ status: 'online', onShift: true, acceptsWork: true });
  });
  afterAll(async () => {
    for (const b of beats) clearInterval(b);
    await r?.teardown();
  });

  let conversationId: string;

  test('the conversation placed in eu is assigned to the us agent, with why', async () => {
    conversationId = await startInEu();
    expect(conversationId).toMatch(/^eu_/);
    // Read through us's gateway: forwarded to eu, where the conversation lives.
    expect(await until('the assignment', () => assignedAgent('us', conversationId))).toBe(uma);

    const history = await ok('us', 'GET', `/v1/conversations/${conversationId}/history`, admin);
    const assigned = (history.events as Json[]).find((e) => e.type === 'contactcenter.conversation.v1.AgentAssigned')!;
    expect(assigned.data).toMatchObject({ agentId: uma, agentRegion: 'us' });
    expect(assigned.data.reason).toMatch(/^follow-the-sun: /);
    expect(assigned.data.reason).toContain('no eligible agent on shift in eu');
    expect(assigned.data.reason).toContain('Europe/Berlin');
    expect(assigned.data.decision.regionReason).toContain('us has 1 on shift');
    // Written in eu's event store, nothing of it in us's.
    expect((await eventRows('eu', conversationId)).some((e) => e.type === 'AgentAssigned' && e.data.agentRegion === 'us')).toBe(true);
    expect(await eventRows('us', conversationId)).toEqual([]);
    // Published on eu's events stream (what eu's other services and integrators follow), never on us's.
    const streamed = await until('the event on eu’s stream', () => streamedAssignment('eu', conversationId), 10_000);
    expect(streamed).toMatchObject({ agentId: uma, agentRegion: 'us', reason: assigned.data.reason });
    expect(await streamedAssignment('us', conversationId)).toBeUndefined();
    // Uma's slot is held in us's presence; eve was never given anything.
    expect(await agentIn('us', uma)).toMatchObject({ load: { chat: 1 }, capacity: { chat: 10 } });
    expect((await agentIn('eu', eve)).load?.chat ?? 0).toBe(0);
  });

  test('the us agent answers through us’s gateway; the answer is written in eu only', async () => {
    const text = `hello from us ${randomUUID().slice(0, 6)}`;
    const posted = await call('us', 'POST', `/v1/conversations/${conversationId}/messages`, r.token(tenant, uma), { text, clientMessageId: 'uma-1' });
    expect([posted.status, posted.body]).toEqual([201, expect.objectContaining({ messageId: expect.any(String) })]);
    const eu = await eventRows('eu', conversationId);
    expect(eu.some((e) => e.type === 'MessagePosted' && e.data.message?.text === text)).toBe(true);
    expect(await eventRows('us', conversationId)).toEqual([]);
    // Uma reads it at her region's gateway, as her desk does.
    const read = await ok('us', 'GET', `/v1/conversations/${conversationId}`, r.token(tenant, uma));
    expect(read.assignedAgentId).toBe(uma);
    expect((read.messages as Json[]).map((m) => m.text)).toContain(text);
  });

  test('her list at us’s gateway, as her desk reads it, holds the eu conversation, marked as eu’s, with the new message counted', async () => {
    const umasList = () => ok('us', 'GET', '/v1/agents/me/conversations', r.token(tenant, uma));
    // Her reply (the test before) is the conversation's only message: the list shows it once eu's read model has it.
    const list = await until('the eu conversation in uma’s list, with her reply counted', async () => {
      const l = await umasList();
      return (l.conversations as Json[]).some((c) => c.conversationId === conversationId && c.messageCount >= 1) ? l : undefined;
    });
    expect(list).toMatchObject({ region: 'us', complete: true, regions: [{ region: 'us', status: 'ok' }, { region: 'eu', status: 'ok' }] });
    const listed = (list.conversations as Json[]).find((c) => c.conversationId === conversationId)!;
    expect(listed).toMatchObject({ homeRegion: 'eu', assignedAgentId: uma, status: 'assigned' });
    // Eve's list in eu does not have it: it is uma's.
    const eves = await ok('eu', 'GET', '/v1/agents/me/conversations', r.token(tenant, eve));
    expect((eves.conversations as Json[]).map((c) => c.conversationId)).not.toContain(conversationId);
  });

  test('her socket at us, naming the eu conversation, receives the customer’s next message live, marked as eu’s', async () => {
    const socket = await gatewayClient(r.region('us').gatewayUrl).openSocket('/v1/realtime', r.token(tenant, uma));
    try {
      socket.send({ type: 'subscribe', conversations: [conversationId] });
      await poll(async () => socket.frames.find((f) => f.type === 'subscribed'), 10_000, 'the subscription');
      const text = `still there? ${randomUUID().slice(0, 6)}`;
      // The customer writes in eu; the event crosses to us only as a core message (nothing of it is stored in us).
      await ok('eu', 'POST', `/v1/visitor/conversations/${conversationId}/messages`, visitorToken, { text, clientMessageId: 'visitor-2' });
      const frame = await poll(
        async () => socket.frames.find((f) => f.type === 'contactcenter.conversation.v1.MessagePosted' && (f.data as Json)?.message?.text === text),
        10_000,
        'the customer’s message on uma’s socket',
      );
      expect(frame).toMatchObject({ subject: conversationId, region: 'eu' });
      expect(frame).not.toHaveProperty('position');
      expect(await eventRows('us', conversationId)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  test('resolving it gives the us agent’s slot back in us', async () => {
    expect((await call('us', 'POST', `/v1/conversations/${conversationId}/resolve`, r.token(tenant, uma))).status).toBe(200);
    const after = await until('the slot released', async () => {
      const a = await agentIn('us', uma);
      return (a.load?.chat ?? 0) === 0 ? a : undefined;
    });
    expect(after.capacity).toEqual({ chat: 10 });
    expect(await eventRows('us', conversationId)).toEqual([]);
  });

  test('eu’s own requests do not pay the 80 ms link while follow-the-sun assignments happen', async () => {
    const own = await startInEu(); // eu's conversation to read
    const ids: string[] = [];
    const local: number[] = [];
    let done = false;
    // Load: eight more conversations routed to us, one every 300 ms, while eu's own reads run.
    const crossing = (async () => {
      for (let i = 0; i < 8; i++) {
        ids.push(await startInEu());
        await new Promise((res) => setTimeout(res, 300));
      }
      await Promise.all(ids.map((id) => until(`assignment of ${id}`, () => assignedAgent('eu', id))));
      done = true;
    })();
    while (!done || local.length < 40) {
      local.push((await call('eu', 'GET', `/v1/conversations/${own}`, admin)).ms);
      await new Promise((res) => setTimeout(res, 20));
    }
    await crossing;
    for (const id of ids) expect(await assignedAgent('eu', id)).toBe(uma);
    expect((await agentIn('us', uma)).load).toEqual({ chat: ids.length + 1 }); // `own` was assigned to her too
    const p50 = percentile(local, 50);
    process.stdout.write(`follow-the-sun: eu's own reads p50 ${p50.toFixed(1)} ms, p99 ${percentile(local, 99).toFixed(1)} ms over ${local.length} while ${ids.length} conversations went to us (added round trip ${LATENCY_MS} ms)\n`);
    expect(p50).toBeLessThan(LATENCY_MS / 2);
  });
});
