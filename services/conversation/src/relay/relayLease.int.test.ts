/**
 * Exactly one relay publishes, however many run: two relay processes on one
 * PostgreSQL event store and one NATS server while a writer appends steadily.
 * Only the lease holder publishes (its metrics count events, the other's
 * none); the holder is SIGKILLed; the other takes over within the lease's
 * time to live (plus one retry period) and, from the saved checkpoint,
 * publishes the rest. JetStream ends with every appended event exactly once.
 */
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startPrivateNats } from '../../../../test/support/nats';
import { freshPostgresDatabase, type TestDatabase } from '../../../../test/support/postgres';
import type { NatsServer } from '../../../../scripts/natsServer';
import { readRelayedEvents } from './readRelayedEvents';
import { DEFAULT_LEASE_TTL_MS } from './relayLease';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..', '..', '..');
const LEASE_TTL_MS = DEFAULT_LEASE_TTL_MS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A Prometheus scrape on a fresh connection (no keep-alive socket outlives the test). */
const scrape = (port: number) =>
  new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body)).on('error', reject);
    }).on('error', reject);
  });

/** One relay process (`relay/main.ts`), with its metrics on a known port. */
class Relay {
  readonly output: string[] = [];
  private child!: ChildProcess;
  exited = false;

  constructor(
    readonly label: string,
    private readonly metricsPort: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'services/conversation/src/relay/main.ts'], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, ...this.env, METRICS_PORT: String(this.metricsPort), GRPC_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.once('exit', () => (this.exited = true));
    const ready = new Promise<void>((resolve, reject) => {
      const keep = (line: string) => {
        this.output.push(line);
        if (/"msg":"ready"/.test(line)) resolve();
      };
      createInterface({ input: this.child.stdout! }).on('line', keep);
      createInterface({ input: this.child.stderr! }).on('line', keep);
      this.child.once('exit', (code) => reject(new Error(`relay ${this.label} exited (${code}) before ready:\n${this.output.join('\n')}`)));
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`relay ${this.label} not ready:\n${this.output.join('\n')}`)), 30_000)));
    await Promise.race([ready, late]).finally(() => clearTimeout(timer));
  }

  /** relay_events_total (acknowledged publishes, duplicates included) and relay_lease_held, from its /metrics. */
  async metrics(): Promise<{ published: number; held: boolean }> {
    const text = await scrape(this.metricsPort);
    const published = [...text.matchAll(/^relay_events_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const held = /^relay_lease_held\{[^}]*\} 1$/m.test(text);
    return { published, held };
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(-this.child.pid!, signal);
    await exited;
  }
}

/** Appends events to a few conversations, in small batches, until stopped; returns their ids in order. */
function steadyWriter(store: EventStore, stop: AbortSignal): Promise<string[]> {
  return (async () => {
    const ids: string[] = [];
    const conversations = Array.from({ length: 4 }, () => ({ id: randomUUID().slice(0, 8), revision: -1 as number }));
    for (let n = 0; !stop.aborted; n++) {
      const conversation = conversations[n % conversations.length]!;
      const events = [0, 1].map((i) => ({
        id: randomUUID(),
        type: conversation.revision < 0 && i === 0 ? 'ConversationStarted' : 'MessagePosted',
        data: { text: `event ${n}.${i}` },
        metadata: { tenant_id: 'acme', conversation_id: conversation.id },
      }));
      const result = await store.appendToStream(`conversation-acme:${conversation.id}`, events, { expectedRevision: conversation.revision < 0 ? 'no_stream' : conversation.revision });
      conversation.revision = result.nextExpectedRevision;
      ids.push(...events.map((e) => e.id));
      await sleep(10);
    }
    return ids;
  })();
}

describe('two relays of one name', () => {
  let db: TestDatabase;
  let store: EventStore;
  let nats: NatsServer;
  let nc: NatsConnection;
  const relays: Relay[] = [];

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    store = await createEventStore(db.url, { poolSize: 3 });
    nats = await startPrivateNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.kill('SIGKILL')));
    await nc?.close();
    await store?.close();
    await nats?.stop();
    await db?.stop();
  });

  const streamCount = async () => (await (await jetstreamManager(nc)).streams.info(DEFAULT_STREAM)).state.messages;
  const until = async (what: string, ok: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms\n${relays.map((r) => `${r.label}:\n${r.output.slice(-15).join('\n')}`).join('\n')}`);
      await sleep(50);
    }
  };

  it('publish through one of them at a time; the other takes over within seconds of a SIGKILL; nothing lost or doubled', async () => {
    const env = { EVENT_STORE_URL: db.url, NATS_URL: nats.url, RELAY_NAME: 'conversation', REGION: 'lease-test', RELAY_CHECKPOINT_EVERY: '50', RELAY_CHECKPOINT_INTERVAL_MS: '500' };
    relays.push(new Relay('a', await freePort(), env), new Relay('b', await freePort(), env));
    await Promise.all(relays.map((r) => r.start()));
    const stopWriting = new AbortController();
    const writing = steadyWriter(store, stopWriting.signal);

    await until('300 events relayed', async () => (await streamCount().catch(() => 0)) >= 300, 30_000);
    const [ma, mb] = await Promise.all(relays.map((r) => r.metrics()));
    // Exactly one holds the lease and publishes; the other has published nothing.
    expect([ma!.held, mb!.held].filter(Boolean)).toHaveLength(1);
    const holder = ma!.held ? relays[0]! : relays[1]!;
    const standby = ma!.held ? relays[1]! : relays[0]!;
    expect((await standby.metrics()).published).toBe(0);
    expect((await holder.metrics()).published).toBeGreaterThanOrEqual(300);

    await holder.kill('SIGKILL');
    const killedAt = Date.now();
    const countAtKill = await streamCount();
    await until('the standby holding the lease', async () => (await standby.metrics()).held, LEASE_TTL_MS * 3);
    const failoverMs = Date.now() - killedAt;
    // The lease outlives the holder's last renewal by its TTL; the standby asks every half second (metrics scraped every 50 ms, plus margin).
    expect(failoverMs).toBeLessThanOrEqual(LEASE_TTL_MS + 500 + 1_000);
    await until('the standby publishing', async () => (await streamCount()) > countAtKill + 50, 15_000);

    stopWriting.abort();
    const appended = await writing;
    await until('every appended event in JetStream', async () => (await streamCount()) >= appended.length, 30_000);
    await sleep(500); // a late duplicate would show up now

    const relayed = await readRelayedEvents(nc);
    const ids = relayed.map((m) => m.event.id);
    const unique = new Set(ids);
    expect({ missing: appended.filter((id) => !unique.has(id)).length, duplicates: ids.length - unique.size, total: ids.length }).toEqual({
      missing: 0,
      duplicates: 0,
      total: appended.length,
    });
    // In order per conversation across the fail-over: revisions 0, 1, 2, … without gaps.
    const next = new Map<string, number>();
    for (const { event } of relayed) {
      const key = `${event.tenantid}/${event.subject}`;
      expect(Number(event.sequence)).toBe(next.get(key) ?? 0);
      next.set(key, Number(event.sequence) + 1);
    }
    const standbyMetrics = await standby.metrics();
    process.stdout.write(
      `relay lease: fail-over ${failoverMs} ms after SIGKILL (TTL ${LEASE_TTL_MS} ms); ${appended.length} events, ${countAtKill} published by the first holder, ` +
        `${standbyMetrics.published} acknowledged to the second (republished ones included, dropped as duplicates)\n`,
    );
    await standby.kill('SIGTERM');
  });
});
