/**
 * Surveys end to end through the gateway, with the services as processes on
 * real NATS and PostgreSQL: a tenant defines a CSAT + NPS + free-text survey
 * in English and Spanish; resolving a Spanish chat sends it in Spanish; the
 * visitor answers, edits within the window, and is refused outside it;
 * bad answers, other visitors and unresolved conversations are refused with
 * nothing recorded; every response is an event of the conversation.
 */
import { readEvents } from '@contactcenter/infra/events';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

type Json = Record<string, any>;

describe('survey flows', () => {
  let stack: TestStack;
  let nc: NatsConnection;
  const tenant = `srv-${Date.now().toString(36)}`;
  let adminToken: string;
  let agentToken: string;

  beforeAll(async () => {
    stack = await startTestStack();
    nc = await connect({ servers: stack.nats.url });
    adminToken = stack.token(tenant, 'ada', ['admin']);
    agentToken = stack.token(tenant, 'tom', ['agent']);
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.teardown();
  });

  async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }

  const survey = (overrides: Json = {}) => ({
    titles: { en: 'How did we do?', es: '¿Qué tal lo hicimos?' },
    defaultLanguage: 'en',
    questions: [
      { questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', required: true, texts: { en: 'How satisfied are you?', es: '¿Qué tan satisfecho está?' } },
      { questionId: 'nps', kind: 'SURVEY_QUESTION_KIND_NPS', texts: { en: 'Would you recommend us?', es: '¿Nos recomendaría?' } },
      { questionId: 'comment', kind: 'SURVEY_QUESTION_KIND_TEXT', texts: { en: 'Anything else?', es: '¿Algo más?' } },
    ],
    sendOnResolveChannels: ['CHANNEL_CHAT'],
    delaySeconds: 0,
    editWindowSeconds: 4,
    enabled: true,
    ...overrides,
  });

  async function visitor(): Promise<string> {
    const key = await call('POST', '/v1/admin/widget-keys', adminToken);
    const session = await call('POST', '/v1/visitor/sessions', undefined, { widgetKey: key.body.widgetKey });
    expect(session.status).toBe(201);
    return session.body.token as string;
  }

  async function resolvedConversation(visitorToken: string, language = 'es'): Promise<string> {
    const started = await call('POST', '/v1/visitor/conversations', visitorToken, { language });
    expect(started.status).toBe(201);
    const id = started.body.conversationId as string;
    expect((await call('POST', `/v1/conversations/${id}/resolve`, agentToken)).status).toBe(200);
    return id;
  }

  async function surveysOf(visitorToken: string, id: string, count: number): Promise<Json[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await call('GET', `/v1/visitor/conversations/${id}/surveys`, visitorToken);
      expect(res.status).toBe(200);
      if (res.body.surveys.length >= count || Date.now() > deadline) return res.body.surveys;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('validates definitions and keeps them per tenant', async () => {
    const bad = await call('PUT', '/v1/admin/surveys/post-chat', adminToken, survey({ questions: [{ questionId: 'x', kind: 'SURVEY_QUESTION_KIND_CSAT', texts: { es: 'solo español' } }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/default language "en"/);
    expect((await call('PUT', '/v1/admin/surveys/post-chat', agentToken, survey())).status).toBe(403);
    const put = await call('PUT', '/v1/admin/surveys/post-chat', adminToken, survey());
    expect(put.status).toBe(200);
    expect(put.body.survey.version).toMatch(/^\d+$/);
    const other = stack.token(`${tenant}-b`, 'eve', ['admin']);
    expect((await call('GET', '/v1/admin/surveys/post-chat', other)).status).toBe(404);
    expect((await call('GET', '/v1/admin/surveys', other)).body.surveys).toEqual([]);
  });

  it('sends the survey in the customer language on resolution; answers, edits within the window, refuses after', async () => {
    const v = await visitor();
    const id = await resolvedConversation(v, 'es-MX');
    const [sent] = await surveysOf(v, id, 1);
    expect(sent).toMatchObject({ surveyId: 'post-chat', language: 'es', title: '¿Qué tal lo hicimos?', responseRevision: 0, editableUntil: null });
    expect(sent!.questions.map((q: Json) => [q.questionId, q.kind, q.text, q.scale])).toEqual([
      ['csat', 'CSAT', '¿Qué tan satisfecho está?', { min: 1, max: 5 }],
      ['nps', 'NPS', '¿Nos recomendaría?', { min: 0, max: 10 }],
      ['comment', 'TEXT', '¿Algo más?', undefined],
    ]);

    const path = `/v1/visitor/conversations/${id}/surveys/post-chat/response`;
    // Bad answers: each a clear 400, nothing recorded.
    for (const [answers, field] of [
      [[{ questionId: 'csat', score: 6 }], 'answers[0].score'],
      [[{ questionId: 'csat', score: 4 }, { questionId: 'nps', score: 11 }], 'answers[1].score'],
      [[{ questionId: 'nps', score: 9 }], 'answers'],
      [[{ questionId: 'csat', score: 4 }, { questionId: 'mood', score: 3 }], 'answers[1].question_id'],
    ] as const) {
      const res = await call('PUT', path, v, { answers });
      expect(res.status).toBe(400);
      expect(res.body.field ?? res.body.detail).toContain(field);
    }
    expect((await call('PUT', path, v, { answers: [{ questionId: 'csat', score: '5' }] })).status).toBe(400);
    expect((await call('PUT', path, v, { answers: [{ questionId: 'csat', score: 5 }], extra: true })).status).toBe(400);
    // Somebody else: 404, as if there were no such conversation.
    const stranger = await visitor();
    expect((await call('PUT', path, stranger, { answers: [{ questionId: 'csat', score: 1 }] })).status).toBe(404);
    expect((await call('GET', `/v1/visitor/conversations/${id}/surveys`, stranger)).status).toBe(404);
    expect((await surveysOf(v, id, 1))[0]!.responseRevision).toBe(0);

    const first = await call('PUT', path, v, { answers: [{ questionId: 'csat', score: 2 }, { questionId: 'nps', score: 6 }, { questionId: 'comment', text: 'Lento' }] });
    expect(first.status).toBe(200);
    expect(first.body.responseRevision).toBe(1);
    const edited = await call('PUT', path, v, { answers: [{ questionId: 'csat', score: 4 }, { questionId: 'nps', score: 9 }] });
    expect(edited.body).toMatchObject({ responseRevision: 2 });
    expect((await surveysOf(v, id, 1))[0]!.answers).toEqual([{ questionId: 'csat', score: 4 }, { questionId: 'nps', score: 9 }]);

    await new Promise((r) => setTimeout(r, Date.parse(first.body.editableUntil) - Date.now() + 300));
    const late = await call('PUT', path, v, { answers: [{ questionId: 'csat', score: 1 }] });
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/edit window closed/);

    // The answers are events of the conversation, on the bus for metrics and integrators.
    const events = await readEvents(nc, { filter: `cc.${tenant}.conversation.>` });
    const mine = events.filter((e) => (e.event.data as Json).conversationId === id).map((e) => e.subject.split('.')[3]);
    expect(mine.filter((t) => t === 'SurveyRequested')).toHaveLength(1);
    expect(mine.filter((t) => t === 'SurveyAnswered')).toHaveLength(2);
  });

  it('lets an agent send a survey after resolution, not before, and waits for a survey delay', async () => {
    expect((await call('PUT', '/v1/admin/surveys/nps-later', adminToken, survey({ questions: [survey().questions[1]], delaySeconds: 2, editWindowSeconds: 0 }))).status).toBe(200);
    expect((await call('PUT', '/v1/admin/surveys/ces-on-request', adminToken, survey({ questions: [{ questionId: 'ces', kind: 'SURVEY_QUESTION_KIND_CES', texts: { en: 'Was it easy?' } }], sendOnResolveChannels: [] }))).status).toBe(200);
    const v = await visitor();
    const started = await call('POST', '/v1/visitor/conversations', v, { language: 'en' });
    const id = started.body.conversationId as string;
    const early = await call('POST', `/v1/conversations/${id}/surveys`, agentToken, { surveyId: 'ces-on-request' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/not resolved/);
    await call('POST', `/v1/conversations/${id}/resolve`, agentToken);
    const [immediate] = await surveysOf(v, id, 1);
    expect(immediate!.surveyId).toBe('post-chat');
    expect((await call('POST', `/v1/conversations/${id}/surveys`, agentToken, { surveyId: 'ces-on-request' })).status).toBe(200);
    expect((await call('POST', `/v1/conversations/${id}/surveys`, agentToken, { surveyId: 'missing' })).status).toBe(404);
    const all = await surveysOf(v, id, 3);
    expect(all.map((s) => s.surveyId).sort()).toEqual(['ces-on-request', 'nps-later', 'post-chat']);
    const delayed = all.find((s) => s.surveyId === 'nps-later')!;
    expect(Date.parse(delayed.requestedAt) - Date.parse(immediate!.requestedAt)).toBeGreaterThanOrEqual(1_500);
    // A window of 0: the first answer is final.
    const path = `/v1/visitor/conversations/${id}/surveys/nps-later/response`;
    expect((await call('PUT', path, v, { answers: [{ questionId: 'nps', score: 10 }] })).status).toBe(200);
    expect((await call('PUT', path, v, { answers: [{ questionId: 'nps', score: 0 }] })).status).toBe(409);
  });

  it('refuses answers once the conversation is reopened', async () => {
    const v = await visitor();
    const id = await resolvedConversation(v, 'en');
    await surveysOf(v, id, 1);
    expect((await call('POST', `/v1/conversations/${id}/reopen`, agentToken, { reason: 'customer wrote again' })).status).toBe(200);
    const res = await call('PUT', `/v1/visitor/conversations/${id}/surveys/post-chat/response`, v, { answers: [{ questionId: 'csat', score: 5 }] });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/not resolved/);
  });

  it('turns the real event stream into a manager\'s figures, now and as of a past time', async () => {
    const t = `${tenant}-m`;
    const admin = stack.token(t, 'sofia', ['admin']);
    const supervisor = stack.token(t, 'sofia', ['supervisor']);
    const agent = stack.token(t, 'priya', ['agent']);
    expect((await call('PUT', '/v1/admin/metrics-settings', admin, { timeZone: 'Mars/Olympus' })).status).toBe(400);
    expect((await call('PUT', '/v1/admin/metrics-settings', admin, { timeZone: 'America/Sao_Paulo', fcrWindowDays: 7, conversionTags: ['sale'] })).status).toBe(200);
    expect((await call('PUT', '/v1/admin/surveys/post-chat', admin, survey({ editWindowSeconds: 0 }))).status).toBe(200);
    const key = await call('POST', '/v1/admin/widget-keys', admin);
    const v = (await call('POST', '/v1/visitor/sessions', undefined, { widgetKey: key.body.widgetKey })).body.token as string;
    const id = (await call('POST', '/v1/visitor/conversations', v, { language: 'es' })).body.conversationId as string;
    expect((await call('POST', `/v1/visitor/conversations/${id}/messages`, v, { text: '¿Dónde está mi pedido?' })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call('POST', `/v1/conversations/${id}/messages`, agent, { text: 'It ships today.' })).status).toBe(201);
    expect((await call('POST', `/v1/conversations/${id}/tags`, agent, { add: ['sale'] })).status).toBe(200);
    expect((await call('POST', `/v1/conversations/${id}/resolve`, agent)).status).toBe(200);
    await surveysOf(v, id, 1);
    const beforeAnswer = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    expect((await call('PUT', `/v1/visitor/conversations/${id}/surveys/post-chat/response`, v, { answers: [{ questionId: 'csat', score: 5 }, { questionId: 'nps', score: 6 }] })).status).toBe(200);

    const day = 86_400_000;
    const range = `from=${new Date(Date.now() - day).toISOString()}&to=${new Date(Date.now() + day).toISOString()}&bucket=none`;
    const figures = async (extra = '') => {
      const res = await call('GET', `/v1/metrics?${range}${extra}`, supervisor);
      expect(res.status).toBe(200);
      return { timeZone: res.body.timeZone as string, rows: res.body.rows as Json[] };
    };
    let now: { timeZone: string; rows: Json[] } = { timeZone: '', rows: [] };
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      now = await figures();
      if (now.rows[0]?.figures.csatAnswers === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(now.timeZone).toBe('America/Sao_Paulo');
    expect(now.rows).toHaveLength(1);
    const f = now.rows[0]!.figures;
    expect(f).toMatchObject({ conversationsStarted: 1, conversationsResolved: 1, firstResponses: 1, firstContactResolutions: 1, fcrPercent: 100, csatAnswers: 1, csatPercent: 100, npsAnswers: 1, nps: -100, conversions: 1, conversionPercent: 100, transfers: 0, reopens: 0 });
    expect(f.firstResponseSecondsAvg).toBeGreaterThanOrEqual(1);
    expect(f.firstResponseSecondsAvg).toBeLessThan(30);
    // As of just before the answer, the same history without it.
    const earlier = await figures(`&asOf=${beforeAnswer}`);
    expect(earlier.rows[0]!.figures).toMatchObject({ conversationsStarted: 1, csatAnswers: 0, csatPercent: null, npsAnswers: 0 });
    // Per-channel groups, and the bad inputs a dashboard may send.
    expect((await figures('&groupBy=channel')).rows.map((r) => r.group)).toEqual(['chat']);
    expect((await call('GET', `/v1/metrics?${range}&groupBy=mood`, supervisor)).status).toBe(400);
    expect((await call('GET', `/v1/metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, supervisor)).status).toBe(400);
    expect((await call('GET', `/v1/metrics?${range}`, agent)).status).toBe(403);
  });
});
