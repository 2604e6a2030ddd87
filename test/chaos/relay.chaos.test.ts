/**
 * Chaos: the relay runs as its own process while several writers append to a
 * PostgreSQL event store; the relay is SIGKILLed and restarted (twice), and so
 * is the NATS server (once). At the end JetStream must hold every appended
 * event exactly once: no loss, no duplicate, and in order per conversation.
 */
import { createEventStore, type EventStore } from '@contactcenter/infra/eventstore';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { readRelayedEvents } from '../../services/conversation/src/relay/readRelayedEvents';
import { startPrivateNats } from '../support/nats';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres';
import type { NatsServer } from '../../scripts/natsServer';

const ROOT = join(__dirname, '..', '..');
const TOTAL_EVENTS = 3_000;
const WRITERS = 6;
const TENANTS = ['acme', 'globex', 'initech'];

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The relay as a separate process, restartable; keeps its last lines of output for failure messages. */
class RelayProcess {
  child: ChildProcess | undefined;
  output: string[] = [];
  starts = 0;
  /** Runs that found events after their checkpoint already in JetStream (the crash window, absorbed by dedup). */
  resumedOverDuplicates = 0;

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/conversation/src/relay/main.ts'], {
      cwd: ROOT,
      detached: true, // its own process group: a kill reaches the whole relay
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const keep = (line: string) => {
        this.output.push(line);
        if (this.output.length > 200) this.output.shift();
        if (/"msg":"ready"/.test(line)) resolve();
        if (/dropped as duplicates/.test(line)) this.resumedOverDuplicates++;
      };
      createInterface({ input: child.stdout! }).on('line', keep);
      createInterface({ input: child.stderr! }).on('line', keep);
      child.once('exit', (code, signal) => reject(new Error(`relay exited (${code ?? signal}) before ready:\n${this.output.join('\n')}`)));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`relay not ready within 30 s:\n${this.output.join('\n')}`)), 30_000);
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` to the process group and waits for the exit; returns the exit code (null when killed by a signal). */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, signal);
    return exited;
  }
}

/** Appends `count` events over a few conversations of one tenant, in small batches with short pauses. */
async function writer(store: EventStore, index: number, count: number, appended: string[]): Promise<void> {
  const tenant = TENANTS[index % TENANTS.length]!;
  const conversations = Array.from({ length: 5 }, () => ({ id: randomUUID().slice(0, 8), revision: -1 }));
  let written = 0;
  while (written < count) {
    const conversation = conversations[written % conversations.length]!;
    const size = Math.min(count - written, 1 + (written % 3));
    const events = Array.from({ length: size }, (_, i) => ({
      id: randomUUID(),
      type: conversation.revision < 0 && i === 0 ? 'ConversationStarted' : 'MessagePosted',
      data: { text: `writer ${index} event ${written + i}` },
      metadata: { tenant_id: tenant, conversation_id: conversation.id },
    }));
    const expectedRevision = conversation.revision < 0 ? 'no_stream' : conversation.revision;
    const result = await store.appendToStream(`conversation-${tenant}:${conversation.id}`, events, { expectedRevision });
    conversation.revision = result.nextExpectedRevision;
    appended.push(...events.map((e) => e.id));
    written += size;
    await sleep(15);
  }
}

describe('relay chaos', () => {
  let db: TestDatabase;
  let store: EventStore;
  let nats: NatsServer;
  let nc: NatsConnection;
  let relay: RelayProcess;

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    store = await createEventStore(db.url, { poolSize: WRITERS + 2 });
    nats = await startPrivateNats();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    relay = new RelayProcess({
      EVENT_STORE_URL: db.url,
      NATS_URL: nats.url,
      RELAY_NAME: 'conversation',
      REGION: 'chaos',
      LOG_LEVEL: 'info',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      // Checkpoints lag the PubAcks by up to 1 s or 200 events, so a kill almost surely
      // lands between a publish and its checkpoint: the restart must lean on JetStream's dedup.
      RELAY_CHECKPOINT_EVERY: '200',
      RELAY_CHECKPOINT_INTERVAL_MS: '1000',
    });
  });

  afterAll(async () => {
    await relay?.signal('SIGKILL');
    await nc?.close();
    await store?.close();
    await nats?.stop();
    await db?.stop();
  });

  /** Messages in the stream now; undefined while NATS is unreachable. */
  const streamCount = async (): Promise<number | undefined> => {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 1_000 });
      return (await jsm.streams.info(DEFAULT_STREAM)).state.messages;
    } catch {
      return undefined;
    }
  };
  const waitForCount = async (atLeast: number, timeoutMs: number): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await streamCount();
      if (count !== undefined && count >= atLeast) return count;
      if (Date.now() > deadline) throw new Error(`stream holds ${count} messages, waited for ${atLeast}\n${relay.output.slice(-30).join('\n')}`);
      await sleep(50);
    }
  };

  it('delivers every event exactly once through relay kills and a NATS server kill', async () => {
    const started = Date.now();
    await relay.start();
    const appended: string[] = [];
    const perWriter = TOTAL_EVENTS / WRITERS;
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(store, i, perWriter, appended)));
    const chaos: string[] = [];

    // 1. Kill the relay once it has relayed some events, restart it.
    chaos.push(`relay SIGKILL at ${await waitForCount(300, 30_000)} relayed`);
    await relay.signal('SIGKILL');
    await sleep(200);
    await relay.start();

    // 2. Kill the NATS server, keep it down a moment, restart it on the same port and store.
    chaos.push(`nats SIGKILL at ${await waitForCount(900, 30_000)} relayed`);
    await nats.kill('SIGKILL');
    await sleep(1_500);
    await nats.restart();

    // 3. Kill the relay again, right after it recovered from the NATS outage.
    chaos.push(`relay SIGKILL at ${await waitForCount(1_500, 30_000)} relayed`);
    await relay.signal('SIGKILL');
    await sleep(500);
    await relay.start();

    await writing;
    expect(appended).toHaveLength(TOTAL_EVENTS);
    // On a timeout, go on: the comparison below says what is missing.
    await waitForCount(TOTAL_EVENTS, 45_000).catch(() => undefined);
    await sleep(1_000); // a late duplicate would show up now
    const code = await relay.signal('SIGTERM');
    expect(code).toBe(0); // clean stop: in-flight publish finished, checkpoint saved

    const relayed = await readRelayedEvents(nc);
    const ids = relayed.map((m) => m.event.id);
    const unique = new Set(ids);
    const missing = appended.filter((id) => !unique.has(id));
    expect({ missing: missing.length, duplicates: ids.length - unique.size, total: ids.length }).toEqual({ missing: 0, duplicates: 0, total: TOTAL_EVENTS });
    expect([...unique].sort()).toEqual([...appended].sort());

    // In order per conversation: revisions 0, 1, 2, … without gaps.
    const next = new Map<string, number>();
    for (const { event } of relayed) {
      const key = `${event.tenantid}/${event.subject}`;
      expect(Number(event.sequence)).toBe(next.get(key) ?? 0);
      next.set(key, Number(event.sequence) + 1);
    }
    expect(relay.starts).toBe(3);
    expect(relay.resumedOverDuplicates).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(110_000);
    process.stdout.write(
      `relay chaos: ${chaos.join('; ')}; ${relay.resumedOverDuplicates} restart(s) republished events dropped by dedup; ${TOTAL_EVENTS} events in ${Date.now() - started} ms\n`,
    );
  });
});
