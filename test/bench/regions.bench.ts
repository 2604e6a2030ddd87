/**
 * Regions benchmark (issue 15): what follow-the-sun costs against a plain
 * one-region assignment, and against the link it crosses. Two regions, eu and
 * us, run as processes (test/support/regions.ts: seven services each, a NATS
 * super-cluster whose gateways go through a proxy adding BENCH_REGION_RTT_MS
 * of round trip, default 80, and a PostgreSQL database per region). In one run:
 * (a) one region: BENCH_REGION_CONVERSATIONS (default 100) conversations
 *     started at eu's gateway, one at a time, for a tenant whose eu agent is
 *     on shift now: from just before the start request to the AgentAssigned
 *     event on eu's events stream;
 * (b) cross region: as many for a tenant whose eu agent is off shift and
 *     whose us agent is on shift: assigned to the us agent by follow-the-sun
 *     (standing and reservation asked of us's routing across the link);
 * (c) the baseline: a NATS request/reply from eu's account to a responder in
 *     us's (the path routing's requests take), and the same within eu.
 * Each conversation is resolved after its assignment (not timed), so that the
 * agents' capacity never runs out. Prints progress and a table, then as its
 * very last line one JSON object. Every process ends on SIGINT/SIGTERM too.
 *   npm run bench:regions
 *   BENCH_REGION_RTT_MS=40 BENCH_REGION_CONVERSATIONS=30 npm run bench:regions
 */
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startTestRegions, type TestRegions } from '../support/regions';
import { percentile, sortedAscending } from './support/percentile';

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
};
const RTT_MS = positive('BENCH_REGION_RTT_MS', 80);
const CONVERSATIONS = Math.round(positive('BENCH_REGION_CONVERSATIONS', 100));
const RAW_REQUESTS = Math.round(positive('BENCH_REGION_RAW_REQUESTS', 200));
const ASSIGN_TIMEOUT_MS = 30_000;
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((d) => `DAY_OF_WEEK_${d}`);

const log = (line: string) => process.stderr.write(`[bench:regions] ${line}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const hourIn = (zone: string): number => Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
/** Every day, `hours` long from `offset` hours after the current local hour of `zone` (negative: before). */
const shiftsAround = (timeZone: string, offset: number, hours: number) => {
  const start = (((hourIn(timeZone) + offset) % 24) + 24) % 24;
  const end = (start + hours) % 24;
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  return { timeZone, shifts: DAYS.map((day) => ({ day, start: hh(start), end: hh(end), endsNextDay: end < start })), holidays: [] };
};
const summary = (ms: number[]) => {
  const sorted = sortedAscending(ms);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** AgentAssigned events of a tenant on eu's events stream (a plain subscription: the relay publishes there). */
function watchAssignments(nc: NatsConnection, tenant: string) {
  const waiters = new Map<string, (at: number) => void>();
  const seen = new Map<string, { at: number; agentRegion: string }>();
  nc.subscribe(`cc.${tenant}.conversation.AgentAssigned.*`, {
    callback: (_err, msg) => {
      const at = performance.now();
      const id = msg.subject.split('.').pop()!;
      const data = JSON.parse(new TextDecoder().decode(msg.data)) as { agentRegion?: string };
      seen.set(id, { at, agentRegion: data.agentRegion ?? '' });
      waiters.get(id)?.(at);
    },
  });
  return {
    assigned: (id: string) =>
      new Promise<{ at: number; agentRegion: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${id} not assigned within ${ASSIGN_TIMEOUT_MS / 1000} s`)), ASSIGN_TIMEOUT_MS);
        const done = () => (clearTimeout(timer), waiters.delete(id), resolve(seen.get(id)!));
        if (seen.has(id)) return done();
        waiters.set(id, done);
      }),
  };
}

async function main() {
  const started = performance.now();
  let r: TestRegions | undefined;
  const connections: NatsConnection[] = [];
  const cleanup = async () => {
    await Promise.allSettled(connections.splice(0).map((nc) => nc.close()));
    await r?.teardown();
    r = undefined;
  };
  // Interrupted while the regions start, the child reaper (scripts/childReaper.ts) stops what was started and exits; once
  // they run, the ordered teardown here (services, then NATS, then the databases it dropped) exits first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void (r && cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))));
  try {
    log(`starting eu and us with ${RTT_MS} ms added round trip`);
    r = await startTestRegions({
      regions: ['eu', 'us'],
      latencyMs: RTT_MS,
      extraEnv: { gateway: { RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000', RATE_LIMIT_PER_IP_PER_MINUTE: '1000000' } },
    });
    const regions = r;
    log(`regions ready after ${round((performance.now() - started) / 1000, 0)} s`);
    const http = async (region: string, method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${regions.region(region).gatewayUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${region} ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : {}) as Record<string, any>;
    };
    const natsOf = async (region: string) => {
      const s = regions.nats.regions.get(region)!;
      const nc = await connect({ servers: `127.0.0.1:${s.port}`, user: s.user, pass: s.password, name: `bench-regions-${region}` });
      connections.push(nc);
      return nc;
    };

    /** A tenant whose conversations live in eu, with one agent per entry, online and beating. */
    const tenantWith = async (name: string, agents: { region: string; agentId: string; calendar: unknown }[]) => {
      const tenant = `${name}-${randomUUID().slice(0, 6)}`;
      const admin = regions.token(tenant, 'admin', ['admin']);
      for (const region of ['eu', 'us']) await http(region, 'PUT', '/v1/admin/queues/web', admin, { name: 'Web', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 0, averageHandleSeconds: 60 });
      await http('eu', 'PUT', '/v1/admin/residency', admin, { homeRegion: 'eu', rules: [] });
      for (const a of agents) {
        await http(a.region, 'PUT', `/v1/admin/agents/${a.agentId}`, admin, { displayName: a.agentId, languages: ['en'], capacity: { chat: 100 }, calendar: a.calendar });
        const token = regions.token(tenant, a.agentId);
        await http(a.region, 'PUT', '/v1/agents/me/status', token, { status: 'online' });
        const beat = () => http(a.region, 'POST', '/v1/agents/me/heartbeat', token, { connectionId: 'bench' });
        await beat();
        const timer = setInterval(() => void beat().catch(() => undefined), 5_000);
        timer.unref();
      }
      const key = await http('eu', 'POST', '/v1/admin/widget-keys', admin);
      const visitor = String((await http('eu', 'POST', '/v1/visitor/sessions', '', { widgetKey: key.widgetKey })).token);
      return { tenant, admin, visitor };
    };

    const euNats = await natsOf('eu');
    /** Conversations started one at a time at eu's gateway; ms from the start request to AgentAssigned on eu's stream. */
    const measure = async (label: string, t: { tenant: string; admin: string; visitor: string }, expectRegion: string) => {
      const watch = watchAssignments(euNats, t.tenant);
      await euNats.flush();
      const ms: number[] = [];
      let wrongRegion = 0;
      for (let i = 0; i < CONVERSATIONS + 3; i++) {
        const t0 = performance.now();
        const { conversationId } = await http('eu', 'POST', '/v1/visitor/conversations', t.visitor, { language: 'en', queueId: 'web' });
        const { at, agentRegion } = await watch.assigned(String(conversationId));
        if (i >= 3) ms.push(at - t0); // the first three warm connections and caches up
        if (agentRegion !== expectRegion) wrongRegion++;
        await http('eu', 'POST', `/v1/conversations/${conversationId}/resolve`, t.admin);
        if ((i + 1) % 25 === 0) log(`${label}: ${i + 1} assigned`);
      }
      return { ...summary(ms), wrongRegion };
    };

    // The agents' shifts are chosen from the real clock, so the bench means the same at any hour.
    const berlinOn = shiftsAround('Europe/Berlin', -2, 6);
    const berlinOff = shiftsAround('Europe/Berlin', 3, 2);
    const newYorkOn = shiftsAround('America/New_York', -2, 6);
    const local = await tenantWith('bench-local', [{ region: 'eu', agentId: 'eva', calendar: berlinOn }]);
    const sun = await tenantWith('bench-sun', [
      { region: 'eu', agentId: 'eli', calendar: berlinOff },
      { region: 'us', agentId: 'una', calendar: newYorkOn },
    ]);

    log(`raw request/reply: ${RAW_REQUESTS} eu → us across the link, and as many within eu`);
    const usNats = await natsOf('us');
    // The size of what routing sends across (a standing ask).
    const payload = new TextEncoder().encode(JSON.stringify({ op: 'standing', tenantId: sun.tenant, requirement: { channel: 'chat', language: 'en', skills: [], teamId: '', widened: false }, at: Date.now() }));
    // In us's account under its exported `region.us.>`: eu's account reaches it through the import routing uses.
    usNats.subscribe('region.us.bench-echo', { callback: (_e, m) => void m.respond(m.data) });
    euNats.subscribe('bench.local-echo', { callback: (_e, m) => void m.respond(m.data) });
    await Promise.all([usNats.flush(), euNats.flush()]);
    // A new subscription's interest reaches the other cluster's gateway about half a round trip later; a request sent before
    // is dropped there (no interest), not queued. Wait until one gets through.
    for (let tries = 1; ; tries++) {
      const ok = await euNats.request('region.us.bench-echo', payload, { timeout: 1_000 }).then(() => true, () => false);
      if (ok) break;
      if (tries === 10) throw new Error('no answer across the link from the echo responder in us');
    }
    const rawRequests = async (subject: string) => {
      const ms: number[] = [];
      for (let i = 0; i < RAW_REQUESTS + 5; i++) {
        const t0 = performance.now();
        await euNats.request(subject, payload, { timeout: 10_000 });
        if (i >= 5) ms.push(performance.now() - t0);
      }
      return summary(ms);
    };
    const rawCross = await rawRequests('region.us.bench-echo');
    const rawLocal = await rawRequests('bench.local-echo');

    log(`one region: ${CONVERSATIONS} conversations`);
    const one = await measure('one region', local, '');
    log(`cross region (follow-the-sun): ${CONVERSATIONS} conversations`);
    const cross = await measure('cross region', sun, 'us');
    const rawCrossAfter = await rawRequests('region.us.bench-echo');
    await cleanup();

    const overhead = cross.p50 - one.p50;
    process.stdout.write(`\nregions benchmark: eu and us, ${RTT_MS} ms added round trip, ${CONVERSATIONS} conversations each, ${round((performance.now() - started) / 1000, 0)} s in all\n`);
    console.table([
      { figure: 'one region: start → AgentAssigned p50 / p99', value: `${round(one.p50)} / ${round(one.p99)} ms` },
      { figure: 'cross region (follow-the-sun) p50 / p99', value: `${round(cross.p50)} / ${round(cross.p99)} ms` },
      { figure: 'cross − one region, p50', value: `${round(overhead)} ms = ${round(overhead / rawCross.p50, 2)} × the raw cross-region round trip` },
      { figure: 'raw NATS request/reply eu → us p50 / p99 (before; after)', value: `${round(rawCross.p50)} / ${round(rawCross.p99)} ms; ${round(rawCrossAfter.p50)} / ${round(rawCrossAfter.p99)} ms` },
      { figure: 'raw NATS request/reply within eu p50 / p99', value: `${round(rawLocal.p50, 2)} / ${round(rawLocal.p99, 2)} ms` },
      { figure: 'assigned to an agent of the wrong region', value: `${one.wrongRegion} one region, ${cross.wrongRegion} cross region` },
    ]);
    const result = {
      conversations: CONVERSATIONS,
      added_rtt_ms: RTT_MS,
      one_region_p50_ms: round(one.p50),
      one_region_p99_ms: round(one.p99),
      cross_region_p50_ms: round(cross.p50),
      cross_region_p99_ms: round(cross.p99),
      raw_cross_region_request_p50_ms: round(rawCross.p50),
      raw_cross_region_request_p99_ms: round(rawCross.p99),
      raw_cross_region_request_after_p50_ms: round(rawCrossAfter.p50),
      raw_local_request_p50_ms: round(rawLocal.p50, 2),
      cross_minus_one_region_p50_ms: round(overhead),
      // How many raw round trips across the link follow-the-sun adds to an assignment (standing + reservation: about 2).
      cross_region_overhead_vs_rtt: round(overhead / rawCross.p50, 2),
      cross_region_p50_vs_one_region_p50: round(cross.p50 / one.p50, 2),
      wrong_region_assignments: one.wrongRegion + cross.wrongRegion,
      runtime_s: round((performance.now() - started) / 1000, 0),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.wrong_region_assignments === 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: Error) => {
    process.stderr.write(`benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
