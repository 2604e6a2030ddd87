import websocket from '@fastify/websocket';
import { UnauthorizedError, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifiedPrincipal, type Principal } from '../plugins/auth';
import { requireLiveWidgetKey } from '../plugins/liveWidgetKey';
import { sendProblem } from '../plugins/problem';
import { ConnectionCaps, takeOrRetryAfter, type Release } from '../realtime/connectionCaps';
import type { ConversationOwners } from '../realtime/conversationOwners';
import { DEFAULT_LIMITS, runRealtimeSession, type RealtimeLimits } from '../realtime/realtimeSession';
import type { Revocations } from '../store/revocations';

/** The subprotocol a browser offers alongside `bearer.<token>`; the server selects it, never the token. */
export const REALTIME_PROTOCOL = 'cc.realtime.v1';
const BEARER_PROTOCOL = 'bearer.';

export interface RealtimeOptions {
  /** Whose each conversation is (the gateway's one cache, shared with the visitor routes): what a visitor socket may see. */
  owners: ConversationOwners;
  nats: NatsConnection;
  /** JetStream stream of domain events (default CC_EVENTS). */
  stream?: string;
  limits?: Partial<RealtimeLimits>;
  /** Live connections per holder, shared with the SSE streams (default: a fresh counter with the default caps). */
  caps?: ConnectionCaps;
  /** Ends visitor sockets when their widget key is revoked, on any replica. */
  revocations: Revocations;
}

/**
 * `GET /v1/realtime`: a WebSocket for the agent desk and the customer widget.
 *
 * Authentication happens before the upgrade (a bad or missing token is a
 * plain HTTP 401 problem, no socket): the bearer token goes in the
 * `Authorization` header, or, from a browser, which cannot set headers on a
 * WebSocket, as a subprotocol: `new WebSocket(url, ['cc.realtime.v1', 'bearer.' + token])`.
 * A `?token=` query parameter is refused: URLs end up in access logs
 * (this gateway's own request log prints them) and proxy logs. A plain
 * request without an upgrade is 426 `upgrade_required`.
 *
 * Each socket holds a slot of its staff member or visitor session and of its
 * tenant (realtime/connectionCaps.ts); over a cap the upgrade is refused
 * with 429 `too_many_connections` before any JetStream consumer is created.
 * A visitor socket closes with 1008 "widget key revoked" when its session's
 * widget key is revoked on any replica; staff sockets hold no key.
 *
 * `?after=<position>` resumes after the last event the client saw: it gets
 * every later event it may see, in order, then live ones, none twice.
 * Without it the socket starts at the end of the stream; the first frame,
 * `{ type: 'ready', position }`, tells where. See realtime/frames.ts for the
 * frames and realtime/visibility.ts for who sees what.
 *
 * @example
 *   const ws = new WebSocket(`wss://api.example/v1/realtime?after=${last}`, ['cc.realtime.v1', `bearer.${token}`]);
 *   ws.onmessage = (m) => { const f = JSON.parse(m.data); if (f.position) last = f.position; };
 *   ws.send(JSON.stringify({ type: 'typing', conversationId, typing: true }));
 */
export async function realtimeRoutes(app: FastifyInstance, opts: RealtimeOptions): Promise<void> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const wsOptions = {
    // A larger client frame closes the socket with 1009.
    maxPayload: limits.maxFrameBytes,
    // ws ≥ 8.18 honours it; @types/ws 8.18.2 does not list it yet, hence the options object apart.
    closeTimeout: limits.closeTimeoutMs,
    // Select our protocol when offered; never echo the token back.
    handleProtocols: (protocols: Set<string>) => (protocols.has(REALTIME_PROTOCOL) ? REALTIME_PROTOCOL : false),
  };
  await app.register(websocket, { options: wsOptions });
  const tokenExpiries = new WeakMap<FastifyRequest, number>();
  const releases = new WeakMap<FastifyRequest, Release>();
  const { owners, revocations } = opts;
  const caps = opts.caps ?? new ConnectionCaps();

  app.get<{ Querystring: { after?: string } }>(
    '/realtime',
    {
      websocket: true,
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } } },
      },
      // Before anything else: a plain HTTP client (a browser tab, a probe) is told what this URL speaks.
      onRequest: async (request, reply) => {
        if (request.ws) return;
        return sendProblem(reply.header('Upgrade', 'websocket'), { status: 426, title: 'Upgrade required', code: 'upgrade_required', detail: 'GET /v1/realtime is a WebSocket: send Upgrade: websocket' });
      },
      // Before validation and before the upgrade: an anonymous client learns nothing, not even about its query.
      preValidation: async (request) => {
        const { principal, expiresAt } = await authenticateUpgrade(request);
        request.principal = await requireLiveWidgetKey(request, principal);
        if (expiresAt !== undefined) tokenExpiries.set(request, expiresAt);
      },
      // After validation, still before the upgrade: a refused socket costs no upgrade and no consumer.
      preHandler: async (request, reply) => {
        const release = takeOrRetryAfter(reply, () => caps.takeSocket(request.principal!));
        releases.set(request, release);
        // The connection's end, however it ends (also when the upgrade itself fails): a WebSocket never reuses it.
        request.raw.socket.once('close', release);
      },
    },
    (socket, request) => {
      const principal = request.principal!;
      const expiresAt = tokenExpiries.get(request);
      const after = request.query.after === undefined ? undefined : Number(request.query.after);
      const release = releases.get(request);
      if (release) socket.once('close', release);
      const session = runRealtimeSession(socket, principal, { after, expiresAt }, { nats: opts.nats, owners, log: request.log, limits, stream: opts.stream });
      if (principal.widgetKey !== undefined && principal.roles.includes('visitor')) {
        const stop = revocations.onWidgetKeyRevoked(principal.widgetKey, () => session.end(1008, 'widget key revoked', 'revoked'));
        socket.once('close', stop);
      }
    },
  );
}

async function authenticateUpgrade(request: FastifyRequest): Promise<{ principal: Principal; expiresAt?: number }> {
  if (Object.hasOwn((request.query ?? {}) as object, 'token')) {
    throw new UnauthorizedError(`pass the token in the Authorization header or as the subprotocol "${BEARER_PROTOCOL}<token>", never in the URL`);
  }
  const principal = await verifiedPrincipal(request);
  return { principal, ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}) };
}

