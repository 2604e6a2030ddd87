/**
 * What the REST client adds to openapi-fetch (credentials, ProblemError, the
 * visitor session), against a fetch the test answers; and, checked by the
 * compiler, that paths, parameters and answers are typed from /openapi.json.
 * The real gateway is driven in test/integration/typedClient.test.ts.
 */
import { createClient } from './createClient';
import { ProblemError } from './problemError';

type Seen = { method: string; url: string; headers: Record<string, string>; body: string };

function answering(handler: (req: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const req = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() };
    seen.push(req);
    return handler(req);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('createClient', () => {
  it('sends the staff token and returns the typed body', async () => {
    const { fetch, seen } = answering(() => json(200, { conversationId: 'c-1', status: 'queued', revision: 3 }));
    const api = createClient({ baseUrl: 'http://gw.test/', token: 'jwt-1', fetch });
    const conversation = await api.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId: 'c-1' }, query: { atRevision: '2' } } });
    const status: string | undefined = conversation.status;
    expect(status).toBe('queued');
    expect(seen[0]).toMatchObject({ method: 'GET', url: 'http://gw.test/v1/conversations/c-1?atRevision=2', headers: { authorization: 'Bearer jwt-1' } });
  });

  it('throws a ProblemError for an answer that is not 2xx, with its code, detail, field and Retry-After', async () => {
    const { fetch } = answering(() => json(429, { type: 'x', title: 'Too many requests', status: 429, code: 'rate_limited', detail: 'slow down' }, { 'retry-after': '3' }));
    const api = createClient({ baseUrl: 'http://gw.test', apiKey: 'cck_1', fetch });
    const err = await api.GET('/v1/webhooks').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', detail: 'slow down', retryAfter: 3 });
  });

  it('throws a ProblemError `unreachable` when no answer comes', async () => {
    const api = createClient({ baseUrl: 'http://gw.test', token: 't', fetch: (async () => { throw new TypeError('fetch failed'); }) as typeof globalThis.fetch });
    await expect(api.GET('/v1/agents/me/offers')).rejects.toMatchObject({ name: 'ProblemError', status: 0, code: 'unreachable' });
  });

  it('sends the API key as X-API-Key', async () => {
    const { fetch, seen } = answering(() => json(200, { webhooks: [] }));
    await createClient({ baseUrl: 'http://gw.test', apiKey: 'cck_abc', fetch }).GET('/v1/webhooks');
    expect(seen[0]!.headers['x-api-key']).toBe('cck_abc');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('opens one visitor session for concurrent requests with the widget key, and uses its token', async () => {
    let sessions = 0;
    const { fetch, seen } = answering(async (req) => {
      if (req.url.endsWith('/v1/visitor/sessions')) {
        sessions++;
        await new Promise((r) => setTimeout(r, 5));
        return json(201, { token: `visitor-${sessions}`, customerId: 'anon-1', verified: false, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      }
      return json(201, { conversationId: 'c-9', revision: 0 });
    });
    const widget = createClient({ baseUrl: 'http://gw.test', widgetKey: 'wk_1', visitor: { name: 'Ana' }, fetch });
    const [a, b] = await Promise.all([widget.POST('/v1/visitor/conversations', { body: { language: 'es' } }), widget.POST('/v1/visitor/conversations', { body: { language: 'es' } })]);
    expect([a.conversationId, b.conversationId]).toEqual(['c-9', 'c-9']);
    expect(sessions).toBe(1);
    const sessionRequest = seen.find((s) => s.url.endsWith('/v1/visitor/sessions'))!;
    expect(JSON.parse(sessionRequest.body)).toEqual({ widgetKey: 'wk_1', name: 'Ana' });
    expect(sessionRequest.headers.authorization).toBeUndefined();
    expect(seen.filter((s) => s.url.endsWith('/v1/visitor/conversations')).map((s) => s.headers.authorization)).toEqual(['Bearer visitor-1', 'Bearer visitor-1']);
    expect(await widget.visitorSession()).toMatchObject({ token: 'visitor-1', customerId: 'anon-1', verified: false });
  });

  it('answers a revoked widget key with the gateway\'s problem, and tries to open a session again next time', async () => {
    let calls = 0;
    const { fetch } = answering(() => (++calls === 1 ? json(401, { status: 401, code: 'unauthorized', title: 'x', detail: 'unknown or revoked widget key' }) : json(201, { token: 'v', expiresAt: new Date(Date.now() + 3_600_000).toISOString() })));
    const widget = createClient({ baseUrl: 'http://gw.test', widgetKey: 'wk_gone', fetch });
    await expect(widget.visitorSession()).rejects.toMatchObject({ status: 401, detail: 'unknown or revoked widget key' });
    await expect(widget.visitorSession()).resolves.toMatchObject({ token: 'v' });
  });
});

// Checked by the compiler only (never called): paths, parameters and bodies come from /openapi.json.
export function typedFromTheOpenApiDocument(api: ReturnType<typeof createClient>) {
  // @ts-expect-error not a route of the gateway
  void api.GET('/v1/no-such-route');
  // @ts-expect-error the path parameter is required
  void api.GET('/v1/conversations/{conversationId}', {});
  // @ts-expect-error `language` is required to start a visitor conversation
  void api.POST('/v1/visitor/conversations', { body: {} });
  // @ts-expect-error GET has no body here, and /v1/conversations is no PATCH route
  void api.PATCH('/v1/conversations');
  void api.GET('/v1/conversations/{conversationId}/history', { params: { path: { conversationId: 'c' }, query: { fromRevision: '0', pageSize: '100' } } }).then((h) => {
    const first: string | undefined = h.events[0]?.type;
    return first;
  });
}
