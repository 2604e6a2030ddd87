/**
 * Malformed WebSocket traffic for the gateway fuzz test: junk frames on open
 * sockets, frames that must close them (too large, invalid UTF-8, protocol
 * violations), and upgrades with bad credentials. Returns the defects found:
 * an answer that is not an error frame with a code, an unexpected close, an
 * upgrade refusal that is not 4xx problem JSON.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { hostileString, junkValue, malformedJsonBody, type Rng } from './fuzzInputs';
import type { Credentials } from './fuzzRequests';

const SERVER_FRAME_TYPES = new Set(['ready', 'pong', 'error', 'typing']);
const STACK_TRACE = /\bat [\w.<>]+ \(|\.[jt]s:\d+:\d+|node_modules|\n\s+at /;
const MAX_FRAME_BYTES = 4096; // as the fuzz test configures the app

type Sent = { kind: string; closes?: number[]; send: (ws: WebSocket) => void };

const masked = (bytes: number[]) => Buffer.from([...bytes, 1, 2, 3, 4]);
/** Bytes a client must never send: unmasked, reserved opcode, RSV1 without an extension, an oversized control frame. */
const PROTOCOL_VIOLATIONS = [Buffer.from([0x81, 0x02, 0x68, 0x69]), masked([0x83, 0x80]), masked([0xc1, 0x80]), Buffer.from([0x89, 0xfe, 0x00, 0x7e, 1, 2, 3, 4])];

function nextFrame(rng: Rng): Sent {
  const text = (kind: string, value: unknown): Sent => {
    const data = typeof value === 'string' ? value : JSON.stringify(value);
    // Junk may come out larger than a frame may be: then it is an oversized frame, which closes the socket.
    return { kind, ...(Buffer.byteLength(data) > MAX_FRAME_BYTES ? { closes: [1009] } : {}), send: (ws) => ws.send(data) };
  };
  const roll = rng.next();
  if (roll < 0.3) return text('junk JSON', junkValue(rng));
  if (roll < 0.42) {
    const body = malformedJsonBody(rng);
    if (typeof body === 'string' && Buffer.byteLength(body) <= MAX_FRAME_BYTES) return text('malformed JSON', body);
    return text('deep JSON', `${'['.repeat(1000)}${']'.repeat(1000)}`);
  }
  if (roll < 0.57) return text('bad typing', { type: 'typing', conversationId: rng.chance(0.7) ? hostileString(rng).slice(0, 200) : junkValue(rng), typing: junkValue(rng) });
  if (roll < 0.67) return text('unknown type', { type: rng.chance(0.5) ? hostileString(rng).slice(0, 200) : junkValue(rng), [rng.word()]: junkValue(rng) });
  if (roll < 0.77) return { kind: 'binary', send: (ws) => ws.send(rng.bytes(rng.int(0, 512)), { binary: true }) };
  if (roll < 0.87) return text('valid', rng.chance(0.5) ? { type: 'ping' } : { type: 'typing', conversationId: `c-${rng.word()}`, typing: rng.chance(0.5) });
  if (roll < 0.91) return { kind: 'oversized', closes: [1009], send: (ws) => ws.send('x'.repeat(MAX_FRAME_BYTES + rng.int(1, 4096))) };
  if (roll < 0.95) return { kind: 'invalid UTF-8 text', closes: [1007], send: (ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0xc0, 0x7d]), { binary: false }) };
  return { kind: 'protocol violation', closes: [1002], send: (ws) => (ws as unknown as { _socket: Socket })._socket.write(rng.pick(PROTOCOL_VIOLATIONS)) };
}

function defectOfFrame(raw: string): string | undefined {
  let frame: { type?: unknown; code?: unknown; message?: unknown };
  try {
    frame = JSON.parse(raw);
  } catch {
    return `a frame that is not JSON: ${raw.slice(0, 100)}`;
  }
  if (typeof frame.type !== 'string' || !SERVER_FRAME_TYPES.has(frame.type)) return `an unexpected frame: ${raw.slice(0, 200)}`;
  if (frame.type === 'error' && (typeof frame.code !== 'string' || !/^[a-z_]+$/.test(frame.code) || typeof frame.message !== 'string')) return `an error frame without code: ${raw.slice(0, 200)}`;
  if (STACK_TRACE.test(raw)) return `a stack trace: ${raw.slice(0, 200)}`;
  return undefined;
}

async function openSocket(base: string, token: string) {
  const ws = new WebSocket(base, ['cc.realtime.v1', `bearer.${token}`]);
  const frames: string[] = [];
  ws.on('message', (raw) => frames.push(String(raw)));
  ws.on('error', () => undefined); // protocol violations make the client see errors too; the close code is what counts
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return { ws, frames, closed };
}

const tokenOf = (headers: Record<string, string>) => headers.authorization!.slice('Bearer '.length);

/** Sends `count` frames over as many sockets as it takes (closing frames end one), alternating staff and visitor sockets. */
export async function fuzzSocket(rng: Rng, base: string, c: Credentials, count: number): Promise<string[]> {
  const defects: string[] = [];
  let sent = 0;
  do {
    const who = rng.chance(0.5) ? 'staff' : 'visitor';
    const s = await openSocket(base, tokenOf(who === 'staff' ? c.staff : c.visitor));
    let closing: Sent | undefined;
    while (sent < count && !closing) {
      const frame = nextFrame(rng);
      frame.send(s.ws);
      sent++;
      if (frame.closes) closing = frame;
    }
    if (closing) {
      const code = await s.closed;
      if (!closing.closes!.includes(code)) defects.push(`${who} socket: ${closing.kind} closed it with ${code}, expected ${closing.closes!.join(' or ')}`);
    } else {
      // A ping last: once its pong came, every earlier frame has been answered.
      const pongs = s.frames.filter((f) => f.includes('"pong"')).length;
      s.ws.send('{"type":"ping"}');
      const deadline = Date.now() + 10_000;
      while (s.frames.filter((f) => f.includes('"pong"')).length <= pongs && s.ws.readyState === WebSocket.OPEN && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (s.ws.readyState !== WebSocket.OPEN) defects.push(`${who} socket closed unexpectedly with ${await s.closed}`);
      s.ws.close();
      await s.closed;
    }
    for (const raw of s.frames) {
      const defect = defectOfFrame(raw);
      if (defect) defects.push(`${who} socket: ${defect}`);
    }
  } while (sent < count);
  return defects;
}

/** Upgrades with credentials that cannot work: each must be refused before the upgrade with 4xx problem JSON. */
export async function upgradeWithBadToken(rng: Rng, base: string, c: Credentials, count: number): Promise<string[]> {
  const defects: string[] = [];
  const badTokens = c.bad.map((h) => h.authorization?.replace(/^Bearer ?/, '')).filter((t): t is string => !!t && /^[\x21-\x7e]+$/.test(t) && !t.includes(','));
  for (let i = 0; i < count; i++) {
    const token = rng.pick(badTokens);
    const variant = rng.int(0, 3);
    const url = variant === 2 ? `${base}?token=${encodeURIComponent(tokenOf(c.staff))}` : variant === 3 ? `${base}?after=x${Buffer.from(hostileString(rng)).toString('hex')}` : base;
    const ws =
      variant === 0 ? new WebSocket(url, ['cc.realtime.v1', `bearer.${token}`]) : variant === 1 ? new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) : new WebSocket(url, ['cc.realtime.v1', `bearer.${tokenOf(variant === 3 ? c.staff : c.visitor)}`]);
    const defect = await new Promise<string | undefined>((resolve) => {
      ws.once('open', () => {
        ws.terminate();
        resolve(`upgrade variant ${variant} was accepted`);
      });
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          const ok = (res.statusCode ?? 0) >= 400 && (res.statusCode ?? 0) < 500 && String(res.headers['content-type']).startsWith('application/problem+json') && /"code":"[a-z_]+"/.test(body);
          resolve(ok ? undefined : `upgrade variant ${variant} refused with ${res.statusCode} ${res.headers['content-type']}: ${body.slice(0, 200)}`);
        });
      });
    });
    if (defect) defects.push(defect);
  }
  return defects;
}
