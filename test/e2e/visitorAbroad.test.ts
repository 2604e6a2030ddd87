/**
 * Journey 1, "A visitor abroad, in her own language" (docs: journeys.md),
 * end to end through the gateway's public API only (REST, WebSocket, SSE),
 * with the seven services as separate processes on real NATS JetStream and
 * PostgreSQL and a real Apertium APY for English–Spanish:
 *
 * an admin sets up a tenant (agents, queue, widget key, invitation rule,
 * a Spanish/English CSAT + NPS survey, metrics in Europe/Madrid); Tom
 * (English, translation enabled) goes online in Dublin; Lucía spends a
 * minute on the pricing page with a full cart, is invited, accepts in
 * Spanish and writes in Spanish; routing gives Tom the chat through
 * translation (no Spanish speaker is online); each reads the other in their
 * own language; Tom resolves; Lucía answers the Spanish survey. The record
 * is checked on the integrator's event stream, and (journey 5) the
 * supervisor's figures for the day in Madrid.
 */
import { randomUUID } from 'node:crypto';
import { apertiumTestPlan, startApertiumServer, type ApertiumServer } from '../../scripts/apertiumServer';
import { gatewayClient, poll, type GatewayClient, type TestSocket } from '../support/gatewayClient';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

const plan = apertiumTestPlan();
if (!plan.run) {
  if (plan.fail) throw new Error(`Apertium is required in CI: ${plan.reason}`);
  process.stdout.write(`skipping the visitor-abroad journey: ${plan.reason}\n`);
}
const describeIfApertium = plan.run ? describe : describe.skip;

type Json = Record<string, any>;

const TYPE = (context: string, name: string) => `contactcenter.${context}.v1.${name}`;
const CONVERSATION = (name: string) => TYPE('conversation', name);
/** How long any one thing may take to arrive before the test says what is missing. */
const WAIT_MS = 30_000;
const MADRID = 'Europe/Madrid';

/** The first frame on `socket` that `match` accepts; fails naming `what` and listing what did arrive. */
async function frameOn(socket: TestSocket, who: string, what: string, match: (f: Json) => boolean): Promise<Json> {
  try {
    return await poll(async () => socket.frames.find(match), WAIT_MS, what);
  } catch {
    const seen = socket.frames.map((f) => `${String(f.type)}${f.subject ? `(${String(f.subject)})` : ''}`).join(', ');
    throw new Error(`${who}'s socket did not receive ${what} within ${WAIT_MS} ms; it received: ${seen || 'nothing'}`);
  }
}

describeIfApertium('journey 1: a visitor abroad, in her own language', () => {
  const tenant = `abroad-${randomUUID().slice(0, 8)}`;
  let apy: ApertiumServer;
  let stack: TestStack;
  let api: GatewayClient;
  let admin: { bearer: string };
  let tom: { bearer: string };
  let supervisor: { bearer: string };
  let beats: NodeJS.Timeout | undefined;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    apy = await startApertiumServer({ warm: ['en|es', 'es|en'] });
    stack = await startTestStack({ extraEnv: { translation: { APERTIUM_URL: apy.url } } });
    api = gatewayClient(stack.gatewayUrl);
    admin = { bearer: stack.token(tenant, 'ada', ['admin']) };
    tom = { bearer: stack.token(tenant, 'tom', ['agent']) };
    supervisor = { bearer: stack.token(tenant, 'sofia', ['supervisor']) };
  });

  afterAll(async () => {
    if (beats) clearInterval(beats);
    for (const s of sockets) s.close();
    await stack?.teardown();
    await apy?.stop();
  });

  it('invites, routes through translation, translates both ways, surveys in Spanish, and records it all', async () => {
    // ── The tenant's admin sets up ────────────────────────────────────────────
    const agent = await api.ok<Json>('PUT', '/v1/admin/agents/tom', admin, {
      displayName: 'Tom',
      languages: ['en'],
      capacity: { chat: 3 },
      translationEnabled: true,
      calendar: { timeZone: 'Europe/Dublin' },
    });
    expect(agent.agent).toMatchObject({ agentId: 'tom', languages: ['en'], translationEnabled: true, capacity: { chat: 3 } });
    // A Spanish speaker exists but is not online: routing must not wait for her.
    await api.ok('PUT', '/v1/admin/agents/marta', admin, { displayName: 'Marta', languages: ['es'], capacity: { chat: 3 }, translationEnabled: false });
    await api.ok('PUT', '/v1/admin/queues/web-shop', admin, { name: 'Web shop', channel: 'chat', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 0, averageHandleSeconds: 180 });
    const widget = await api.ok<Json>('POST', '/v1/admin/widget-keys', admin, { allowedOrigins: ['https://shop.example'] });
    expect(widget.allowedOrigins).toEqual(['https://shop.example']);
    const rules = await api.ok<Json>('PUT', '/v1/admin/invitation-rules', admin, {
      rules: [
        {
          ruleId: 'pricing-cart',
          urlPattern: 'https://shop.example/pricing*',
          minTimeOnPageSeconds: 60,
          minCartValue: 1,
          currency: 'EUR',
          messages: { en: 'Questions about your order? We are here to help.', es: '¿Dudas sobre su pedido? Estamos aquí para ayudarle.' },
          queueId: 'web-shop',
        },
      ],
    });
    expect(rules.rules).toHaveLength(1);
    await api.ok('PUT', '/v1/admin/surveys/post-chat', admin, {
      titles: { en: 'How did we do?', es: '¿Qué tal lo hicimos?' },
      defaultLanguage: 'en',
      questions: [
        { questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', required: true, texts: { en: 'How satisfied are you with the chat?', es: '¿Qué tan satisfecha está con el chat?' } },
        { questionId: 'nps', kind: 'SURVEY_QUESTION_KIND_NPS', texts: { en: 'How likely are you to recommend us?', es: '¿Qué probabilidad hay de que nos recomiende?' } },
      ],
      sendOnResolveChannels: ['CHANNEL_CHAT'],
      delaySeconds: 0,
      editWindowSeconds: 300,
      enabled: true,
    });
    expect((await api.ok<Json>('PUT', '/v1/admin/metrics-settings', admin, { timeZone: MADRID })).settings).toMatchObject({ timeZone: MADRID });
    const integratorKey = await api.ok<Json>('POST', '/v1/admin/api-keys', admin, { name: 'crm', scopes: ['events:read'] });
    const crm = { apiKey: String(integratorKey.key) };

    // ── Tom, in Dublin, opens his desk and goes online ───────────────────────
    const tomSocket = await api.openSocket('/v1/realtime', tom.bearer);
    sockets.push(tomSocket);
    await api.ok('PUT', '/v1/agents/me/status', tom, { status: 'online' });
    const beat = () => api.ok<Json>('POST', '/v1/agents/me/heartbeat', tom, { connectionId: 'desk-dublin' });
    expect(await beat()).toMatchObject({ agentId: 'tom', status: 'online', acceptsWork: true, connections: 1 });
    // The desk keeps beating, as a browser tab does, however long the journey takes.
    beats = setInterval(() => void beat().catch(() => undefined), 5_000);

    // ── Lucía browses the pricing page from Madrid ───────────────────────────
    const session = await api.ok<Json>('POST', '/v1/visitor/sessions', undefined, { widgetKey: widget.widgetKey, name: 'Lucía' });
    expect(session).toMatchObject({ verified: false, customerId: expect.stringMatching(/^anon-/) });
    const lucia = { bearer: String(session.token) };
    const luciaSocket = await api.openSocket('/v1/realtime', lucia.bearer);
    sockets.push(luciaSocket);
    const page = 'https://shop.example/pricing?plan=pro';
    // Half a minute in: no invitation yet.
    expect(await api.ok<Json>('POST', '/v1/visitor/activity', lucia, { url: page, timeOnPageSeconds: 30, cartValue: 129.9, currency: 'EUR', language: 'es' })).toEqual({ invitation: null });
    // A minute in, with items in her cart: the rule invites her, in Spanish.
    const invited = await api.ok<Json>('POST', '/v1/visitor/activity', lucia, { url: page, timeOnPageSeconds: 64, cartValue: 129.9, currency: 'EUR', language: 'es' });
    expect(invited.invitation).toMatchObject({ invitationId: expect.any(String), message: '¿Dudas sobre su pedido? Estamos aquí para ayudarle.' });
    const invitationId = String(invited.invitation.invitationId);
    // Once per rule and visitor.
    expect(await api.ok<Json>('POST', '/v1/visitor/activity', lucia, { url: page, timeOnPageSeconds: 90, cartValue: 129.9, currency: 'EUR', language: 'es' })).toEqual({ invitation: null });

    // She accepts in Spanish: a conversation starts and goes to the rule's queue.
    const accepted = await api.call('POST', `/v1/visitor/invitations/${invitationId}/accept`, lucia, { language: 'es' });
    expect([accepted.status, accepted.text]).toEqual([201, expect.any(String)]);
    const conversationId = String((accepted.json as Json).conversationId);
    expect(conversationId).toMatch(/^[\w-]+$/);
    const ofThis = (type: string) => (f: Json) => f.type === type && f.subject === conversationId;

    // ── Routing: nobody online speaks Spanish, so Tom takes it through translation ──
    const assigned = await frameOn(tomSocket, 'Tom', 'AgentAssigned for the conversation', ofThis(CONVERSATION('AgentAssigned')));
    expect(assigned.data).toMatchObject({ conversationId, agentId: 'tom', decision: { queueId: 'web-shop', strategy: 'longest_idle' } });
    expect(String(assigned.data.reason)).toMatch(/translated/);
    const tomCandidate = (assigned.data.decision.candidates as Json[]).find((c) => c.agentId === 'tom');
    expect(tomCandidate).toMatchObject({ chosen: true, viaTranslation: true });
    expect(assigned.data.decision.excluded).toMatchObject({ unavailable: 1 }); // Marta, offline
    // Lucía learns she has an agent, but not how routing scored anyone.
    const assignedForLucia = await frameOn(luciaSocket, 'Lucía', 'AgentAssigned for her conversation', ofThis(CONVERSATION('AgentAssigned')));
    expect(assignedForLucia.data).toMatchObject({ conversationId, agentId: 'tom' });
    expect(assignedForLucia.data).not.toHaveProperty('decision');
    expect(assignedForLucia.data).not.toHaveProperty('reason');

    // ── She writes in Spanish; Tom reads the original, then the English ──────
    const question = 'Hola, tengo dos productos en el carrito y quiero saber si el envío a Madrid es gratuito.';
    const posted = await api.ok<Json>('POST', `/v1/visitor/conversations/${conversationId}/messages`, lucia, { text: question, clientMessageId: 'lucia-1' });
    const customerMessageId = String(posted.messageId);
    const original = await frameOn(tomSocket, 'Tom', 'Lucía\'s message', (f) => ofThis(CONVERSATION('MessagePosted'))(f) && f.data.message?.messageId === customerMessageId);
    expect(original.data.message).toMatchObject({ text: question, authorKind: 'AUTHOR_KIND_CUSTOMER' });
    const forTom = await frameOn(tomSocket, 'Tom', 'the English translation of Lucía\'s message (MessageTranslated, target en)', (f) => ofThis(CONVERSATION('MessageTranslated'))(f) && f.data.messageId === customerMessageId);
    expect(forTom.data).toMatchObject({ sourceLanguage: 'es', targetLanguage: 'en', provider: 'apertium' });
    expect(String(forTom.data.text).trim()).not.toBe('');
    expect(forTom.data.text).not.toBe(question);
    expect(forTom.data.text).toMatch(/Madrid/);
    expect(forTom.position).toBeGreaterThan(original.position);

    // ── Tom replies in English; Lucía reads the original, then the Spanish ──
    const reply = 'Hello Lucía, yes, shipping to Madrid is free for orders over fifty euros.';
    const replied = await api.ok<Json>('POST', `/v1/conversations/${conversationId}/messages`, tom, { text: reply });
    const agentMessageId = String(replied.messageId);
    const replyForLucia = await frameOn(luciaSocket, 'Lucía', 'Tom\'s reply', (f) => ofThis(CONVERSATION('MessagePosted'))(f) && f.data.message?.messageId === agentMessageId);
    expect(replyForLucia.data.message).toMatchObject({ text: reply, authorKind: 'AUTHOR_KIND_AGENT' });
    const forLucia = await frameOn(luciaSocket, 'Lucía', 'the Spanish translation of Tom\'s reply (MessageTranslated, target es)', (f) => ofThis(CONVERSATION('MessageTranslated'))(f) && f.data.messageId === agentMessageId);
    expect(forLucia.data).toMatchObject({ sourceLanguage: 'en', targetLanguage: 'es', provider: 'apertium' });
    expect(String(forLucia.data.text).trim()).not.toBe('');
    expect(forLucia.data.text).not.toBe(reply);
    expect(forLucia.data.text).toMatch(/Madrid/);
    expect(forLucia.position).toBeGreaterThan(replyForLucia.position);

    // Tom's desk shows both messages with their translations, originals unchanged.
    const view = await api.ok<Json>('GET', `/v1/conversations/${conversationId}`, tom);
    expect(view).toMatchObject({ language: 'es', assignedAgentId: 'tom', queueId: 'web-shop' });
    const byId = new Map((view.messages as Json[]).map((m) => [m.messageId, m]));
    expect(byId.get(customerMessageId)).toMatchObject({ text: question, translations: [{ language: 'en', text: forTom.data.text, provider: 'apertium' }] });
    expect(byId.get(agentMessageId)).toMatchObject({ text: reply, translations: [{ language: 'es', text: forLucia.data.text, provider: 'apertium' }] });

    // ── Tom resolves; Lucía gets the survey in Spanish and answers ──────────
    await api.ok('POST', `/v1/conversations/${conversationId}/resolve`, tom);
    const surveyFrame = await frameOn(luciaSocket, 'Lucía', 'SurveyRequested for her conversation', ofThis(CONVERSATION('SurveyRequested')));
    expect(surveyFrame.data).toMatchObject({ surveyId: 'post-chat', language: 'es', title: '¿Qué tal lo hicimos?' });
    expect(surveyFrame.data).not.toHaveProperty('requestedBy');
    expect((surveyFrame.data.questions as Json[]).map((q) => [q.questionId, q.kind, q.text])).toEqual([
      ['csat', 'SURVEY_QUESTION_KIND_CSAT', '¿Qué tan satisfecha está con el chat?'],
      ['nps', 'SURVEY_QUESTION_KIND_NPS', '¿Qué probabilidad hay de que nos recomiende?'],
    ]);
    const answered = await api.ok<Json>('PUT', `/v1/visitor/conversations/${conversationId}/surveys/post-chat/response`, lucia, {
      answers: [
        { questionId: 'csat', score: 5 },
        { questionId: 'nps', score: 9 },
      ],
    });
    expect(answered).toMatchObject({ responseRevision: 1 });
    const mine = await api.ok<Json>('GET', `/v1/visitor/conversations/${conversationId}/surveys`, lucia);
    expect(mine.surveys).toEqual([expect.objectContaining({ surveyId: 'post-chat', language: 'es', answers: [{ questionId: 'csat', score: 5 }, { questionId: 'nps', score: 9 }], responseRevision: 1 })]);

    // ── The record, as the tenant's CRM reads it from the event stream ──────
    const wanted: [string, (e: Json) => boolean][] = [
      ['InvitationSent', (e) => e.type === TYPE('engagement', 'InvitationSent') && e.data.invitationId === invitationId],
      ['InvitationAccepted', (e) => e.type === TYPE('engagement', 'InvitationAccepted') && e.data.invitationId === invitationId && e.data.conversationId === conversationId],
      // The invitation is part of the conversation's own history, not only of the engagement events.
      ['ConversationStarted from the invitation', (e) => e.type === CONVERSATION('ConversationStarted') && e.subject === conversationId && e.data.invitationId === invitationId],
      ['AgentAssigned via translation', (e) => e.type === CONVERSATION('AgentAssigned') && e.subject === conversationId && /translated/.test(e.data.reason) && e.data.decision?.candidates?.some((c: Json) => c.agentId === 'tom' && c.chosen && c.viaTranslation)],
      ['MessageTranslated es→en', (e) => e.type === CONVERSATION('MessageTranslated') && e.subject === conversationId && e.data.messageId === customerMessageId && e.data.targetLanguage === 'en'],
      ['MessageTranslated en→es', (e) => e.type === CONVERSATION('MessageTranslated') && e.subject === conversationId && e.data.messageId === agentMessageId && e.data.targetLanguage === 'es'],
      ['ConversationResolved', (e) => e.type === CONVERSATION('ConversationResolved') && e.subject === conversationId],
      ['SurveyRequested in Spanish', (e) => e.type === CONVERSATION('SurveyRequested') && e.subject === conversationId && e.data.language === 'es'],
      ['SurveyAnswered', (e) => e.type === CONVERSATION('SurveyAnswered') && e.subject === conversationId && e.data.revision === 1],
    ];
    let stream: Json[] = [];
    const missing = () => wanted.filter(([, match]) => !stream.some(match)).map(([name]) => name);
    try {
      await poll(async () => {
        const read = await api.readEvents('/v1/events?after=0', crm, 1_500);
        expect(read.status).toBe(200);
        stream = read.frames as Json[];
        return missing().length === 0;
      }, WAIT_MS, 'the conversation\'s events on GET /v1/events');
    } catch {
      throw new Error(`GET /v1/events did not carry ${missing().join(', ')} within ${WAIT_MS} ms; it carried: ${stream.map((e) => e.type).join(', ')}`);
    }
    const at = (name: string) => stream.findIndex(wanted.find(([n]) => n === name)![1]);
    // In the order they happened. The gateway records the acceptance once the conversation it started exists,
    // so InvitationAccepted follows ConversationStarted; routing may assign before or after it.
    expect(at('InvitationSent')).toBeLessThan(at('ConversationStarted from the invitation'));
    expect(at('ConversationStarted from the invitation')).toBeLessThan(at('InvitationAccepted'));
    const order = wanted.map(([name]) => name).filter((n) => !n.startsWith('Invitation')).map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const positions = stream.map((e) => e.position);
    expect(new Set(positions).size).toBe(positions.length);
    const conversationEvents = stream.filter((e) => e.subject === conversationId && String(e.type).startsWith('contactcenter.conversation.'));
    expect(conversationEvents.filter((e) => e.type === CONVERSATION('MessageTranslated'))).toHaveLength(2);
    expect(conversationEvents.map((e) => e.type)).not.toContain(CONVERSATION('MessageTranslationFailed'));
    expect(stream.find(wanted[8]![1])!.data.answers).toEqual([
      expect.objectContaining({ questionId: 'csat', score: 5 }),
      expect.objectContaining({ questionId: 'nps', score: 9 }),
    ]);

    // ── Journey 5: the manager's figures for today in Madrid ─────────────────
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: MADRID, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const range = `from=${new Date(Date.now() - 2 * 86_400_000).toISOString()}&to=${new Date(Date.now() + 2 * 86_400_000).toISOString()}&bucket=day`;
    const expected = { conversationsStarted: 1, firstResponses: 1, csatAnswers: 1, csatPercent: 100, npsAnswers: 1, invitationsAccepted: 1 };
    let metrics: Json = {};
    const todayRow = () => (metrics.rows as Json[] | undefined)?.find((r) => r.bucketLabel === today);
    try {
      await poll(async () => {
        metrics = await api.ok<Json>('GET', `/v1/metrics?${range}`, supervisor);
        const f = todayRow()?.figures;
        return !!f && Object.entries(expected).every(([k, v]) => f[k] === v) && f.invitationsSent >= 1;
      }, WAIT_MS, 'today\'s figures');
    } catch {
      throw new Error(`GET /v1/metrics did not show ${JSON.stringify(expected)} and invitationsSent ≥ 1 for ${today} within ${WAIT_MS} ms; it showed: ${JSON.stringify(metrics)}`);
    }
    expect(metrics.timeZone).toBe(MADRID);
    expect(metrics.rows).toHaveLength(1);
    const row = todayRow()!;
    expect(row.figures).toMatchObject({ ...expected, nps: 100, conversationsResolved: 1, invitationAcceptancePercent: 100 });
    expect(row.figures.invitationsSent).toBeGreaterThanOrEqual(1);
    // The day is Madrid's: its bucket starts at local midnight.
    const start = new Date(row.bucketStart);
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: MADRID, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start);
    expect(local).toBe(`${today}, 00:00`);
  });
});
