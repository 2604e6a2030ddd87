/**
 * follow() against a real nats-server that is killed and restarted: an
 * ordered follower and a durable one carry on, strictly in order, with no
 * gap and no repeat, and notice the restart from the connection's status
 * (the client's own heartbeat check would take tens of seconds).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startPrivateNats } from '../../../test/support/nats';
import { createLogger } from '../logger';
import { ServiceMetrics } from '../metrics';
import { ensureEventStream } from './eventStream';
import { follow, type Follower } from './follow';

jest.setTimeout(60_000);

const STREAM = 'FOLLOW_TEST';
const logger = createLogger('follow-test', process.env.LOG_LEVEL ?? 'silent');

/** Collects what a follower hands out, acknowledging each (a no-op for ordered consumers). */
function collect(follower: Follower): { seqs: number[]; subjects: string[]; done: Promise<void> } {
  const seqs: number[] = [];
  const subjects: string[] = [];
  const done = (async () => {
    for await (const m of follower as AsyncIterable<JsMsg>) {
      seqs.push(m.seq);
      subjects.push(m.subject);
      m.ack();
    }
  })();
  return { seqs, subjects, done };
}

async function until(what: () => boolean, timeoutMs: number, label: string): Promise<number> {
  const started = Date.now();
  while (!what()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('follow', () => {
  let server: Awaited<ReturnType<typeof startPrivateNats>>;
  let nc: NatsConnection;
  const publish = async (subject: string, n: number) => {
    const js = jetstream(nc);
    for (let i = 0; i < n; i++) await js.publish(subject, `${i}`);
  };

  beforeEach(async () => {
    server = await startPrivateNats();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureEventStream(await jetstreamManager(nc), { name: STREAM, subjects: ['t.>'] });
  });
  afterEach(async () => {
    await nc.close();
    await server.stop();
  });

  it('an ordered follower resumes after a server restart at once, from its own position, without gap or repeat', async () => {
    await publish('t.a.x', 3);
    await publish('t.b.x', 2); // filtered out
    const feed = follow(nc, { name: 'ordered-test', stream: STREAM, consumer: { ordered: { filterSubject: 't.a.>', start: { all: true } } }, logger });
    const got = collect(feed);
    expect(await feed.pendingAtStart).toBe(3); // what its filter matches, not the stream's five
    await until(() => got.seqs.length === 3, 10_000, 'stored events');
    expect(got.seqs).toEqual([1, 2, 3]);

    await server.kill();
    await server.restart();
    await until(() => feed.restarts >= 1, 10_000, 'restart noticed');
    await publish('t.a.x', 2);
    await publish('t.b.x', 1);
    await publish('t.a.x', 1);
    // Far sooner than the two missed idle heartbeats (2 × 15 s) the client alone would wait for.
    await until(() => got.seqs.length === 6, 10_000, 'events after the restart');
    expect(got.seqs).toEqual([1, 2, 3, 6, 7, 9]);
    expect(new Set(got.subjects)).toEqual(new Set(['t.a.x']));
    expect(feed.position).toBe(9);
    expect(await feed.lag()).toBe(0);
    // What an operator sees on /metrics: where it stands, and that it restarted.
    const exposed = await new ServiceMetrics('follow-test').registry.metrics();
    expect(exposed).toMatch(/stream_follower_position\{follower="ordered-test",service="follow-test"\} 9/);
    expect(exposed).toMatch(/stream_follower_restarts\{follower="ordered-test",service="follow-test"\} [1-9]/);
    expect(exposed).toMatch(/stream_follower_lag_messages\{follower="ordered-test",service="follow-test"\} 0/);
    feed.stop();
    await got.done;
  });

  it('a durable follower shared by replicas carries on across a restart; acknowledged work is not redelivered', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(STREAM, { durable_name: 'work', filter_subject: 't.>', deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.Explicit, ack_wait: 5_000_000_000 });
    await publish('t.a.x', 4);
    const feed = follow(nc, { name: 'durable-test', stream: STREAM, consumer: { durable: 'work' }, logger });
    const got = collect(feed);
    await until(() => got.seqs.length === 4, 10_000, 'stored work');
    await nc.flush();
    await server.kill();
    await server.restart();
    await until(() => feed.restarts >= 1, 10_000, 'restart noticed');
    await publish('t.a.x', 2);
    await until(() => got.seqs.length === 6, 10_000, 'work after the restart');
    expect(got.seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await feed.lag()).toBe(0);
    feed.stop();
    await got.done;
  });

  it('a follower of new events starts after what the stream held, and stops when its signal aborts', async () => {
    await publish('t.a.x', 2);
    const stop = new AbortController();
    const feed = follow(nc, { name: 'new-test', stream: STREAM, consumer: { ordered: { start: { new: true } } }, logger, signal: stop.signal });
    const got = collect(feed);
    expect(await feed.pendingAtStart).toBe(0);
    await until(() => feed.position === 2, 10_000, 'start pinned');
    await publish('t.c.x', 1);
    await until(() => got.seqs.length === 1, 10_000, 'the new event');
    expect(got.seqs).toEqual([3]);
    stop.abort();
    await got.done; // the iteration ends
    await publish('t.c.x', 1);
    expect(got.seqs).toEqual([3]);
  });

  it('a follower from a position hands out strictly what comes after it', async () => {
    await publish('t.a.x', 5);
    const feed = follow(nc, { name: 'after-test', stream: STREAM, consumer: { ordered: { start: { afterSeq: 3 } } }, logger });
    const got = collect(feed);
    expect(await feed.pendingAtStart).toBe(2);
    await until(() => got.seqs.length === 2, 10_000, 'the tail');
    expect(got.seqs).toEqual([4, 5]);
    feed.stop();
    await got.done;
  });
});
