import websocket from '@fastify/websocket';
import { ForbiddenError, UnauthorizedError, type NatsConnection } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { homeRegionOf, type RegionSettings } from '@contactcenter/infra/regions';
import { callOptions, presentedBearerToken, verifiedPrincipal, type Principal } from '../plugins/auth';
import { requireLiveWidgetKey } from '../plugins/liveWidgetKey';
import { sendProblem } from '../plugins/problem';
import { ConnectionCaps, takeOrRetryAfter, type Release } from '../realtime/connectionCaps';
import type { ConversationOwners } from '../realtime/conversationOwners';
import type { EventHub } from '../realtime/eventHub';
import type { RealtimeDirectory } from '../realtime/realtimeDirectory';
import { DEFAULT_LIMITS, runRealtimeSession, type RealtimeLimits, type RealtimeScope } from '../realtime/realtimeSession';
import { isStaff, mayFollowTenant } from '../realtime/visibility';
import { MAX_SUBSCRIPTION_IDS } from '../realtime/frames';
import type { Subscription } from '../realtime/interest';
import type { Revocations } from '../store/revocations';
import { directoryAcrossRegions } from '../regions/remoteConversationAccess';
import type { RegionLink } from '../regions/regionLink';

/** The subprotocol a browser offers alongside `bearer.<token>`; the server selects it, never the token. */
export const REALTIME_PROTOCOL = 'cc.realtime.v1';
const BEARER_PROTOCOL = 'bearer.';

export interface RealtimeOptions {
  /** Whose each conversation is (the gateway's one cache, shared with the visitor routes): what a visitor socket may see. */
  owners: ConversationOwners;
  /** Typing signals. */
  nats: NatsConnection;
  /** This replica's one consumer of the events stream, shared by every socket and SSE stream. */
  hub: EventHub;
  /** Who follows what when a socket opens, and whether what a subscription names exists. */
  directory: RealtimeDirectory;
  limits?: Partial<RealtimeLimits>;
  /** Live connections per holder, shared with the SSE streams (default: a fresh counter with the default caps). */
  caps?: ConnectionCaps;
  /** Ends visitor sockets when their widget key is revoked, on any replica. */
  revocations: Revocations;
  /**
   * Multi-region mode only: a socket may follow conversations homed in another region (checked there, with the
   * socket's own token); the hub hands on their live events.
   */
  regions?: { settings: RegionSettings; link: Pick<RegionLink, 'forward'> };
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
 * every later event it follows, in order, then live ones, none twice.
 * Without it the socket starts now; the first frame,
 * `{ type: 'ready', position, following }`, tells where and what it follows.
 *
 * What a socket follows (realtime/interest.ts): a visitor, their own
 * conversations; a staff member, their own work (offers and assignments
 * naming them, the conversations assigned to them) plus what they
 * subscribe to on the open socket (`subscribe` / `unsubscribe` frames:
 * conversations, queues, teams); `?scope=tenant` (supervisors and admins)
 * follows every event of the tenant from the start, resume included. See
 * realtime/frames.ts for the frames and realtime/visibility.ts for what of
 * each event a principal may see.
 *
 * Multi-region mode: a socket may follow a conversation homed in another
 * region (follow-the-sun gives its agent here; a visitor's conversation
 * placed there): staff subscribe to it by id as to any other, a visitor names
 * it in `?conversations=` (only conversations of other regions: their own
 * here are followed anyway); the home region says whether they may. Its
 * events come live from that region, in frames with `region` and without
 * `position`. **Resuming with `?after=` covers this region's stream only**:
 * a client that reconnects reads such a conversation again by REST
 * (forwarded to its home region) to learn what it missed.
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
  const directoryOf = (request: FastifyRequest, principal: Principal) =>
    opts.regions === undefined
      ? opts.directory
      : directoryAcrossRegions(opts.directory, {
          regions: opts.regions.settings,
          link: opts.regions.link,
          asker: { kind: isStaff(principal) ? 'staff' : 'visitor', token: presentedBearerToken(request), requestId: String(request.id), clientAddress: request.ip },
        });

  app.get<{ Querystring: { after?: string; scope?: RealtimeScope; conversations?: string; queues?: string; teams?: string } }>(
    '/realtime',
    {
      websocket: true,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
            scope: { type: 'string', enum: ['mine', 'tenant'], default: 'mine' },
            // Staff: what to follow from the start, so that a resumed socket also gets what these did while it was away.
            conversations: idList,
            queues: idList,
            teams: idList,
          },
        },
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
        if (request.query.scope === 'tenant' && !(isStaff(request.principal!) && mayFollowTenant(request.principal!))) {
          throw new ForbiddenError('scope=tenant (every event of the tenant) is for supervisors and admins; agents follow their own work and subscribe to more');
        }
        const { conversations, queues, teams } = request.query;
        const elsewhere = (id: string) => opts.regions !== undefined && ![undefined, opts.regions.settings.region].includes(homeRegionOf(id, opts.regions.settings.regions));
        // Multi-region mode: a visitor names their conversations of other regions, which this region's services do not know.
        const visitorMayName = !queues && !teams && !!conversations && conversations.split(',').every(elsewhere);
        if ((conversations || queues || teams) && !isStaff(request.principal!) && !visitorMayName) {
          const why = 'a visitor follows their own conversations; conversations, queues and teams are for staff';
          throw new ForbiddenError(opts.regions ? `${why} (a visitor names only their conversations of other regions)` : why);
        }
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
      const session = runRealtimeSession(
        socket,
        principal,
        { after, expiresAt, scope: request.query.scope ?? 'mine', subscription: subscriptionOf(request.query), call: callOptions(request, principal) },
        { hub: opts.hub, nats: opts.nats, owners, directory: directoryOf(request, principal), log: request.log, limits },
      );
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

/** Comma-separated ids, as many as one subscribe frame may name. */
const idList = { type: 'string', pattern: `^[A-Za-z0-9_-]{1,128}(,[A-Za-z0-9_-]{1,128}){0,${MAX_SUBSCRIPTION_IDS - 1}}$` };

function subscriptionOf(q: { conversations?: string; queues?: string; teams?: string }): Subscription | undefined {
  const list = (raw?: string) => (raw ? [...new Set(raw.split(','))] : undefined);
  const s = { conversations: list(q.conversations), queues: list(q.queues), teams: list(q.teams) };
  return s.conversations || s.queues || s.teams ? s : undefined;
}
