/**
 * Authorization on every route of the gateway, on the whole stack (fresh NATS,
 * fresh PostgreSQL, the seven services as processes): one tenant per request,
 * an agent sees only their tenant's conversations, a visitor only their own.
 *
 * Tenant A is set up with a real resource behind every route (agents, a
 * queue, a team, an FAQ entry, a canned response with V1's name in it,
 * translation settings, a widget key, API keys, invitation rules and an
 * invitation, a webhook with failed deliveries, surveys, two visitors V1 and
 * V2 each with a conversation, an offer, messages, a note, tags). Tenant B has
 * the same kinds of credentials, and an agent with the same id as A's.
 * Then every route is attacked: B's staff and keys against A's resources,
 * V2 (and a visitor of B claiming V1's customer id) against V1's
 * conversation, visitor tokens on staff routes, staff tokens on visitor
 * routes, agents and supervisors on admin routes, keys without the scope.
 * Each attack must be refused (403/404 problem JSON, or 401 where a JWT is no
 * API key) or answered within the caller's own tenant, and no answer may
 * contain anything of A's that the attacker did not already send. Afterwards
 * A's resources must read exactly as before.
 *
 * The routes come from the running gateway's /openapi.json: a route without
 * a row in ROUTES (or a reasoned entry in EXEMPT) fails the coverage test,
 * naming it; so does a row for a route no longer served. Routes the document
 * leaves out (the WebSocket) are listed in UNDOCUMENTED and probed instead.
 * ISOLATION_VERBOSE=1 prints every attack with its answer.
 *
 * To add a route: add a row, `'METHOD /openapi/{path}': { requests: (w) => [...] }`,
 * to its area's file in isolation/routes/, using the builders in
 * isolation/attacks.ts (`asOtherTenant`, `asVisitor`, `asWrongRole`, …).
 *
 * The parts, in isolation/: world.ts (what the attacks aim at) and its set-up
 * buildWorld.ts (directoryOfA.ts, conversationsOfA.ts); attacks.ts; the table
 * routeTable.ts with one file per area in routes/; verdict.ts (refused? leaked?);
 * snapshotOfA.ts; streamChecks.ts (WebSocket, SSE); isolationStack.ts.
 */
import type { GatewayClient } from '../support/gatewayClient';
import { buildWorld } from './isolation/buildWorld';
import { startIsolationStack, type IsolationStack } from './isolation/isolationStack';
import { EXEMPT, ROUTES, UNDOCUMENTED } from './isolation/routeTable';
import { snapshotOfA } from './isolation/snapshotOfA';
import { activityOfA } from './isolation/streamChecks';
import { leaksIn, verdict } from './isolation/verdict';
import type { World } from './isolation/world';

jest.setTimeout(300_000);

describe('gateway isolation: tenants and visitors', () => {
  let iso: IsolationStack;
  let api: GatewayClient;
  let w: World;

  beforeAll(async () => {
    iso = await startIsolationStack();
    api = iso.api;
    w = await buildWorld(iso.stack, api, iso.receiverUrl);
  });

  afterAll(async () => {
    await iso?.stop();
  });


  it('has a row for every route the gateway serves, and none for a route it does not', async () => {
    const doc = await api.ok<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    const served = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missing = served.filter((r) => !(r in ROUTES) && !(r in EXEMPT)).map((r) => `${r}: no isolation case; add a row to ROUTES (or a reasoned entry to EXEMPT)`);
    const stale = [...Object.keys(ROUTES), ...Object.keys(EXEMPT)].filter((r) => !served.includes(r) && !(r in UNDOCUMENTED)).map((r) => `${r}: not served by the gateway; remove its row`);
    expect([...missing, ...stale]).toEqual([]);
    for (const route of Object.keys(UNDOCUMENTED)) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await api.call(method, path);
      expect([route, (res.json as { code?: string } | undefined)?.code]).not.toEqual([route, 'route_not_found']);
    }
    const empty = Object.entries(ROUTES).filter(([, row]) => !row.stream && (row.requests?.(w).length ?? 0) === 0).map(([r]) => r);
    expect(empty).toEqual([]);
  });

  it('refuses cross-tenant, cross-visitor and wrong-role requests on every route, leaking and changing nothing', async () => {
    const before = await snapshotOfA(api, iso.services, w);
    const failures: string[] = [];
    for (const [route, row] of Object.entries(ROUTES)) {
      for (const attack of row.requests?.(w) ?? []) {
        const res = await api.call(attack.method, attack.path, attack.credential, attack.body);
        const wrong = verdict(w, attack, res);
        if (process.env.ISOLATION_VERBOSE) process.stdout.write(`${route} | ${attack.who} | ${res.status} ${(res.json as { code?: string } | undefined)?.code ?? ''}\n`);
        if (wrong) failures.push(`[${route}] ${wrong}`);
      }
    }
    expect(failures).toEqual([]);
    // A's widget key and API keys still work.
    expect((await api.call('POST', '/v1/visitor/sessions', undefined, { widgetKey: w.a.widgetKey })).status).toBe(201);
    expect((await api.call('GET', '/v1/webhooks', w.a.hooksKey)).status).toBe(200);
    expect(await snapshotOfA(api, iso.services, w)).toEqual(before);
  });

  it('shows a visitor their own conversation without the staff-only fields (notes, tags, priority, team)', async () => {
    const own = await api.call('GET', `/v1/visitor/conversations/${w.a.c1}`, w.a.v1.token);
    expect(own.status).toBe(200);
    expect(own.text).toContain(w.a.c1);
    expect(leaksIn(own.text, w.secrets, w.known.get(w.a.v1.token))).toEqual([]);
    expect(Object.keys(own.json as object)).not.toEqual(expect.arrayContaining(['tags']));
    expect(Object.keys(own.json as object)).not.toEqual(expect.arrayContaining(['priority']));
  });

  it('carries nothing across tenants or visitors on the long-lived routes (WebSocket, Server-Sent Events)', async () => {
    const ctx = { api, activityOfA: activityOfA(api, w) };
    for (const [route, row] of Object.entries(ROUTES)) {
      if (!row.stream) continue;
      try {
        await row.stream(w, ctx);
      } catch (err) {
        throw new Error(`[${route}] ${(err as Error).message}`, { cause: err });
      }
    }
  });
});
