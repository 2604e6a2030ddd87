/**
 * Two regions on one machine, as notes/regions-design.md lays them out: eu
 * and us, each its own NATS cluster and account, and the tie-breaker cluster
 * `witness`, joined by gateways (scripts/natsSuperCluster.ts). Real
 * nats-server processes; credentials travel in the URLs (connectNats takes
 * them out).
 */
import { connectNats, createLogger, UnavailableError, type NatsConnection } from '@contactcenter/infra';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { RequestError } from '@nats-io/transport-node';
import { startNatsSuperCluster, type NatsSuperCluster } from '../../scripts/natsSuperCluster';
import { tcpReachable } from '../../scripts/natsServer';
import { untilResolves } from '../support/untilResolves';

jest.setTimeout(120_000);

const logger = createLogger('super-cluster-test', 'silent');

/** Retries `attempt` until it resolves (the gateways' interest, a new meta leader, a reconnect take a moment); the last error after `timeoutMs`. */
const eventually = <T>(attempt: () => Promise<T>, timeoutMs = 20_000) => untilResolves(attempt, timeoutMs);

/** Answers every request on `subject` with `<answer>:<request>`. */
async function respond(nc: NatsConnection, subject: string, answer: string): Promise<void> {
  nc.subscribe(subject, {
    callback: (_err, msg) => {
      msg.respond(`${answer}:${msg.string()}`);
    },
  });
  await nc.flush();
}

async function roundTripMs(nc: NatsConnection, subject: string, timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  await nc.request(subject, 'ping', { timeout: timeoutMs });
  return performance.now() - started;
}

async function allStopped(sc: NatsSuperCluster): Promise<boolean> {
  const ports = [...sc.regions.values()].map((r) => r.port).concat(sc.witness.port);
  const reachable = await Promise.all(ports.map((p) => tcpReachable('127.0.0.1', p)));
  return reachable.every((r) => !r);
}

describe('eu and us with a witness', () => {
  let sc: NatsSuperCluster;
  let eu: NatsConnection;
  let us: NatsConnection;

  beforeAll(async () => {
    sc = await startNatsSuperCluster({ regions: ['eu', 'us'] });
    eu = await connectNats(sc.regions.get('eu')!.url, 'eu-test', logger);
    us = await connectNats(sc.regions.get('us')!.url, 'us-test', logger);
    await respond(us, 'region.us.gateway', 'us');
  });

  afterAll(async () => {
    await eu?.close();
    await us?.close();
    await sc?.stop();
    if (sc) expect(await allStopped(sc)).toBe(true);
  });

  it('takes credentials from NATS_USER / NATS_PASSWORD as well as from the URL, and never shows the password', async () => {
    const region = sc.regions.get('eu')!;
    const plain = `nats://127.0.0.1:${region.port}`;
    const nc = await connectNats(plain, 'eu-settings', logger, { user: region.user, pass: region.password });
    await nc.close();
    const wrong = await connectNats(`nats://eu:not-${region.password}@127.0.0.1:${region.port}`, 'eu-wrong', logger).catch((err: unknown) => err);
    expect(wrong).toBeInstanceOf(UnavailableError);
    expect((wrong as Error).message).toBe(`NATS at ${plain} is unreachable (Authorization Violation)`);
  });

  it('gives each region its own stream of the same name, in its own cluster', async () => {
    const euStream = await (await jetstreamManager(eu)).streams.add({ name: 'CC_TEST', subjects: ['cc.>'] });
    const usStream = await (await jetstreamManager(us)).streams.add({ name: 'CC_TEST', subjects: ['cc.>'] });
    expect(euStream.cluster?.name).toBe('eu');
    expect(usStream.cluster?.name).toBe('us');
    const info = await (await jetstreamManager(us)).streams.info('CC_TEST');
    expect(info.cluster?.name).toBe('us');
  });

  it("keeps a region's events in its own stream", async () => {
    const ack = await jetstream(eu).publish('cc.x', 'eu only');
    expect(ack.stream).toBe('CC_TEST');
    expect((await (await jetstreamManager(eu)).streams.info('CC_TEST')).state.messages).toBe(1);
    expect((await (await jetstreamManager(us)).streams.info('CC_TEST')).state.messages).toBe(0);
  });

  it("hands eu's events to a core subscriber in us under region-events.eu., and stores none of them in us nor twice in eu", async () => {
    const jsmUs = await jetstreamManager(us);
    // What us's events stream is, as the relay creates it (CC_EVENTS captures cc.>): nothing of eu's may land there.
    const before = new Map<string, number>();
    for await (const s of jsmUs.streams.list()) before.set(s.config.name, s.state.messages);
    const received: { subject: string; body: string }[] = [];
    const sub = us.subscribe('region-events.eu.cc.t.conversation.*.eu_1', {
      callback: (_err, msg) => {
        received.push({ subject: msg.subject, body: msg.string() });
      },
    });
    await us.flush();
    // Interest crosses the gateway a moment after the subscription: publish until it arrives.
    let published = 0;
    await eventually(async () => {
      eu.publish('cc.t.conversation.X.eu_1', 'from eu');
      published++;
      await eu.flush();
      await new Promise((r) => setTimeout(r, 100));
      if (received.length === 0) throw new Error('nothing arrived in us yet');
    });
    sub.unsubscribe();
    expect(received[0]).toEqual({ subject: 'region-events.eu.cc.t.conversation.X.eu_1', body: 'from eu' });
    // Each publish is eu's event once (its CC_TEST captures cc.>): the import sends nothing back to eu (see regionEventsPrefix) …
    const stored = (await (await jetstreamManager(eu)).streams.info('CC_TEST')).state;
    expect(stored.messages).toBe(1 + published);
    // … and no stream of us holds anything more than before, nor captures region.>.
    for await (const s of jsmUs.streams.list()) {
      expect(s.state.messages).toBe(before.get(s.config.name) ?? 0);
      expect(s.config.subjects?.some((subject) => subject.startsWith('region.') || subject === '>')).toBe(false);
    }
  });

  it('answers a request from eu on region.us.gateway in us', async () => {
    const answer = await eventually(() => eu.request('region.us.gateway', 'hello', { timeout: 2_000 }));
    expect(answer.string()).toBe('us:hello');
  });

  it('keeps JetStream in eu when us is lost, fails requests to us fast, and serves them again once us is back', async () => {
    const kvm = new Kvm(eu);
    const bucket = await kvm.create(`after_loss_${Date.now()}`);
    const jsz = (await (await fetch(`${sc.regions.get('eu')!.monitorUrl}/jsz`)).json()) as { meta_cluster: { leader: string } };
    await sc.regions.get('us')!.kill();

    // The witness and eu are a majority of the meta group: consumers and KV watches still start.
    const lostAt = Date.now();
    const consumer = await eventually(() =>
      jetstreamManager(eu).then((jsm) => jsm.consumers.add('CC_TEST', { durable_name: 'after_us_lost', ack_policy: AckPolicy.Explicit })),
    );
    expect(consumer.cluster?.name).toBe('eu');
    const watch = await eventually(() => bucket.watch({ key: 'k' }));
    await bucket.put('k', 'v1');
    for await (const entry of watch) {
      expect(entry.string()).toBe('v1');
      break;
    }
    watch.stop();
    console.info(`eu created a consumer and a KV watch ${Date.now() - lostAt} ms after us was killed (meta leader was ${jsz.meta_cluster.leader})`);

    // nats-server 2.9.10 sends no "no responders" for a request that crosses a service import (measured: also with us up
    // and no subscriber), so a request to a lost region fails only by the caller's timeout.
    const started = performance.now();
    const failure = await eu.request('region.us.gateway', 'hello', { timeout: 1_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    const failedAfterMs = performance.now() - started;
    const kind = failure instanceof RequestError && failure.isNoResponders() ? 'no responders' : (failure as Error)?.name;
    console.info(`a request to the lost region failed with ${kind} after ${failedAfterMs.toFixed(1)} ms`);
    expect(['no responders', 'TimeoutError']).toContain(kind);
    expect(failedAfterMs).toBeLessThan(1_500);

    const restartedAt = Date.now();
    await sc.regions.get('us')!.restart();
    // us's client reconnects by itself and subscribes again.
    const answer = await eventually(() => eu.request('region.us.gateway', 'back', { timeout: 2_000 }));
    expect(answer.string()).toBe('us:back');
    console.info(`requests to us answered again ${Date.now() - restartedAt} ms after its restart began`);
  });
});

describe('eu and us 80 ms apart', () => {
  let sc: NatsSuperCluster;
  let eu: NatsConnection;
  let us: NatsConnection;

  beforeAll(async () => {
    sc = await startNatsSuperCluster({ regions: ['eu', 'us'], latencyMs: 80 });
    eu = await connectNats(sc.regions.get('eu')!.url, 'eu-test', logger);
    us = await connectNats(sc.regions.get('us')!.url, 'us-test', logger);
    await respond(us, 'region.us.gateway', 'us');
    await respond(eu, 'region.eu.gateway', 'eu');
  });

  afterAll(async () => {
    await eu?.close();
    await us?.close();
    await sc?.stop();
    if (sc) expect(await allStopped(sc)).toBe(true);
  });

  it('adds the latency to a cross-region round trip only', async () => {
    // us's subscription reaches eu's server one way later (40 ms): a request sent before is dropped, unanswered.
    await eventually(() => roundTripMs(eu, 'region.us.gateway', 500));
    const cross: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < 5; i++) {
      cross.push(await roundTripMs(eu, 'region.us.gateway'));
      local.push(await roundTripMs(eu, 'region.eu.gateway'));
    }
    console.info(`round trips from eu: to us ${cross.map((ms) => ms.toFixed(1)).join(', ')} ms; within eu ${local.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    expect(Math.min(...cross)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...local)).toBeLessThan(40);
  });
});
