/**
 * A client socket on the gateway's real-time channel (`/v1/realtime`) that
 * records every frame it receives, for tests: it opens (token in the
 * subprotocol or the Authorization header), waits for `ready`, and waits for
 * the frames a test expects.
 */
import WebSocket from 'ws';

export type Frame = { type: string; [k: string]: unknown };

export interface RealtimeSocketOptions {
  /** How the token travels: the `bearer.<token>` subprotocol (default) or an Authorization header. */
  via?: 'header' | 'protocol';
  /** Answer the server's pings (default true); false plays a client that stopped responding. */
  autoPong?: boolean;
}

export class RealtimeSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.frames.push(JSON.parse(String(raw)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens `url` and waits for `ready`; rejects with `statusCode` when the upgrade is refused. */
  static async open(url: string, token: string | undefined, options: RealtimeSocketOptions = {}): Promise<RealtimeSocket> {
    const via = options.via ?? 'protocol';
    const ws =
      via === 'protocol' && token
        ? new WebSocket(url, ['cc.realtime.v1', `bearer.${token}`], { autoPong: options.autoPong ?? true })
        : new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, autoPong: options.autoPong ?? true });
    const socket = new RealtimeSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
    });
    await socket.next((f) => f.type === 'ready');
    return socket;
  }

  /** The first frame received that matches, waiting for it. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Event frames (they carry a position). */
  events = () => this.frames.filter((f) => typeof f.position === 'number' && f.type.includes('.'));
  send = (frame: unknown) => this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  close = () => this.ws.close();
}
