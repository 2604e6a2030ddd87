/**
 * `POST /v1/visitor/sessions` is limited per widget key and per client
 * address (the whole app on a real NATS): 429 problem JSON with Retry-After
 * beyond either, and a refused creation signs no session.
 */
import { randomUUID } from 'node:crypto';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp({ visitorSessionLimits: { perWidgetKeyPerMinute: 3, perAddressPerMinute: 4 } });
});
afterAll(() => edge?.close());

async function widgetKey(): Promise<string> {
  const tid = `vs${randomUUID().slice(0, 8)}`;
  const headers = { authorization: `Bearer ${edge.sign({ tid, sub: 'boss', roles: ['admin'] })}` };
  return (await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers, payload: {} })).json().widgetKey;
}
const createSession = (key: string, address: string) => edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey: key }, remoteAddress: address });

function expectLimited(res: Awaited<ReturnType<typeof createSession>>, why: RegExp): void {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toMatchObject({ status: 429, code: 'rate_limited', detail: expect.stringMatching(why) });
  expect(res.json().token).toBeUndefined();
}

describe('visitor session creation limits', () => {
  it('refuses sessions beyond VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY, whatever the address; other keys are not affected', async () => {
    const key = await widgetKey();
    for (let i = 1; i <= 3; i++) expect((await createSession(key, `10.1.0.${i}`)).statusCode).toBe(201);
    expectLimited(await createSession(key, '10.1.0.9'), /widget key/);
    expect((await createSession(await widgetKey(), '10.1.0.9')).statusCode).toBe(201);
  });

  it('refuses sessions beyond VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS, whatever the key; other addresses are not affected', async () => {
    const keys = await Promise.all([widgetKey(), widgetKey(), widgetKey(), widgetKey(), widgetKey()]);
    for (const key of keys.slice(0, 4)) expect((await createSession(key, '10.2.0.1')).statusCode).toBe(201);
    expectLimited(await createSession(keys[4]!, '10.2.0.1'), /address/);
    expect((await createSession(keys[4]!, '10.2.0.2')).statusCode).toBe(201);
  });
});
