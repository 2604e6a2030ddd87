import { isDomainError, type CallOptions, type NatsConnection } from '@contactcenter/infra';
import type { FastifyBaseLogger } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Principal } from '../plugins/auth';
import type { ConversationOwners } from './conversationOwners';
import { PositionExpiredError, type EventHub } from './eventHub';
import { parseClientFrame, type ErrorCode, type EventFrame, type SubscriptionFrame } from './frames';
import { SlowConsumerError, type HubFeed } from './hubListener';
import { Interest, type HubEvent, type Subscription } from './interest';
import type { RealtimeDirectory } from './realtimeDirectory';
import { TokenBucket } from './tokenBucket';
import { publishTyping, type TypingSignal } from './typingSignals';
import { isStaff, mayEverSee, mayFollowTenant, viewOf, type EventAddress } from './visibility';

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
  hub: EventHub;
  /** Typing signals (core NATS, not the events stream). */
  nats: NatsConnection;
  owners: ConversationOwners;
  directory: RealtimeDirectory;
  log: FastifyBaseLogger;
  limits: RealtimeLimits;
}

/** `mine` (default): a staff member's own work; `tenant`: every event of the tenant (supervisors and admins). */
export type RealtimeScope = 'mine' | 'tenant';

/** A running session, for what ends it from outside (a revoked key). */
export interface RealtimeSession {
  /** Says why in an error frame, closes with `code`, and stops pulling events at once. */
  end(code: number, reason: string, errorCode: ErrorCode): void;
}

/**
 * One connected client: the events it follows (realtime/interest.ts) after
 * `after`, from this replica's event hub, as the principal may see them
 * (visibility.ts); subscriptions changed on the open socket; typing
 * indicators both ways; keepalive; its own clean-up.
 */
export function runRealtimeSession(
  ws: WebSocket,
  principal: Principal,
  opts: { after?: number; expiresAt?: number; scope?: RealtimeScope; subscription?: Subscription; call: CallOptions },
  deps: SessionDeps,
): RealtimeSession {
  const { tenantId } = principal;
  const socketId = randomUUID();
  const staff = isStaff(principal);
  const log = deps.log.child({ socket_id: socketId, tenant_id: tenantId });
  let feed: HubFeed | undefined;
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
    // Stop taking events now: a client that stopped reading may hold the closing handshake for closeTimeoutMs.
    feed?.close();
  };

  /** Whether this principal may see anything of the conversation. @throws when the customer cannot be looked up now. */
  const mayFollow = async (conversationId: string): Promise<boolean> =>
    staff || (await deps.owners.customerOf(tenantId, conversationId)) === principal.subject;

  const deliver = (e: HubEvent): void => {
    if (e.context !== 'conversation' && e.context !== 'routing') return;
    const address: EventAddress = { context: e.context, type: e.type };
    if (!mayEverSee(principal, address)) return;
    // A visitor's interest holds only conversations whose customer they are (realtime/interest.ts).
    const view = viewOf(principal, address, staff ? undefined : principal.subject, e.event.data);
    if (!view) return;
    const frame: EventFrame = { id: e.event.id, type: e.event.type, subject: e.conversationId ?? '', time: e.event.time, data: view.data, ...(e.region === undefined ? { position: e.seq } : { region: e.region }) };
    send(frame);
  };

  const pump = async (): Promise<void> => {
    // A visitor's: those the conversation service lists, and those this gateway saw start (its read model may lag by a moment).
    const seeds = staff
      ? await deps.directory.assignedTo(opts.call, principal.subject)
      : [...new Set([...(await deps.directory.conversationsOfCustomer(opts.call, principal.subject)), ...deps.owners.conversationsOf(tenantId, principal.subject)])];
    const interest = staff ? Interest.staff(principal.subject, seeds) : Interest.visitor(principal.subject, seeds);
    if (staff && opts.scope === 'tenant') interest.subscribe({ tenant: true });
    // Asked for in the URL (a reconnecting desk): followed from the start, so that resuming includes them.
    const unknown = opts.subscription ? await missingOf(opts.subscription) : [];
    if (opts.subscription) interest.subscribe(without(opts.subscription, unknown));
    feed = await deps.hub.open({ tenantId, after: opts.after, interest, scope: staff ? { kind: 'tenant' } : { kind: 'conversations', conversationIds: seeds } });
    if (closed) return feed.close();
    feed.onTyping(onTypingSignal);
    send({ type: 'ready', position: feed.position, following: interest.describe() });
    if (unknown.length > 0) sendError('not_found', `${unknown.map((u) => u.label).join(', ')} not found; not followed`.slice(0, 300));
    for await (const e of feed.events) {
      if (closed) break;
      deliver(e);
    }
  };

  const onSubscription = async (frame: SubscriptionFrame): Promise<void> => {
    if (!staff) return sendError('forbidden', 'a visitor follows their own conversations; there is nothing to subscribe to');
    if (!feed) return sendError('unavailable', 'not ready yet: subscribe after the ready frame');
    const what = { conversations: frame.conversations, queues: frame.queues, teams: frame.teams, tenant: frame.tenant };
    if (frame.type === 'unsubscribe') {
      feed.unsubscribe(what);
      return send({ type: 'subscribed', following: feed.interest.describe() });
    }
    if (frame.tenant && !mayFollowTenant(principal)) return sendError('forbidden', 'only supervisors and admins may follow the whole tenant (tenant: true)');
    // Every id is checked before anything changes: one unknown id refuses the whole frame.
    let unknown: Missing[];
    try {
      unknown = await missingOf(what);
    } catch {
      return sendError('unavailable', 'cannot check the subscription now; try again');
    }
    if (unknown.length > 0) return sendError('not_found', `${unknown.map((u) => u.label).join(', ')} not found; nothing was subscribed`.slice(0, 300));
    if (closed) return;
    feed.subscribe(what);
    send({ type: 'subscribed', following: feed.interest.describe() });
  };

  /** The ids of `what` that do not exist (in this tenant). @throws when they cannot be checked now. */
  const missingOf = async (what: Subscription): Promise<Missing[]> => {
    const { directory } = deps;
    const missing = (kind: Missing['kind'], noun: string) => (id: string): Missing => ({ kind, id, label: `${noun} ${JSON.stringify(id)}` });
    const unknownOf = async (ids: string[] | undefined, exists: (id: string) => Promise<boolean>) =>
      (await Promise.all((ids ?? []).map(async (id) => ((await exists(id)) ? undefined : id)))).filter((id): id is string => id !== undefined);
    const [conversations, queues, teams] = await Promise.all([
      unknownOf(what.conversations, (id) => directory.conversationExists(opts.call, id)),
      unknownOf(what.queues, (id) => directory.queueExists(opts.call, id)),
      what.teams?.length ? directory.teamIds(opts.call).then((known) => what.teams!.filter((id) => !known.has(id))) : [],
    ]);
    return [...conversations.map(missing('conversations', 'conversation')), ...queues.map(missing('queues', 'queue')), ...teams.map(missing('teams', 'team'))];
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

  // Only for conversations this socket follows (the hub checks): no lookup per signal.
  const onTypingSignal = (signal: TypingSignal): void => {
    if (signal.origin === socketId) return;
    send({ type: 'typing', conversationId: signal.conversationId, typing: signal.typing, from: signal.from });
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
    if (parsed.frame.type === 'typing') return void onTyping(parsed.frame.conversationId, parsed.frame.typing);
    void onSubscription(parsed.frame);
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

  ws.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    if (expiry) clearTimeout(expiry);
    feed?.close();
  });

  pump().catch((err: unknown) => {
    if (closed) return;
    if (err instanceof PositionExpiredError) return close(CLOSE.positionExpired, err.message);
    if (isDomainError(err) && err.code === 'validation') return close(CLOSE.invalidPosition, err.message);
    if (err instanceof SlowConsumerError) return close(1013, 'slow consumer: reconnect with after');
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

type Missing = { kind: 'conversations' | 'queues' | 'teams'; id: string; label: string };

function without(what: Subscription, missing: Missing[]): Subscription {
  const drop = (kind: Missing['kind'], ids?: string[]) => ids?.filter((id) => !missing.some((m) => m.kind === kind && m.id === id));
  return { conversations: drop('conversations', what.conversations), queues: drop('queues', what.queues), teams: drop('teams', what.teams) };
}
