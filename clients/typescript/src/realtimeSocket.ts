import { Backoff, type BackoffOptions } from './backoff';
import { eventFrameOf, isKnownEvent, type ContactCenterEvent, type OtherEvent, type TypingFrame } from './events';

/**
 * The part of a WebSocket this helper uses. Structural (handlers take `any`),
 * so that both the browser's `WebSocket` and the `ws` package's fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type RealtimeState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a staff socket follows beyond its own work (frames.ts: `subscribe` / `unsubscribe`). */
export interface Subscription {
  conversations?: string[];
  queues?: string[];
  teams?: string[];
  /** Every event of the tenant: supervisors and admins. */
  tenant?: boolean;
}

/** What the gateway refused or why the socket stopped; `fatal` ones end the connection for good. */
export class RealtimeError extends Error {
  override readonly name = 'RealtimeError';
  constructor(
    /** The gateway's code (`not_found`, `rate_limited`, `position_expired`, `revoked`, `token_expired`, …), or `unauthorized`/`forbidden` for a refused upgrade. */
    readonly code: string,
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

export interface RealtimeOptions {
  /** The gateway, e.g. `https://api.example`; `http(s)` becomes `ws(s)`. */
  baseUrl: string;
  /** The bearer token, or a function giving the current one (asked again on every reconnect, so a renewed token is used). */
  token: string | (() => string | Promise<string>);
  /** `window.WebSocket` in a browser; the `ws` package's `WebSocket` in Node 20. */
  WebSocket: WebSocketConstructor;
  /** Resume after this position (the last one an earlier connection saw); without it, start at the end of the stream. */
  after?: number;
  /**
   * Staff: `mine` (default) follows their own work (offers and conversations assigned to them);
   * `tenant` (supervisors and admins) every event of the tenant, on every resume too.
   */
  scope?: 'mine' | 'tenant';
  onEvent?(event: ContactCenterEvent): void;
  /** Events of a type newer than this client. */
  onOtherEvent?(event: OtherEvent): void;
  onTyping?(frame: TypingFrame): void;
  /** Each time a socket is live, with the position it resumes after and what it follows (as the gateway says). */
  onReady?(info: { position: number; resumed: boolean; following?: unknown }): void;
  /** The gateway's answer to subscribe / unsubscribe: what the socket follows now. */
  onFollowing?(following: unknown): void;
  onStateChange?(state: RealtimeState, error?: RealtimeError): void;
  /** A frame the gateway refused (not fatal), or why the connection stopped for good (fatal). */
  onError?(error: RealtimeError): void;
  backoff?: BackoffOptions;
  /** A `ping` frame this often; a socket with no frame at all since the previous one is taken for dead and replaced (default 25 s; 0: never). */
  keepAliveMs?: number;
}

export interface RealtimeConnection {
  /** The position of the last event delivered (or where the stream started): where a reconnect resumes. */
  readonly position: number | undefined;
  readonly state: RealtimeState;
  /** Resolves at the first `ready`; rejects if the connection stops for good before. */
  readonly ready: Promise<void>;
  /** Tells the others in the conversation; false when no socket is open right now (typing is ephemeral: nothing is queued). */
  sendTyping(conversationId: string, typing: boolean): boolean;
  /**
   * Staff: follow these too, on this socket and every one that replaces it:
   * a reconnect names them in its URL, so that what they did while the
   * socket was down comes on resume too.
   */
  subscribe(what: Subscription): void;
  unsubscribe(what: Subscription): void;
  close(): void;
}

const PROTOCOL = 'cc.realtime.v1';
/** Close codes after which reconnecting cannot help (realtimeSession.ts): the position is invalid or gone, or the key revoked. */
const FATAL_CLOSE: Record<number, string> = { 4400: 'invalid_position', 4410: 'position_expired', 1008: 'policy' };
const OPEN = 1;

/**
 * The gateway's real-time channel (`GET /v1/realtime`) that survives network
 * drops: it reconnects with a jittered backoff and resumes after the last
 * position it delivered (`?after=`), so no event is lost across a drop, and
 * drops any event it already delivered (same or older position), so none
 * comes twice. The token goes as the `bearer.<token>` subprotocol, as
 * browsers cannot set headers on a WebSocket.
 *
 * @example
 *   const live = openRealtime({ baseUrl, token: () => session.token, WebSocket: window.WebSocket,
 *     onEvent: (e) => { if (isEvent(e, 'contactcenter.conversation.v1.MessagePosted')) show(e.data.message); } });
 *   await live.ready;
 *   live.sendTyping(conversationId, true);
 */
export function openRealtime(options: RealtimeOptions): RealtimeConnection {
  const backoff = new Backoff(options.backoff);
  const keepAliveMs = options.keepAliveMs ?? 25_000;
  let position = options.after;
  let state: RealtimeState = 'connecting';
  let socket: WebSocketLike | undefined;
  let closed = false;
  let readyOnce = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The current socket's keepalive: one at a time, stopped whenever that socket is let go. */
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const stopKeepAlive = () => {
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = undefined;
  };
  const following = { conversations: new Set<string>(), queues: new Set<string>(), teams: new Set<string>(), tenant: false };

  /** What the current socket's URL asked to follow. */
  const inUrl = { conversations: new Set<string>(), queues: new Set<string>(), teams: new Set<string>() };
  /** Whether the current socket had its `ready`: the gateway takes subscriptions only then. */
  let live = false;
  const sendFrame = (frame: object): boolean => {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };
  let settleReady: { resolve(): void; reject(err: unknown): void };
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  ready.catch(() => undefined); // a caller that never awaits it must not see an unhandled rejection

  const setState = (next: RealtimeState, error?: RealtimeError) => {
    state = next;
    options.onStateChange?.(next, error);
  };

  const stop = (error?: RealtimeError) => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    stopKeepAlive();
    const ws = socket;
    socket = undefined;
    if (ws) detach(ws);
    if (error) {
      options.onError?.(error);
      if (!readyOnce) settleReady.reject(error);
    }
    setState('closed', error);
  };

  const reconnectLater = (error?: RealtimeError) => {
    if (closed) return;
    setState('reconnecting', error);
    timer = setTimeout(() => void connect(), backoff.next());
  };

  const handle = (raw: unknown) => {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : String(raw)) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ready': {
        const at = typeof frame.position === 'number' ? frame.position : undefined;
        const resumed = position !== undefined;
        // Without `after`, the stream's end: a reconnect from there loses nothing, even before the first event.
        if (position === undefined) position = at;
        backoff.reset();
        live = true;
        if (!readyOnce) {
          readyOnce = true;
          settleReady.resolve();
        }
        if (position !== undefined) options.onReady?.({ position, resumed, following: frame.following });
        // The URL named what was followed when it was built; what was added since, and the tenant (unless the scope
        // asked for it), go as a frame now.
        const since: Subscription = {};
        for (const key of ['conversations', 'queues', 'teams'] as const) {
          const added = [...following[key]].filter((id) => !inUrl[key].has(id));
          if (added.length > 0) since[key] = added;
        }
        if (following.tenant && options.scope !== 'tenant') since.tenant = true;
        if (Object.keys(since).length > 0) sendFrame({ type: 'subscribe', ...since });
        return;
      }
      case 'subscribed':
        options.onFollowing?.(frame.following);
        return;
      case 'typing':
        options.onTyping?.(frame as unknown as TypingFrame);
        return;
      case 'pong':
        return;
      case 'error': {
        const code = typeof frame.code === 'string' ? frame.code : 'internal';
        lastErrorCode = code;
        options.onError?.(new RealtimeError(code, typeof frame.message === 'string' ? frame.message : code, false));
        return;
      }
      default: {
        const event = eventFrameOf(frame, position);
        if (!event) return;
        // Another region's event is in no stream here: it neither moves the position nor repeats on a resume.
        if (event.region === undefined) {
          if (position !== undefined && event.position <= position) return;
          position = event.position;
        }
        if (isKnownEvent(event)) options.onEvent?.(event);
        else options.onOtherEvent?.(event);
      }
    }
  };

  let lastErrorCode: string | undefined;

  const connect = async (): Promise<void> => {
    if (closed) return;
    let token: string;
    try {
      token = typeof options.token === 'function' ? await options.token() : options.token;
    } catch (err) {
      return reconnectLater(new RealtimeError('unauthorized', `no token to connect with: ${err instanceof Error ? err.message : String(err)}`, false));
    }
    if (closed) return;
    const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/realtime`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
    if (position !== undefined) url.searchParams.set('after', String(position));
    if (options.scope !== undefined) url.searchParams.set('scope', options.scope);
    // What this socket subscribed to, from the start of the next one (the server reads back what they did meanwhile).
    for (const key of ['conversations', 'queues', 'teams'] as const) {
      inUrl[key] = new Set(following[key]);
      if (following[key].size > 0) url.searchParams.set(key, [...following[key]].join(','));
    }
    let ws: WebSocketLike;
    try {
      ws = new options.WebSocket(url.toString(), [PROTOCOL, `bearer.${token}`]);
    } catch (err) {
      return stop(new RealtimeError('invalid_url', err instanceof Error ? err.message : String(err), true));
    }
    socket = ws;
    live = false;
    lastErrorCode = undefined;
    let refusedStatus: number | undefined;
    let heard = true;
    stopKeepAlive();
    ws.onopen = () => {
      setState('open');
      if (keepAliveMs > 0) {
        keepAlive = setInterval(() => {
          if (!heard) return dropDead();
          heard = false;
          if (ws.readyState === OPEN) ws.send('{"type":"ping"}');
        }, keepAliveMs);
      }
    };
    ws.onmessage = (m: { data: unknown }) => {
      heard = true;
      handle(m.data);
    };
    // Node's ws says why an upgrade was refused ("Unexpected server response: 401"); a browser never does.
    ws.onerror = (e: { message?: unknown; error?: { message?: unknown } }) => {
      const text = String(e?.message ?? e?.error?.message ?? '');
      const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
      if (status) refusedStatus = Number(status);
    };
    const dropDead = () => {
      if (socket !== ws) return;
      stopKeepAlive();
      socket = undefined;
      detach(ws);
      reconnectLater(new RealtimeError('unavailable', 'no answer from the gateway: reconnecting', false));
    };
    ws.onclose = (e: { code?: number; reason?: string }) => {
      if (socket !== ws) return;
      stopKeepAlive();
      socket = undefined;
      const code = e?.code ?? 1006;
      const reason = e?.reason || lastErrorCode || `closed with ${code}`;
      if (closed) return;
      if (refusedStatus === 403 || (refusedStatus === 401 && typeof options.token === 'string')) {
        return stop(new RealtimeError(refusedStatus === 403 ? 'forbidden' : 'unauthorized', `the gateway refused the socket (${refusedStatus})`, true));
      }
      const fatal = FATAL_CLOSE[code];
      if (fatal) return stop(new RealtimeError(lastErrorCode ?? fatal, reason, true));
      reconnectLater(new RealtimeError(lastErrorCode ?? (refusedStatus ? `http_${refusedStatus}` : 'unavailable'), reason, false));
    };
  };

  setState('connecting');
  void connect();

  return {
    get position() {
      return position;
    },
    get state() {
      return state;
    },
    ready,
    sendTyping: (conversationId, typing) => sendFrame({ type: 'typing', conversationId, typing }),
    subscribe(what) {
      for (const key of ['conversations', 'queues', 'teams'] as const) for (const id of what[key] ?? []) following[key].add(id);
      if (what.tenant) following.tenant = true;
      if (live) sendFrame({ type: 'subscribe', ...what });
    },
    unsubscribe(what) {
      for (const key of ['conversations', 'queues', 'teams'] as const) for (const id of what[key] ?? []) following[key].delete(id);
      if (what.tenant) following.tenant = false;
      if (live) sendFrame({ type: 'unsubscribe', ...what });
    },
    close: () => stop(),
  };
}

/** Lets a socket go: no handler of it runs again, and it is closed if still open. */
function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = () => undefined; // a late error of a dropped socket must not surface as unhandled
  try {
    ws.close(1000, 'client closed');
  } catch {
    // already closing
  }
}
