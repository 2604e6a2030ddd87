import websocket from '@fastify/websocket';
import { UnauthorizedError, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { presentedBearerToken, principalOfToken, type Principal } from '../plugins/auth';
import type { ConversationOwners } from '../realtime/conversationOwners';
import { DEFAULT_LIMITS, runRealtimeSession, type RealtimeLimits } from '../realtime/realtimeSession';

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
}

/**
 * `GET /v1/realtime`: a WebSocket for the agent desk and the customer widget.
 *
 * Authentication happens before the upgrade (a bad or missing token is a
 * plain HTTP 401 problem, no socket): the bearer token goes in the
 * `Authorization` header, or, from a browser, which cannot set headers on a
 * WebSocket, as a subprotocol: `new WebSocket(url, ['cc.realtime.v1', 'bearer.' + token])`.
 * A `?token=` query parameter is refused: URLs end up in access logs
 * (this gateway's own request log prints them) and proxy logs.
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
  const { owners } = opts;

  app.get<{ Querystring: { after?: string } }>(
    '/realtime',
    {
      websocket: true,
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } } },
      },
      // Before validation and before the upgrade: an anonymous client learns nothing, not even about its query.
      preValidation: async (request) => {
        const { principal, expiresAt } = authenticateUpgrade(app, request);
        request.principal = principal;
        if (expiresAt !== undefined) tokenExpiries.set(request, expiresAt);
      },
    },
    (socket, request) => {
      const principal = request.principal!;
      const expiresAt = tokenExpiries.get(request);
      const after = request.query.after === undefined ? undefined : Number(request.query.after);
      runRealtimeSession(socket, principal, { after, expiresAt }, { nats: opts.nats, owners, log: request.log, limits, stream: opts.stream });
    },
  );
}

function authenticateUpgrade(app: FastifyInstance, request: FastifyRequest): { principal: Principal; expiresAt?: number } {
  if (Object.hasOwn((request.query ?? {}) as object, 'token')) {
    throw new UnauthorizedError(`pass the token in the Authorization header or as the subprotocol "${BEARER_PROTOCOL}<token>", never in the URL`);
  }
  const token = presentedBearerToken(request);
  if (!token) throw new UnauthorizedError('a valid bearer token is required');
  const principal = principalOfToken(app, token);
  const exp = (app.jwt.decode<{ exp?: unknown }>(token) ?? {}).exp;
  return { principal, ...(typeof exp === 'number' ? { expiresAt: exp * 1000 } : {}) };
}

