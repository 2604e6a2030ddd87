/**
 * The WebSocket's limits through the whole app (buildApp, listening, real
 * NATS with the events stream): frame size (1009), frame flood (1008), and a
 * client that stops reading (1013, bounded memory, resumable).
 */
import { ensureEventStream, encodeCloudEventMessage } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const MAX_FRAME_BYTES = 2048;
const FRAMES_PER_SECOND = 10;
const MAX_BUFFERED_BYTES = 64 * 1024;
const PAD = 'x'.repeat(16 * 1024);
/** An event frame carrying PAD, with room for its envelope. */
const EVENT_FRAME_BYTES = PAD.length + 1024;

let edge: EdgeApp;
let js: JetStreamClient;
let jsm: JetStreamManager;
let base: string;

beforeAll(async () => {
  edge = await startEdgeApp({
    realtimeLimits: { maxFrameBytes: MAX_FRAME_BYTES, framesPerSecond: FRAMES_PER_SECOND, maxRefusedFrames: 20, maxBufferedBytes: MAX_BUFFERED_BYTES, closeTimeoutMs: 20_000 },
  });
  jsm = await jetstreamManager(edge.nats);
  await ensureEventStream(jsm);
  js = jetstream(edge.nats);
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  const address = edge.app.server.address();
  base = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/realtime`;
});
afterAll(() => edge?.close());

type Frame = { type: string; [k: string]: unknown };
const tenant = () => `ws${randomUUID().slice(0, 8)}`;

/** A client socket that records its frames, open once the `ready` frame came. */
async function open(tid: string, after?: number) {
  const token = edge.sign({ tid, sub: 'sup-1', roles: ['supervisor'] });
  const ws = new WebSocket(`${base}?scope=tenant${after === undefined ? '' : `&after=${after}`}`, ['cc.realtime.v1', `bearer.${token}`]);
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Frame));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.on('message', () => frames.some((f) => f.type === 'ready') && resolve());
    ws.once('error', reject);
  });
  return { ws, frames, closed, events: () => frames.filter((f) => typeof f.position === 'number' && f.type.includes('.')) };
}

async function publish(tid: string, text: string) {
  const id = randomUUID();
  const msg = encodeCloudEventMessage(
    `cc.${tid}.conversation.MessagePosted.c-1`,
    { id, source: '/contactcenter/test/conversation', type: 'contactcenter.conversation.v1.MessagePosted', subject: 'c-1', time: new Date(), tenantid: tid },
    { conversationId: 'c-1', message: { text } },
  );
  await js.publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
  return id;
}

/** The sockets of `tid` the gateway's event hub still feeds. */
const feedsOf = async (tid: string): Promise<number> => edge.app.eventHub.listenersOf(tid);

describe('GET /v1/realtime: protection', () => {
  it('closes the socket with 1009 on a frame over REALTIME_MAX_FRAME_BYTES', async () => {
    const c = await open(tenant());
    c.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_FRAME_BYTES + 1) }));
    expect(await c.closed).toBe(1009);
  });

  it('answers a short burst, refuses frames over the rate with error frames, and closes a persistent flood with 1008', async () => {
    const polite = await open(tenant());
    for (let i = 0; i < 5; i++) polite.ws.send('{"type":"ping"}');
    const flood = await open(tenant());
    for (let i = 0; i < 500; i++) flood.ws.send('{"type":"ping"}');
    expect(await flood.closed).toBe(1008);
    expect(flood.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
    expect(flood.frames.filter((f) => f.type === 'pong').length).toBeLessThan(500);
    // The polite one got every answer and is still open.
    while (polite.frames.filter((f) => f.type === 'pong').length < 5) await new Promise((r) => setTimeout(r, 20));
    expect(polite.frames.some((f) => f.type === 'error')).toBe(false);
    expect(polite.ws.readyState).toBe(WebSocket.OPEN);
    polite.ws.close();
  });

  it('stops pushing to a client that stops reading once it holds REALTIME_MAX_BUFFERED_BYTES for it, closes with 1013, and the client resumes', async () => {
    const tid = tenant();
    let serverSide: Socket | undefined;
    const onConnection = (s: Socket) => (serverSide = s);
    edge.app.server.on('connection', onConnection);
    const client = await open(tid);
    edge.app.server.off('connection', onConnection);
    const other = await open(tid); // a reader that keeps up, on the same hub
    expect(await feedsOf(tid)).toBe(2);

    // The client stops reading: its TCP window fills, then the kernel's buffers, then the gateway's.
    (client.ws as unknown as { _socket: Socket })._socket.pause();
    let held = 0;
    const sampler = setInterval(() => (held = Math.max(held, serverSide!.writableLength)), 1);
    const published: string[] = [];
    // Publish until the gateway gives up on the client (its feed is deleted); the cap only stops a broken gateway.
    while ((await feedsOf(tid)) > 1) {
      if (published.length * PAD.length > 64 * 1024 * 1024) throw new Error('the gateway kept pushing to a client that does not read');
      published.push(...(await Promise.all(Array.from({ length: 20 }, () => publish(tid, PAD)))));
    }
    clearInterval(sampler);
    held = Math.max(held, serverSide!.writableLength);
    expect(held).toBeGreaterThan(MAX_BUFFERED_BYTES); // the gateway's own buffer did fill...
    expect(held).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 2 * EVENT_FRAME_BYTES); // ...to the limit and one frame, no more

    // The one that reads got every event, the slow one never held it back.
    while (other.events().length < published.length) await new Promise((r) => setTimeout(r, 20));
    expect(other.events().map((f) => f.id)).toEqual(published);
    other.ws.close();

    // Reading again, the client gets what was buffered, then the close: 1013, try again later.
    (client.ws as unknown as { _socket: Socket })._socket.resume();
    expect(await client.closed).toBe(1013);
    const seen = client.events();
    expect(seen.length).toBeLessThan(published.length);
    expect(seen.map((f) => f.id)).toEqual(published.slice(0, seen.length));

    // It resumes after the last event it saw and gets the rest, none twice.
    const resumed = await open(tid, seen.at(-1)!.position as number);
    while (resumed.events().length < published.length - seen.length) await new Promise((r) => setTimeout(r, 50));
    expect(resumed.events().map((f) => f.id)).toEqual(published.slice(seen.length));
    resumed.ws.close();
  });
});
