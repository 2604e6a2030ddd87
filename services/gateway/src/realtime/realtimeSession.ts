import { isDomainError, type Logger, type NatsConnection } from '@contactcenter/infra';
import { decodeCloudEvent, type CloudEvent } from '@contactcenter/infra/events';
import type { JsMsg } from '@nats-io/jetstream';
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Principal } from '../plugins/auth';
import type { ConversationOwners } from './conversationOwners';
import { openEventFeed, PositionExpiredError, type EventFeed } from './eventFeed';
import { parseClientFrame, type ErrorCode, type EventFrame } from './frames';
import { TokenBucket } from './tokenBucket';
import { publishTyping, subscribeTyping, type TypingSignal } from './typingSignals';
import { addressOf, isStaff, mayEverSee, viewOf } from './visibility';

export interface RealtimeLimits {
  /** Larger client frames close the socket with 1009 (enforced by ws). */
  maxFrameBytes: number;
  /** A ping every interval; a socket that did not answer the previous one is terminated. */
  pingIntervalMs: number;
  /** A client that lets this much pile up unread is closed with 1013, to resume with `after`. */
  maxBufferedBytes: number;
  /** Client frames beyond this many per second (in bursts of as many) are refused with an error frame. */
  framesPerSecond: number;
  /** Refused frames a client may run up, regained at one per second; one more closes the socket with 1008. */
  maxRefusedFrames: number;
  /** How long a closed socket waits for the client's close frame before the connection is dropped (a client that stopped reading never sends it). */
  closeTimeoutMs: number;
}

export const DEFAULT_LIMITS: RealtimeLimits = { maxFrameBytes: 16 * 1024, pingIntervalMs: 30_000, maxBufferedBytes: 1024 * 1024, framesPerSecond: 20, maxRefusedFrames: 40, closeTimeoutMs: 5_000 };

/** Close codes beyond RFC 6455's, in the 4000-4999 range left to applications. */
export const CLOSE = { invalidPosition: 4400, tokenExpired: 4401, positionExpired: 4410 } as const;

export interface SessionDeps {
  nats: NatsConnection;
  owners: ConversationOwners;
  log: FastifyBaseLogger;
  limits: RealtimeLimits;
  stream?: string;
}

/** A running session, for what ends it from outside (a revoked key). */
export interface RealtimeSession {
  /** Says why in an error frame, closes with `code`, and stops pulling events at once. */
  end(code: number, reason: string, errorCode: ErrorCode): void;
}

/**
 * One connected client: its events from JetStream after `after`, filtered for
 * the principal; typing indicators both ways; keepalive; its own clean-up.
 * Events are handled one at a time, in stream order, so a lookup of a
 * conversation's customer never lets a later event overtake an earlier one.
 */
export function runRealtimeSession(ws: WebSocket, principal: Principal, opts: { after?: number; expiresAt?: number }, deps: SessionDeps): RealtimeSession {
  const { tenantId } = principal;
  const socketId = randomUUID();
  const staff = isStaff(principal);
  const log = deps.log.child({ socket_id: socketId, tenant_id: tenantId });
  let feed: EventFeed | undefined;
  let closed = false;
  let alive = true;

  const send = (frame: object): void => {
    if (closed || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > deps.limits.maxBufferedBytes) return close(1013, 'slow consumer: reconnect with after');
    ws.send(JSON.stringify(frame));
  };
  const sendError = (code: ErrorCode, message: string) => send({ type: 'error', code, message });
  const close = (code: number, reason: string, errorCode: ErrorCode = reasonCode(code)): void => {
    if (closed) return;
    closed = true;
    // Say why in a frame too: browsers hide most close reasons behind 1006.
    if (ws.readyState === ws.OPEN && ws.bufferedAmount <= deps.limits.maxBufferedBytes) ws.send(JSON.stringify({ type: 'error', code: errorCode, message: reason }));
    ws.close(code, reason.slice(0, 120));
    // Stop pulling events now: a client that stopped reading may hold the closing handshake for closeTimeoutMs.
    void feed?.close();
  };

  /** Whether this principal may see anything of the conversation. @throws when the customer cannot be looked up now. */
  const mayFollow = async (conversationId: string): Promise<boolean> =>
    staff || (await deps.owners.customerOf(tenantId, conversationId)) === principal.subject;

  const deliver = async (m: JsMsg): Promise<void> => {
    const address = addressOf(m.subject, tenantId);
    if (!address) return;
    let event: CloudEvent;
    try {
      event = decodeCloudEvent(m);
    } catch (err) {
      log.warn({ err, seq: m.seq, subject: m.subject }, 'undecodable event skipped');
      return;
    }
    const data = (event.data ?? {}) as Record<string, unknown>;
    const conversationId = event.subject ?? (typeof data.conversationId === 'string' ? data.conversationId : undefined);
    if (address.context === 'conversation' && address.type === 'ConversationStarted' && conversationId && typeof data.customerId === 'string') {
      deps.owners.learn(tenantId, conversationId, data.customerId);
    }
    if (!mayEverSee(principal, address)) return;
    const customerId = staff || !conversationId ? undefined : await deps.owners.customerOf(tenantId, conversationId);
    const view = viewOf(principal, address, customerId, event.data);
    if (!view) return;
    const frame: EventFrame = { id: event.id, type: event.type, subject: conversationId ?? '', time: event.time, data: view.data, position: m.seq };
    send(frame);
  };

  const pump = async (): Promise<void> => {
    feed = await openEventFeed(deps.nats, { tenantId, after: opts.after, stream: deps.stream, logger: log as Logger });
    if (closed) return void (await feed.close());
    send({ type: 'ready', position: feed.position });
    for await (const m of feed.messages) {
      if (closed) break;
      await deliver(m);
    }
  };

  const onTyping = async (conversationId: string, typing: boolean): Promise<void> => {
    let allowed: boolean;
    try {
      allowed = await mayFollow(conversationId);
    } catch {
      return sendError('unavailable', 'cannot check the conversation now; try again');
    }
    // Not yours and not existing look the same, as in the REST API.
    if (!allowed) return sendError('not_found', `conversation ${JSON.stringify(conversationId)} not found`);
    publishTyping(deps.nats, tenantId, { conversationId, typing, from: { kind: staff ? 'agent' : 'visitor', id: principal.subject }, origin: socketId });
  };

  const onTypingSignal = (signal: TypingSignal): void => {
    if (signal.origin === socketId) return;
    mayFollow(signal.conversationId).then(
      (allowed) => allowed && send({ type: 'typing', conversationId: signal.conversationId, typing: signal.typing, from: signal.from }),
      () => undefined, // ephemeral: a signal that cannot be authorised now is dropped
    );
  };

  // Each frame costs a token; each refused one a strike. A client that slips over the rate now and then is
  // told so; one that keeps flooding runs out of strikes and is closed with 1008 (policy violation).
  const frames = new TokenBucket(deps.limits.framesPerSecond, deps.limits.framesPerSecond);
  const strikes = new TokenBucket(1, deps.limits.maxRefusedFrames);
  ws.on('message', (raw, isBinary) => {
    alive = true;
    if (closed) return;
    if (!frames.take()) {
      if (!strikes.take()) return close(1008, `more than ${deps.limits.framesPerSecond} frames per second, persistently`);
      return sendError('rate_limited', `at most ${deps.limits.framesPerSecond} frames per second`);
    }
    if (isBinary) return sendError('malformed_frame', 'frames must be JSON text, not binary');
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return send(parsed.error);
    if (parsed.frame.type === 'ping') return send({ type: 'pong' });
    void onTyping(parsed.frame.conversationId, parsed.frame.typing);
  });
  ws.on('pong', () => {
    alive = true;
  });

  const heartbeat = setInterval(() => {
    if (!alive) {
      log.debug('no pong: terminating');
      return ws.terminate();
    }
    alive = false;
    ws.ping();
  }, deps.limits.pingIntervalMs);
  const expiry = opts.expiresAt === undefined ? undefined : setTimeout(() => close(CLOSE.tokenExpired, 'token expired: reconnect with a fresh one and after'), Math.min(Math.max(opts.expiresAt - Date.now(), 0), 2 ** 31 - 1));
  const unsubscribeTyping = subscribeTyping(deps.nats, tenantId, onTypingSignal);

  ws.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    if (expiry) clearTimeout(expiry);
    unsubscribeTyping();
    void feed?.close();
  });

  pump().catch((err: unknown) => {
    if (closed) return;
    if (err instanceof PositionExpiredError) return close(CLOSE.positionExpired, err.message);
    if (isDomainError(err) && err.code === 'validation') return close(CLOSE.invalidPosition, err.message);
    if (isDomainError(err) && err.code === 'unavailable') return close(1013, 'events unavailable: reconnect with after');
    log.error({ err }, 'realtime feed failed');
    close(1011, 'internal error: reconnect with after');
  });
  return { end: close };
}

function reasonCode(code: number): ErrorCode {
  switch (code) {
    case CLOSE.positionExpired:
      return 'position_expired';
    case CLOSE.invalidPosition:
      return 'invalid_position';
    case CLOSE.tokenExpired:
      return 'token_expired';
    case 1013:
      return 'unavailable';
    case 1008:
      return 'rate_limited';
    default:
      return 'internal';
  }
}
