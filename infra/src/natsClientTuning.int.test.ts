/**
 * The NATS client as connectNats tunes it, on a real nats-server: an answered
 * request is unhooked without a second, thrown-away rejection; what a turn of
 * the event loop publishes goes out in one write; and every other way a
 * request ends, and closing, still behave as the library made them.
 */
import { JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, Match, NoRespondersError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { freshNats, type TestNats } from '../../test/support/nats';
import { createLogger } from './logger';
import { connectNats } from './nats';
import { tuneNatsClient } from './natsClientTuning';

jest.setTimeout(30_000);

interface Pending {
  deferred: { reject(err: unknown): void };
}
/** The connection's table of requests awaiting an answer (nats.js internals, read only to check the unhooking). */
const pending = (nc: NatsConnection): { size(): number; all(): Pending[] } => (nc as unknown as { protocol: { muxSubscriptions: { size(): number; all(): Pending[] } } }).protocol.muxSubscriptions;

describe('the tuned NATS client', () => {
  let server: TestNats;
  let nc: NatsConnection;
  const logger = createLogger('nats-requests-test', 'silent');

  beforeAll(async () => {
    server = await freshNats();
    nc = await connectNats(server.url, 'nats-requests-test', logger);
    nc.subscribe('echo', { callback: (_err, msg) => void msg.respond(msg.data) });
    nc.subscribe('slow', { callback: (_err, msg) => void setTimeout(() => msg.respond('late'), 300) });
    await nc.flush();
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('is in place once connectNats ran', () => {
    expect(tuneNatsClient()).toEqual({ quietAnsweredRequests: true, writesPerTurn: true, directHeaders: true });
  });

  it('reads the headers a message carries as the library does: each key as written, repeated keys in order, lookups by exact key or ignoring case', async () => {
    const sent = headers();
    sent.append('ce-type', 'contactcenter.conversation.v1.ConversationStarted');
    sent.append('Nats-Msg-Id', 'e-1');
    sent.append('x-list', 'one');
    sent.append('x-list', ' two ');
    sent.append('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    sent.append('empty', '');
    const received = new Promise<import('@nats-io/transport-node').Msg>((resolve) => {
      const sub = nc.subscribe('headers.check', { max: 1, callback: (_err, msg) => resolve(msg) });
      void sub;
    });
    await nc.flush();
    nc.publish('headers.check', 'body', { headers: sent });
    const h = (await received).headers!;
    expect([...h]).toEqual([...sent]);
    expect(h.keys()).toEqual(['ce-type', 'Nats-Msg-Id', 'x-list', 'traceparent', 'empty']);
    expect(h.get('ce-type')).toBe('contactcenter.conversation.v1.ConversationStarted');
    expect(h.values('x-list')).toEqual(['one', 'two']);
    expect(h.get('x-list')).toBe('one');
    expect(h.has('nats-msg-id')).toBe(false); // exact by default
    expect(h.get('nats-msg-id')).toBe('');
    expect(h.has('nats-msg-id', Match.IgnoreCase)).toBe(true);
    expect(h.get('NATS-MSG-ID', Match.IgnoreCase)).toBe('e-1');
    expect(h.has('empty')).toBe(true);
    expect(h.get('empty')).toBe('');
    expect(h.get('missing')).toBe('');
    // Written as before: set replaces, delete removes (exactly, or ignoring case), bad keys and values are refused with the library's errors.
    const written = headers();
    written.set('x-one', 'a');
    written.set('x-one', 'b');
    written.append('X-Two', 'c');
    written.delete('x-two');
    expect(written.keys()).toEqual(['x-one', 'X-Two']);
    written.delete('x-two', Match.IgnoreCase);
    expect([...written]).toEqual([['x-one', ['b']]]);
    expect(() => written.append('bad:key', 'v')).toThrow("':' is not a valid character in a header name");
    expect(() => written.append('bad key', 'v')).toThrow("' ' is not a valid character in a header name");
    expect(() => written.append('x-three', 'line\nbreak')).toThrow('values cannot contain \\r or \\n');
    expect(written.keys()).toEqual(['x-one']);
    // A status message (no responders: code 503) is still read as one.
    await expect(nc.request('nobody.here', '', { timeout: 1_000 })).rejects.toMatchObject({ cause: expect.any(NoRespondersError) });
  });

  it('answers and unhooks each request without rejecting its settled promise again', async () => {
    let rejections = 0;
    const answer = nc.request('echo', 'hello', { timeout: 2_000 });
    const [request] = pending(nc).all();
    const reject = request!.deferred.reject.bind(request!.deferred);
    request!.deferred.reject = (err) => {
      rejections++;
      reject(err);
    };
    expect((await answer).string()).toBe('hello');
    expect(rejections).toBe(0);
    expect(pending(nc).size()).toBe(0);

    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => nc.request('echo', String(i), { timeout: 2_000 })));
    expect(many.map((m) => m.string())).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(pending(nc).size()).toBe(0);
  });

  it('still times out, and says when nobody listens', async () => {
    await expect(nc.request('slow', '', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(nc.request('nobody.here', '', { timeout: 2_000 })).rejects.toMatchObject({ cause: expect.any(NoRespondersError) });
    expect(pending(nc).size()).toBe(0);
  });

  it('keeps JetStream publishes and refusals as they were', async () => {
    const jsm = await jetstreamManager(nc);
    const name = `REQ_${Date.now()}`;
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    const js = jetstream(nc);
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => js.publish(`${name}.a`, String(i))));
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The server refuses: the answer is an error, and the request still ends unhooked.
    await expect(js.publish(`${name}.a`, 'x', { expect: { lastSequence: 1 } })).rejects.toBeInstanceOf(JetStreamApiError);
    expect(pending(nc).size()).toBe(0);
    await jsm.streams.delete(name);
  });

  it('writes what one turn publishes from many async steps in one write, in order', async () => {
    const transport = (nc as unknown as { protocol: { transport: { send(frame: Uint8Array): void } } }).protocol.transport;
    const received: string[] = [];
    const sub = nc.subscribe('turn.>', { callback: (_err, msg) => void received.push(msg.string()) });
    await nc.flush();
    let writes = 0;
    const send = transport.send;
    transport.send = function (frame) {
      writes++;
      return send.call(this, frame);
    };
    try {
      // Each publish in its own microtask, as an async step that awaits before it publishes.
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        for (let hop = 0; hop < i % 3; hop++) await Promise.resolve();
        nc.publish(`turn.${i}`, String(i));
      }));
      await new Promise((r) => setImmediate(r));
      expect(writes).toBe(1);
    } finally {
      transport.send = send;
    }
    await nc.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(received.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    sub.unsubscribe();
  });

  it('writes what is buffered when the connection closes', async () => {
    const received: string[] = [];
    nc.subscribe('closing.last', { callback: (_err, msg) => void received.push(msg.string()) });
    await nc.flush();
    const other = await connectNats(server.url, 'nats-requests-test-last-words', logger);
    other.publish('closing.last', 'last words');
    await other.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(['last words']);
  });

  it('fails a request still waiting when its connection closes', async () => {
    const other = await connectNats(server.url, 'nats-requests-test-closing', logger);
    const waiting = other.request('slow', '', { timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    await expect(waiting).rejects.toBeInstanceOf(Error);
  });
});
