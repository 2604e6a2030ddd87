/**
 * Clients for the gateway's live connections in tests: a WebSocket to
 * /v1/realtime and an SSE stream from /v1/events over real HTTP, each either
 * open or refused (status, headers, body), and the JetStream consumers that
 * feed a tenant's connections.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import http from 'node:http';
import WebSocket from 'ws';

export type Refusal = { refused: true; status: number; headers: http.IncomingHttpHeaders; body: string };

export interface OpenSocket {
  refused: false;
  ws: WebSocket;
  frames: { type: string; [k: string]: unknown }[];
  /** Resolves with the close code and reason once the socket closed. */
  closed: Promise<{ code: number; reason: string; at: number }>;
}

/** Opens a socket with `token` (subprotocol), resolved once its `ready` frame came, or with the refusal of the upgrade. */
export function openSocket(url: string, token: string): Promise<OpenSocket | Refusal> {
  const ws = new WebSocket(url, ['cc.realtime.v1', `bearer.${token}`]);
  const frames: OpenSocket['frames'] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as OpenSocket['frames'][number]));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
  return new Promise((resolve, reject) => {
    ws.on('message', () => frames.some((f) => f.type === 'ready') && resolve({ refused: false, ws, frames, closed }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ refused: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    ws.once('close', () => reject(new Error(`socket closed before ready: ${JSON.stringify(frames)}`)));
  });
}

export interface OpenStream {
  refused: false;
  /** Ends the client's side. */
  close(): void;
  /** Resolves when the server ended the stream. */
  ended: Promise<number>;
}

/** Opens `GET /v1/events` with an API key, resolved once the first bytes came, or with the refusal. */
export function openStream(url: string, apiKey: string): Promise<OpenStream | Refusal> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'x-api-key': apiKey, accept: 'text/event-stream' } }, (res) => {
      const chunks: Buffer[] = [];
      if (res.statusCode !== 200) {
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ refused: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        return;
      }
      const ended = new Promise<number>((done) => {
        res.on('end', () => done(Date.now()));
        res.on('close', () => done(Date.now()));
      });
      res.once('data', () => resolve({ refused: false, close: () => req.destroy(), ended }));
    });
    req.on('error', reject);
  });
}

/** Retries `open` until it is not refused (a slot frees when the server has seen the close), for up to `ms`. */
export async function openWhenFree<T extends { refused: boolean }>(open: () => Promise<T>, ms = 2_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await open();
    if (!result.refused || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JetStream consumers on the events stream filtered to `tid`: one per live socket or stream of the tenant. */
export async function consumersOf(jsm: JetStreamManager, tid: string, stream = 'CC_EVENTS'): Promise<number> {
  let n = 0;
  for await (const c of jsm.consumers.list(stream)) {
    if ([c.config.filter_subject, ...(c.config.filter_subjects ?? [])].includes(`cc.${tid}.>`)) n++;
  }
  return n;
}
