/**
 * End-to-end message latency and throughput: a visitor POSTs a message to the
 * gateway's REST API (`POST /v1/visitor/conversations/:id/messages`) and the
 * assigned agent's WebSocket (`/v1/realtime`) receives the MessagePosted frame.
 * The six services run as separate processes on a fresh NATS server and a
 * fresh PostgreSQL database (test/support/stack.ts); everything the bench
 * does to set a tenant up goes through the gateway too (agents, queue, widget
 * key, visitor sessions, conversations assigned by routing).
 *
 * 1. Steady rate, open loop: BENCH_E2E_RATE messages/s for BENCH_E2E_SECONDS,
 *    sent on a schedule whatever the answers, round robin over the phase's
 *    conversations (each its own visitor session), spread by routing over
 *    BENCH_E2E_AGENTS agents. Latency runs from just before the POST to the
 *    frame's arrival on the assigned agent's socket.
 * 2. Throughput ceiling: the offered rate rises by BENCH_E2E_STEP_FACTOR per
 *    step of BENCH_E2E_STEP_SECONDS until a step fails (a POST error, a
 *    message not on the agent's socket within the drain time, a duplicate,
 *    p99 over BENCH_E2E_P99_LIMIT_MS, or fewer than 95% of the offered
 *    messages accepted); then one step halfway between the last pass and the
 *    failure. The ceiling is the highest accepted messages/s of a passing step.
 * 3. Baselines on the same servers, before and after: NATS request/reply
 *    (a responder on the same server; one at a time for p50/p99, 64 in flight
 *    for the rate) and raw single-row PostgreSQL INSERTs into a fresh table
 *    of the event store's shape (one writer for p50/p99, 8 for the rate).
 * Every phase uses fresh conversations (so conversations stay chat-sized),
 * starts once the stack is idle again, and resolves them afterwards. For each
 * phase the CPU of every part (services, nats-server, the PostgreSQL backends
 * of the database, the bench client, other processes) is read from /proc, to
 * show where the time goes. Every accepted message must reach its agent
 * exactly once over the run: lost and duplicate counts are printed, and any
 * non-zero one, or a failed POST at the steady rate, fails the run (exit
 * code 1, after the JSON line). Visitor rate limits are set far
 * above the offered load (BENCH_E2E_RATE_LIMIT per minute) so that the bench
 * measures the pipeline, not the limiter; the output says so.
 * Prints progress on stderr, tables, then as its very last line one JSON object.
 *   npm run bench:e2e
 *   BENCH_E2E_SECONDS=5 BENCH_E2E_RATE=20 BENCH_E2E_MAX_STEPS=2 npm run bench:e2e
 */
import { connect } from '@nats-io/transport-node';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/stack';

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return Number(raw);
};
const SECONDS = positive('BENCH_E2E_SECONDS', 30);
const RATE = positive('BENCH_E2E_RATE', 40);
const AGENTS = Math.round(positive('BENCH_E2E_AGENTS', 4));
/** Conversations per phase at least; more at high rates so that none gets more than PER_CONVERSATION_RATE messages/s. */
const CONVERSATIONS = Math.round(positive('BENCH_E2E_CONVERSATIONS', 24));
const PER_CONVERSATION_RATE = positive('BENCH_E2E_PER_CONVERSATION_RATE', 4);
const STEP_SECONDS = positive('BENCH_E2E_STEP_SECONDS', 10);
const STEP_FACTOR = positive('BENCH_E2E_STEP_FACTOR', 1.25);
const CEILING_START = positive('BENCH_E2E_CEILING_START', RATE * 1.25);
const MAX_STEPS = Math.round(positive('BENCH_E2E_MAX_STEPS', 12));
const P99_LIMIT_MS = positive('BENCH_E2E_P99_LIMIT_MS', 1_000);
const DRAIN_MS = positive('BENCH_E2E_DRAIN_MS', 10_000);
const WARMUP_SECONDS = positive('BENCH_E2E_WARMUP_SECONDS', 5);
/** No ceiling step starts once the run is this old (seconds): keeps the default run under ~5 minutes. */
const BUDGET_S = positive('BENCH_E2E_BUDGET_S', 240);
const RATE_LIMIT = String(Math.round(positive('BENCH_E2E_RATE_LIMIT', 1_000_000)));
const CAPACITY = 100; // presence's maximum per channel
const POST_TIMEOUT_MS = 15_000;
const HEARTBEAT_MS = 10_000;
const QUEUE = 'bench';
const TENANT = `e2e-${randomUUID().slice(0, 8)}`;
const MESSAGE_POSTED = 'contactcenter.conversation.v1.MessagePosted';
const AGENT_ASSIGNED = 'contactcenter.conversation.v1.AgentAssigned';

const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[e2e bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------- HTTP client

/** Keep-alive connections, as a widget's browser or a load balancer would hold them; plenty so that an open-loop burst never waits for a socket. */
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 512 });
let gateway: URL;

type Reply = { status: number; body: string };

/** A JSON request through node:http (cheaper per call than fetch, which matters: the bench shares 2 cores with the stack). */
function request(method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        agent: httpAgent,
        host: gateway.hostname,
        port: gateway.port,
        method,
        path,
        timeout: POST_TIMEOUT_MS,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${POST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request that must succeed (setup): returns the parsed body. */
async function api<T = Record<string, unknown>>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const res = await request(method, path, token, body);
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  return (res.body ? JSON.parse(res.body) : {}) as T;
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
async function eachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------- agents and their sockets

interface Conversation {
  id: string;
  visitorToken: string;
  agentId?: string;
}

interface Sent {
  phase: string;
  conversation: Conversation;
  /** performance.now() just before the POST, and the wall clock then (for the breakdown against the event's recorded time). */
  t0: number;
  wall0: number;
  scheduledLagMs: number;
  status?: number;
  error?: string;
  answeredAt?: number;
  arrivals: number;
  arrivedAt?: number;
  recordedAtWall?: number;
}

/** Every message posted in the run, by its clientMessageId. */
const sent = new Map<string, Sent>();
/** conversationId → resolve(agentId), for the AgentAssigned frames awaited during setup. */
const assignmentWaiters = new Map<string, (agentId: string) => void>();
const assignedTo = new Map<string, string>();
let duplicates = 0;
let foreignAgentFrames = 0;
let reconnects = 0;
const socketProblems: string[] = [];

class AgentDesk {
  private ws: WebSocket | undefined;
  private lastPosition: number | undefined;
  private closing = false;
  private heartbeat: NodeJS.Timeout | undefined;
  readonly token: string;

  constructor(
    readonly agentId: string,
    private readonly stack: TestStack,
  ) {
    this.token = stack.token(TENANT, agentId, ['agent']);
  }

  /** Online through the gateway as the desk does it: status, then a heartbeat per open connection, every HEARTBEAT_MS. */
  async goOnline(): Promise<void> {
    await api('PUT', '/v1/agents/me/status', this.token, { status: 'online' });
    const beat = () => api('POST', '/v1/agents/me/heartbeat', this.token, { connectionId: 'desk' });
    const state = await beat();
    if (state.acceptsWork !== true) throw new Error(`agent ${this.agentId} does not accept work after a heartbeat: ${JSON.stringify(state)}`);
    this.heartbeat = setInterval(() => void beat().catch((err: Error) => log(`heartbeat of ${this.agentId} failed: ${err.message}`)), HEARTBEAT_MS);
    await this.open();
  }

  /** Connects (again after `lastPosition`, as a client that lost its socket resumes) and waits for `ready`. */
  private open(): Promise<void> {
    const url = `${gateway.origin.replace(/^http/, 'ws')}/v1/realtime${this.lastPosition !== undefined ? `?after=${this.lastPosition}` : ''}`;
    const ws = new WebSocket(url, ['cc.realtime.v1', `bearer.${this.token}`]);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.on('message', (raw) => {
        const at = performance.now();
        const text = String(raw);
        let frame: { type?: string; subject?: string; time?: string; position?: number; data?: { agentId?: string; message?: { clientMessageId?: string } } };
        try {
          frame = JSON.parse(text);
        } catch {
          return socketProblems.push(`${this.agentId}: unparsable frame ${text.slice(0, 80)}`);
        }
        if (typeof frame.position === 'number') this.lastPosition = frame.position;
        if (frame.type === 'ready') return resolve();
        if (frame.type === MESSAGE_POSTED) return this.onMessage(frame.data?.message?.clientMessageId, frame.time, at);
        if (frame.type === AGENT_ASSIGNED && frame.subject && frame.data?.agentId) {
          assignedTo.set(frame.subject, frame.data.agentId);
          assignmentWaiters.get(frame.subject)?.(frame.data.agentId);
        }
        if (frame.type === 'error') socketProblems.push(`${this.agentId}: error frame ${text.slice(0, 200)}`);
      });
      ws.once('error', (err) => reject(err));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`realtime upgrade refused: HTTP ${res.statusCode}`)));
      ws.on('close', (code, reason) => {
        if (this.closing) return;
        reconnects++;
        socketProblems.push(`${this.agentId}: socket closed ${code} ${String(reason)}; resumed after ${this.lastPosition}`);
        log(`socket of ${this.agentId} closed (${code} ${String(reason)}): reconnecting after position ${this.lastPosition}`);
        void this.open().catch((err: Error) => socketProblems.push(`${this.agentId}: reconnect failed: ${err.message}`));
      });
    });
  }

  private onMessage(clientMessageId: string | undefined, time: string | undefined, at: number): void {
    const s = clientMessageId === undefined ? undefined : sent.get(clientMessageId);
    if (!s) return; // not ours (bots, surveys)
    // Staff sockets get every event of their tenant: only the assigned agent's socket counts.
    if (s.conversation.agentId !== this.agentId) {
      foreignAgentFrames++;
      return;
    }
    s.arrivals++;
    if (s.arrivals > 1) {
      duplicates++;
      return;
    }
    s.arrivedAt = at;
    if (time) s.recordedAtWall = Date.parse(time);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2_000).unref();
    });
  }
}

// ---------------------------------------------------------------- tenant setup

async function setUpTenant(stack: TestStack): Promise<{ desks: AgentDesk[]; widgetKey: string }> {
  const admin = stack.token(TENANT, 'bench-admin', ['admin']);
  const desks = Array.from({ length: AGENTS }, (_, i) => new AgentDesk(`agent-${i + 1}`, stack));
  for (const desk of desks) {
    await api('PUT', `/v1/admin/agents/${desk.agentId}`, admin, {
      displayName: `Bench agent ${desk.agentId}`,
      skills: [{ name: 'support', level: 5 }],
      languages: ['en'],
      capacity: { chat: CAPACITY },
      translationEnabled: false,
      teamIds: [],
    });
  }
  await api('PUT', `/v1/admin/queues/${QUEUE}`, admin, { name: 'Bench', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', averageHandleSeconds: 120, priority: 0 });
  for (const desk of desks) await desk.goOnline();
  const { widgetKey } = await api<{ widgetKey: string }>('POST', '/v1/admin/widget-keys', admin);
  return { desks, widgetKey };
}

/** `count` visitors, each with a session and a conversation in the queue, assigned by routing; resolves once every one has its agent. */
async function startConversations(count: number, widgetKey: string): Promise<Conversation[]> {
  const t0 = performance.now();
  const conversations: Conversation[] = [];
  const assigned: Promise<void>[] = [];
  await eachLimited(
    Array.from({ length: count }, (_, i) => i),
    16,
    async () => {
      const { token } = await api<{ token: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey });
      const { conversationId } = await api<{ conversationId: string }>('POST', '/v1/visitor/conversations', token, { language: 'en', queueId: QUEUE, subject: 'bench' });
      const c: Conversation = { id: conversationId, visitorToken: token };
      conversations.push(c);
      assigned.push(
        new Promise<void>((resolve, reject) => {
          const done = (agentId: string) => {
            c.agentId = agentId;
            assignmentWaiters.delete(c.id);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => reject(new Error(`conversation ${c.id} not assigned within 30 s`)), 30_000);
          const already = assignedTo.get(c.id);
          if (already) return done(already);
          assignmentWaiters.set(c.id, done);
        }),
      );
    },
  );
  await Promise.all(assigned);
  const perAgent = new Map<string, number>();
  for (const c of conversations) perAgent.set(c.agentId!, (perAgent.get(c.agentId!) ?? 0) + 1);
  log(`${count} conversations started and assigned in ${round(performance.now() - t0, 0)} ms (${[...perAgent].map(([a, n]) => `${a}: ${n}`).join(', ')})`);
  return conversations;
}

async function resolveConversations(conversations: Conversation[], desks: AgentDesk[]): Promise<void> {
  const tokens = new Map(desks.map((d) => [d.agentId, d.token]));
  let failed = 0;
  await eachLimited(conversations, 8, async (c) => {
    const res = await request('POST', `/v1/conversations/${c.id}/resolve`, tokens.get(c.agentId!)).catch(() => undefined);
    if (!res || res.status >= 300) failed++;
  });
  if (failed) log(`resolving: ${failed} of ${conversations.length} failed (capacity is ${CAPACITY} per agent, so the run goes on)`);
}

// ---------------------------------------------------------------- open-loop load

interface PhaseResult {
  name: string;
  offeredRate: number;
  seconds: number;
  conversations: number;
  posted: number;
  accepted: number;
  errors: number;
  errorKinds: Map<string, number>;
  rateLimited: number;
  arrived: number;
  lateOrLost: number;
  duplicates: number;
  acceptedPerSecond: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  rest: { p50: number; p99: number };
  /** Wall clock: POST → event recorded (PostgreSQL now()), recorded → frame on the socket (p50, ms resolution). */
  toRecordedP50: number;
  recordedToSocketP50: number;
  frameBeforeAnswer: number;
  sendLagP99: number;
  /** CPU of each part, in % of one core, from the first send until every message arrived. */
  cpu: CpuShare | undefined;
  passed: boolean;
  why: string;
}

/** Sends `rate` messages/s for `seconds` on a fixed schedule, round robin over `conversations`, then waits for them to arrive. */
async function runPhase(name: string, rate: number, seconds: number, conversations: Conversation[], meter: CpuMeter): Promise<PhaseResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const mine: Sent[] = [];
  const posts: Promise<void>[] = [];
  const duplicatesBefore = duplicates;
  const send = (i: number, scheduledAt: number) => {
    const conversation = conversations[i % conversations.length]!;
    const clientMessageId = `${name}-${i}`;
    const s: Sent = { phase: name, conversation, t0: 0, wall0: Date.now(), scheduledLagMs: 0, arrivals: 0 };
    sent.set(clientMessageId, s);
    mine.push(s);
    const body = { text: `Hello, this is message ${i} of ${name}: where is my order?`, clientMessageId, language: 'en' };
    s.t0 = performance.now();
    s.scheduledLagMs = s.t0 - scheduledAt;
    posts.push(
      request('POST', `/v1/visitor/conversations/${conversation.id}/messages`, conversation.visitorToken, body).then(
        (res) => {
          s.answeredAt = performance.now();
          s.status = res.status;
          if (res.status !== 201) s.error = `HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`;
        },
        (err: Error) => {
          s.answeredAt = performance.now();
          s.error = err.message.slice(0, 80);
        },
      ),
    );
  };
  const stopMeter = meter.start();
  const begin = performance.now() + 5;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && begin + i * interval <= now) {
        send(i, begin + i * interval);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, begin + i * interval - performance.now() - 0.5));
    };
    setTimeout(tick, 5);
  });
  const sendWindowS = Math.max(seconds, (mine.at(-1)!.t0 - mine[0]!.t0) / 1000 + interval / 1000);
  await Promise.all(posts);
  // Drain: every accepted message on its agent's socket, or DRAIN_MS after the last answer.
  const drainUntil = performance.now() + DRAIN_MS;
  while (performance.now() < drainUntil && mine.some((s) => s.status === 201 && s.arrivals === 0)) await sleep(20);
  const cpu = stopMeter();
  await sleep(300); // a duplicate would come right behind

  const accepted = mine.filter((s) => s.status === 201);
  const arrived = accepted.filter((s) => s.arrivals > 0);
  const latencies = arrived.map((s) => s.arrivedAt! - s.t0).sort((a, b) => a - b);
  const rest = mine.filter((s) => s.status !== undefined).map((s) => s.answeredAt! - s.t0).sort((a, b) => a - b);
  const errorKinds = new Map<string, number>();
  for (const s of mine) if (s.error) errorKinds.set(s.error, (errorKinds.get(s.error) ?? 0) + 1);
  const withRecorded = arrived.filter((s) => s.recordedAtWall !== undefined);
  // performance.now() and Date.now() tick together: the arrival in wall-clock terms is wall0 + (arrivedAt - t0).
  const toRecorded = withRecorded.map((s) => s.recordedAtWall! - s.wall0).sort((a, b) => a - b);
  const recordedToSocket = withRecorded.map((s) => s.wall0 + (s.arrivedAt! - s.t0) - s.recordedAtWall!).sort((a, b) => a - b);
  const lags = mine.map((s) => s.scheduledLagMs).sort((a, b) => a - b);
  const errors = mine.length - accepted.length;
  const phaseDuplicates = duplicates - duplicatesBefore;
  const lateOrLost = accepted.length - arrived.length;
  const latency = { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
  const acceptedPerSecond = accepted.length / sendWindowS;
  const reasons: string[] = [];
  if (errors) reasons.push(`${errors} POST errors`);
  if (lateOrLost) reasons.push(`${lateOrLost} not on the agent's socket within ${DRAIN_MS} ms`);
  if (phaseDuplicates) reasons.push(`${phaseDuplicates} duplicates`);
  if (!(latency.p99 <= P99_LIMIT_MS)) reasons.push(`p99 ${round(latency.p99, 0)} ms > ${P99_LIMIT_MS} ms`);
  if (acceptedPerSecond < 0.95 * rate) reasons.push(`accepted ${round(acceptedPerSecond, 1)}/s < 95% of ${round(rate, 1)}/s`);
  const result: PhaseResult = {
    name,
    offeredRate: rate,
    seconds: sendWindowS,
    conversations: conversations.length,
    posted: mine.length,
    accepted: accepted.length,
    errors,
    errorKinds,
    rateLimited: mine.filter((s) => s.status === 429).length,
    arrived: arrived.length,
    lateOrLost,
    duplicates: phaseDuplicates,
    acceptedPerSecond,
    latency,
    rest: { p50: percentile(rest, 50), p99: percentile(rest, 99) },
    toRecordedP50: percentile(toRecorded, 50),
    recordedToSocketP50: percentile(recordedToSocket, 50),
    frameBeforeAnswer: arrived.filter((s) => s.answeredAt !== undefined && s.arrivedAt! < s.answeredAt).length,
    sendLagP99: percentile(lags, 99),
    cpu,
    passed: reasons.length === 0,
    why: reasons.join('; ') || 'ok',
  };
  log(
    `${name}: offered ${round(rate, 1)}/s × ${round(sendWindowS, 1)} s over ${conversations.length} conversations: ${accepted.length}/${mine.length} accepted (${round(acceptedPerSecond, 1)}/s), ` +
      `${arrived.length} arrived, e2e p50 ${round(latency.p50, 1)} / p99 ${round(latency.p99, 1)} / max ${round(latency.max, 0)} ms, REST p50 ${round(result.rest.p50, 1)} ms, send lag p99 ${round(result.sendLagP99, 1)} ms → ${result.why}` +
      (errorKinds.size ? ` [${[...errorKinds].map(([k, n]) => `${n}× ${k}`).join(', ')}]` : '') +
      `; CPU % of a core: ${formatCpu(cpu)}`,
  );
  return result;
}

// ---------------------------------------------------------------- baselines

type Sample = { ops: number; seconds: number; latenciesMs: number[] };
const emptySample = (): Sample => ({ ops: 0, seconds: 0, latenciesMs: [] });
const rateOf = (s: Sample) => s.ops / s.seconds;
const sortedOf = (s: Sample) => [...s.latenciesMs].sort((a, b) => a - b);

/** Runs `op` in `workers` concurrent loops for `ms`, adding to `into`. */
async function timed(into: Sample, workers: number, ms: number, op: () => Promise<unknown>): Promise<void> {
  const before = into.latenciesMs.length;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op();
        into.latenciesMs.push(performance.now() - t);
      }
    }),
  );
  into.ops += into.latenciesMs.length - before;
  into.seconds += (performance.now() - t0) / 1000;
}

async function baselines(natsUrl: string, dbUrl: string) {
  const responder = await connect({ servers: natsUrl, name: 'e2e-bench-responder' });
  const requester = await connect({ servers: natsUrl, name: 'e2e-bench-requester' });
  responder.subscribe('bench.e2e.rr', { callback: (_err, msg) => void msg.respond(msg.data) });
  await responder.flush();
  // About a MessagePosted event's size.
  const payload = new TextEncoder().encode(JSON.stringify({ conversationId: randomUUID(), message: { text: 'Hello, this is message 1: where is my order?', authorKind: 'AUTHOR_KIND_CUSTOMER' }, padding: 'x'.repeat(400) }));
  const rr = () => requester.request('bench.e2e.rr', payload, { timeout: 10_000 });

  const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
  pool.on('error', () => undefined); // connections cut when the database is dropped at the end
  // The event store's table shape (as test/bench/eventstore.bench.ts), fresh, next to the real one.
  await pool.query(`CREATE TABLE bench_e2e_raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id text NOT NULL, revision bigint NOT NULL CHECK (revision >= 0), event_id uuid NOT NULL UNIQUE,
    type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, revision))`);
  await pool.query('CREATE INDEX ON bench_e2e_raw_events (transaction_id, position)');
  let n = 0;
  const insert = () =>
    pool.query({
      name: 'insert_bench_e2e_raw_events',
      text: 'INSERT INTO bench_e2e_raw_events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)',
      values: [`raw-${n}`, n++, randomUUID(), 'MessagePosted', JSON.stringify({ message: { text: 'Hello, this is message 1: where is my order?' } }), JSON.stringify({ tenant: TENANT })],
    });
  const b = {
    natsSequential: emptySample(),
    natsConcurrent: emptySample(),
    pgSequential: emptySample(),
    pgConcurrent: emptySample(),
    async run() {
      await timed(emptySample(), 8, 300, insert); // warm-up: connections, prepared statement
      await timed(emptySample(), 1, 300, rr);
      await timed(b.natsSequential, 1, 2_000, rr);
      await timed(b.natsConcurrent, 64, 1_500, rr);
      await timed(b.pgSequential, 1, 2_000, insert);
      await timed(b.pgConcurrent, 8, 2_000, insert);
    },
    async close() {
      await Promise.allSettled([responder.close(), requester.close(), pool.end()]);
    },
  };
  return b;
}

// ---------------------------------------------------------------- CPU by process

/**
 * CPU time of each part of the pipeline while a phase runs, from /proc (Linux;
 * elsewhere the figures are left out): the six services, the private
 * nats-server this process started, the PostgreSQL backends of the bench's
 * database, the bench client itself, and the whole machine.
 */
type CpuShare = Record<string, number>;
const TICKS_PER_S = 100; // USER_HZ, 100 on Linux

class CpuMeter {
  private readonly labels = new Map<number, string>();
  private readonly dbName: string;

  constructor(stack: TestStack) {
    for (const [name, service] of stack.services) if (service.child.pid) this.labels.set(service.child.pid, name);
    this.dbName = decodeURIComponent(new URL(stack.eventStoreUrl).pathname.slice(1));
  }

  private labelOf(pid: number, stat: string[]): string | undefined {
    const known = this.labels.get(pid);
    if (known) return known;
    const comm = stat[1] ?? '';
    if (comm === '(nats-server)' && Number(stat[3]) === process.pid) return 'nats';
    if (comm === '(postgres)') {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (this.dbName && cmdline.includes(` ${this.dbName} `)) return 'postgres';
    }
    return undefined;
  }

  /** Ticks per process of interest, the bench's own CPU (µs) and the machine's busy and total ticks. */
  private snapshot(): { procs: Map<number, { label: string; ticks: number }>; self: number; busy: number; total: number } | undefined {
    try {
      const procs = new Map<number, { label: string; ticks: number }>();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const pid = Number(entry);
        try {
          const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
          // comm may hold spaces: split after its closing parenthesis.
          const close = raw.lastIndexOf(')');
          const stat = [raw.slice(0, raw.indexOf(' ')), raw.slice(raw.indexOf(' ') + 1, close + 1), ...raw.slice(close + 2).split(' ')];
          const label = this.labelOf(pid, stat);
          if (label) procs.set(pid, { label, ticks: Number(stat[13]) + Number(stat[14]) });
        } catch {
          // gone meanwhile
        }
      }
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      const total = cpu.reduce((a, b) => a + b, 0);
      const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
      const usage = process.cpuUsage();
      return { procs, self: usage.user + usage.system, busy: total - idle, total };
    } catch {
      return undefined;
    }
  }

  /** Starts measuring; the returned function gives each part's share of one core in %, over the time since. */
  start(): () => CpuShare | undefined {
    const before = this.snapshot();
    const t0 = performance.now();
    return () => {
      const after = this.snapshot();
      if (!before || !after) return undefined;
      const seconds = (performance.now() - t0) / 1000;
      const share: CpuShare = {};
      for (const [pid, { label, ticks }] of after.procs) {
        const used = ticks - (before.procs.get(pid)?.ticks ?? 0);
        share[label] = (share[label] ?? 0) + used;
      }
      const out: CpuShare = {};
      for (const name of ['gateway', 'conversation', 'routing', 'presence', 'translation', 'survey', 'nats', 'postgres']) {
        out[name] = round(((share[name] ?? 0) / TICKS_PER_S / seconds) * 100, 0) ?? 0;
      }
      out.bench_client = round(((after.self - before.self) / 1e6 / seconds) * 100, 0) ?? 0;
      // The whole machine, in % of one core as well (200 = both cores of a 2-core machine busy).
      out.machine = round(((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100 * cpuCount(), 0) ?? 0;
      // Whatever else ran meanwhile (other engineers' tests on a shared machine): it competes for the same cores.
      out.other_processes = Math.max(0, out.machine - Object.entries(out).filter(([k]) => k !== 'machine').reduce((a, [, v]) => a + v, 0));
      return out;
    };
  }

  /** Waits (at most `maxMs`) until the stack is nearly idle: background consumers done with the last phase. */
  async settle(maxMs = 8_000): Promise<void> {
    const until = performance.now() + maxMs;
    while (performance.now() < until) {
      const stop = this.start();
      await sleep(500);
      const share = stop();
      if (!share) return;
      const stackCpu = Object.entries(share).filter(([k]) => !['bench_client', 'machine', 'other_processes'].includes(k)).reduce((a, [, v]) => a + v, 0);
      if (stackCpu < 25) return;
    }
  }
}

let cores: number | undefined;
function cpuCount(): number {
  cores ??= readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
  return cores;
}

const formatCpu = (share: CpuShare | undefined) => (share ? Object.entries(share).map(([k, v]) => `${k} ${v}%`).join(', ') : 'n/a');

// ---------------------------------------------------------------- service logs

/** Warnings and errors the services logged, grouped by service and message; the collected lines are dropped as they are counted. */
const warnings = new Map<string, number>();
function countWarnings(stack: TestStack): void {
  for (const { service, line } of stack.logs.splice(0)) {
    if (!line.includes('"level":"warn"') && !line.includes('"level":"error"') && !line.includes('"level":40') && !line.includes('"level":50')) continue;
    let what = line.slice(0, 120);
    try {
      const rec = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      what = `${rec.msg ?? ''}${rec.err?.message ? `: ${rec.err.message.slice(0, 100)}` : ''}`;
    } catch {
      // not JSON
    }
    const key = `${service}: ${what}`;
    warnings.set(key, (warnings.get(key) ?? 0) + 1);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const gatewayEnv = { RATE_LIMIT_PER_KEY_PER_MINUTE: RATE_LIMIT, RATE_LIMIT_PER_IP_PER_MINUTE: RATE_LIMIT };
  log(`starting the stack (six services as processes, fresh NATS and PostgreSQL); gateway rate limits set to ${RATE_LIMIT}/min per key and per IP`);
  const stack = await startTestStack({ extraEnv: { gateway: gatewayEnv } });
  gateway = new URL(stack.gatewayUrl);
  const desks: AgentDesk[] = [];
  let base: Awaited<ReturnType<typeof baselines>> | undefined;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    for (const d of desks) await d.close().catch(() => undefined);
    await base?.close();
    httpAgent.destroy();
    await stack.teardown();
  };
  process.once('SIGINT', () => void teardown().finally(() => process.exit(130)));
  try {
    log(`stack up in ${round(elapsedS(), 1)} s; gateway ${stack.gatewayUrl}`);
    const tenant = await setUpTenant(stack);
    desks.push(...tenant.desks);
    log(`tenant ${TENANT}: ${AGENTS} agents online with sockets open, queue ${QUEUE}, widget key`);
    const meter = new CpuMeter(stack);
    base = await baselines(stack.nats.url, stack.eventStoreUrl);
    log('baselines (before)');
    await base.run();

    const conversationsFor = (rate: number) => Math.min(AGENTS * CAPACITY, Math.max(CONVERSATIONS, Math.ceil(rate / PER_CONVERSATION_RATE)));
    const phase = async (name: string, rate: number, seconds: number) => {
      const conversations = await startConversations(conversationsFor(rate), tenant.widgetKey);
      await meter.settle(); // the previous phase's background work (translation, survey, routing) done
      const result = await runPhase(name, rate, seconds, conversations, meter);
      await resolveConversations(conversations, desks);
      countWarnings(stack);
      return result;
    };

    log(`warm-up: ${WARMUP_SECONDS} s at ${RATE}/s`);
    const warmup = await phase('warmup', RATE, WARMUP_SECONDS);
    log(`steady: ${SECONDS} s at ${RATE}/s`);
    const steady = await phase('steady', RATE, SECONDS);

    const steps: PhaseResult[] = [];
    let pass: PhaseResult | undefined;
    let fail: PhaseResult | undefined;
    for (let rate = CEILING_START, k = 1; k <= MAX_STEPS; rate *= STEP_FACTOR, k++) {
      if (elapsedS() > BUDGET_S) {
        log(`time budget (${BUDGET_S} s) reached: no further steps`);
        break;
      }
      const r = await phase(`step${k}`, rate, STEP_SECONDS);
      steps.push(r);
      if (!r.passed) {
        fail = r;
        break;
      }
      pass = r;
    }
    if (fail && elapsedS() <= BUDGET_S) {
      const between = pass ? (pass.offeredRate + fail.offeredRate) / 2 : fail.offeredRate / 2;
      const r = await phase(`step${steps.length + 1}`, between, STEP_SECONDS);
      steps.push(r);
    }
    const passing = [steady, ...steps].filter((r) => r.passed);
    const ceiling = passing.reduce<PhaseResult | undefined>((best, r) => (!best || r.acceptedPerSecond > best.acceptedPerSecond ? r : best), undefined);
    const ceilingBound = steps.find((r) => !r.passed && (!ceiling || r.offeredRate > ceiling.offeredRate));

    log('baselines (after)');
    await base.run();

    // Whole run: every accepted message on its agent's socket exactly once (late ones had until now).
    const finalUntil = performance.now() + DRAIN_MS;
    const allAccepted = () => [...sent.values()].filter((s) => s.status === 201);
    while (performance.now() < finalUntil && allAccepted().some((s) => s.arrivals === 0)) await sleep(50);
    await sleep(500);
    const accepted = allAccepted();
    const lost = accepted.filter((s) => s.arrivals === 0).length;
    const arrivedDespiteError = [...sent.values()].filter((s) => s.status !== 201 && s.arrivals > 0).length;
    const postErrors = [...sent.values()].filter((s) => s.status !== 201).length;
    const rateLimited = [...sent.values()].filter((s) => s.status === 429).length;
    countWarnings(stack);
    const warningTotal = [...warnings.values()].reduce((a, b) => a + b, 0);
    await teardown();

    const natsSeq = sortedOf(base.natsSequential);
    const pgSeq = sortedOf(base.pgSequential);
    const pgConc = sortedOf(base.pgConcurrent);
    const natsRrP50 = percentile(natsSeq, 50);
    const natsRrP99 = percentile(natsSeq, 99);
    const pgP50 = percentile(pgSeq, 50);
    const pgP99 = percentile(pgSeq, 99);
    const pgRate = rateOf(base.pgConcurrent);
    const ms = (n: number) => `${round(n, 2)} ms`;
    const row = (r: PhaseResult) => ({
      phase: r.name,
      'offered/s': round(r.offeredRate, 1),
      convs: r.conversations,
      'accepted/s': round(r.acceptedPerSecond, 1),
      'ok/posted': `${r.accepted}/${r.posted}`,
      arrived: r.arrived,
      dup: r.duplicates,
      'p50 ms': round(r.latency.p50, 1),
      'p99 ms': round(r.latency.p99, 1),
      'max ms': round(r.latency.max, 0),
      'REST p50': round(r.rest.p50, 1),
      result: r.why,
    });
    process.stdout.write(
      `\nend-to-end benchmark: tenant ${TENANT}, ${AGENTS} agents, visitor POST → assigned agent's WebSocket, ${round(elapsedS(), 0)} s in all\n` +
        `gateway rate limits raised to ${RATE_LIMIT}/min per key and per IP for the bench (RATE_LIMIT_PER_KEY_PER_MINUTE, RATE_LIMIT_PER_IP_PER_MINUTE): the figures are the pipeline's, not the limiter's\n`,
    );
    console.table([warmup, steady, ...steps].map(row));
    console.table([
      { figure: `steady ${RATE}/s: e2e p50 / p90 / p99 / max`, value: `${ms(steady.latency.p50)} / ${ms(steady.latency.p90)} / ${ms(steady.latency.p99)} / ${ms(steady.latency.max)}` },
      { figure: 'steady: REST answer p50 / p99', value: `${ms(steady.rest.p50)} / ${ms(steady.rest.p99)}` },
      { figure: 'steady: POST → recorded in PostgreSQL, recorded → agent socket (p50, wall clock)', value: `${ms(steady.toRecordedP50)}, ${ms(steady.recordedToSocketP50)}` },
      { figure: 'steady: frame on the socket before the POST answer', value: `${steady.frameBeforeAnswer} of ${steady.arrived}` },
      { figure: 'ceiling: highest accepted msgs/s with every message delivered', value: ceiling ? `${round(ceiling.acceptedPerSecond, 1)} (${ceiling.name}, p99 ${ms(ceiling.latency.p99)})` : 'none passed' },
      { figure: 'first failing step', value: ceilingBound ? `${round(ceilingBound.offeredRate, 1)}/s offered: ${ceilingBound.why}` : 'none (raise BENCH_E2E_MAX_STEPS)' },
      { figure: 'NATS request/reply: p50 / p99, sequential rate, 64 in flight', value: `${ms(natsRrP50)} / ${ms(natsRrP99)}, ${round(rateOf(base.natsSequential), 0)}/s, ${round(rateOf(base.natsConcurrent), 0)}/s` },
      { figure: 'PostgreSQL INSERT: p50 / p99 one writer, rate 8 writers (p50 / p99 there)', value: `${ms(pgP50)} / ${ms(pgP99)}, ${round(pgRate, 0)}/s (${ms(percentile(pgConc, 50))} / ${ms(percentile(pgConc, 99))})` },
      { figure: 'whole run: accepted, lost, duplicates, POST errors (429)', value: `${accepted.length}, ${lost}, ${duplicates}, ${postErrors} (${rateLimited})` },
      { figure: 'tenant fan-out: the same frames on the other agents\' sockets', value: foreignAgentFrames },
      { figure: 'CPU, % of one core: steady', value: formatCpu(steady.cpu) },
      { figure: 'CPU, % of one core: ceiling step', value: formatCpu(ceiling?.cpu) },
      { figure: 'CPU, % of one core: first failing step', value: formatCpu(ceilingBound?.cpu) },
    ]);
    for (const [what, n] of [...warnings].sort((a, b) => b[1] - a[1]).slice(0, 8)) log(`logged ${n}× ${what}`);
    for (const p of socketProblems.slice(0, 8)) log(`socket: ${p}`);

    const summary = {
      tenant_agents: AGENTS,
      steady_rate_per_s: RATE,
      steady_seconds: round(steady.seconds, 1),
      steady_conversations: steady.conversations,
      steady_held: steady.passed,
      e2e_p50_ms: round(steady.latency.p50, 2),
      e2e_p90_ms: round(steady.latency.p90, 2),
      e2e_p99_ms: round(steady.latency.p99, 2),
      e2e_max_ms: round(steady.latency.max, 1),
      rest_p50_ms: round(steady.rest.p50, 2),
      rest_p99_ms: round(steady.rest.p99, 2),
      post_to_recorded_p50_ms: round(steady.toRecordedP50, 1),
      recorded_to_socket_p50_ms: round(steady.recordedToSocketP50, 1),
      steady_send_lag_p99_ms: round(steady.sendLagP99, 2),
      ceiling_msgs_per_s: ceiling ? round(ceiling.acceptedPerSecond, 1) : null,
      ceiling_p50_ms: ceiling ? round(ceiling.latency.p50, 2) : null,
      ceiling_p99_ms: ceiling ? round(ceiling.latency.p99, 2) : null,
      ceiling_is_lower_bound: !ceilingBound,
      first_failing_offered_per_s: ceilingBound ? round(ceilingBound.offeredRate, 1) : null,
      first_failing_reason: ceilingBound?.why ?? null,
      steps: steps.map((r) => ({ offered: round(r.offeredRate, 1), accepted_per_s: round(r.acceptedPerSecond, 1), p50_ms: round(r.latency.p50, 1), p99_ms: round(r.latency.p99, 1), errors: r.errors, passed: r.passed })),
      messages_accepted: accepted.length,
      lost,
      duplicates,
      post_errors: postErrors,
      rate_limited_429: rateLimited,
      arrived_despite_post_error: arrivedDespiteError,
      socket_reconnects: reconnects,
      service_warnings: warningTotal,
      rate_limits_raised_to_per_min: Number(RATE_LIMIT),
      cpu_pct_of_core_steady: steady.cpu ?? null,
      cpu_pct_of_core_ceiling: ceiling?.cpu ?? null,
      cpu_pct_of_core_first_failing: ceilingBound?.cpu ?? null,
      nats_rr_p50_ms: round(natsRrP50, 3),
      nats_rr_p99_ms: round(natsRrP99, 3),
      nats_rr_seq_per_s: round(rateOf(base.natsSequential), 0),
      nats_rr_per_s_64_in_flight: round(rateOf(base.natsConcurrent), 0),
      pg_insert_p50_ms: round(pgP50, 3),
      pg_insert_p99_ms: round(pgP99, 3),
      pg_insert_seq_per_s: round(rateOf(base.pgSequential), 0),
      pg_inserts_per_s: round(pgRate, 0),
      e2e_p50_vs_nats_rr_p50: round(steady.latency.p50 / natsRrP50, 1),
      e2e_p99_vs_nats_rr_p99: round(steady.latency.p99 / natsRrP99, 1),
      e2e_p50_vs_pg_insert_p50: round(steady.latency.p50 / pgP50, 1),
      e2e_p99_vs_pg_insert_p99: round(steady.latency.p99 / pgP99, 1),
      ceiling_vs_pg_inserts_per_s: ceiling ? round(ceiling.acceptedPerSecond / pgRate, 4) : null,
      ceiling_vs_nats_rr_per_s: ceiling ? round(ceiling.acceptedPerSecond / rateOf(base.natsConcurrent), 5) : null,
      runtime_s: round(elapsedS(), 0),
    };
    const failures: string[] = [];
    if (lost) failures.push(`${lost} accepted messages never reached their agent's socket`);
    if (duplicates) failures.push(`${duplicates} messages reached their agent's socket more than once`);
    if (steady.errors) failures.push(`${steady.errors} POSTs failed at the steady ${RATE}/s`);
    if (!steady.passed) log(`WARNING: the steady phase at ${RATE}/s is not below the ceiling here: ${steady.why}`);
    if (failures.length) {
      process.stdout.write(`${JSON.stringify({ ...summary, failed: failures })}\n`);
      throw new Error(failures.join('; '));
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await teardown().catch((err: Error) => log(`teardown: ${err.message}`));
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`e2e benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
