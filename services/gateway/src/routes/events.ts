import { ValidationError } from '@contactcenter/infra';
import type { CloudEvent } from '@contactcenter/infra/events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EVENTS_READ_SCOPE, presentedApiKey, requireApiKey } from '../plugins/apiKeyAuth';
import { sendProblem } from '../plugins/problem';
import { ConnectionCaps, takeOrRetryAfter, type Release } from '../realtime/connectionCaps';
import { PositionExpiredError, type EventHub } from '../realtime/eventHub';
import { SlowConsumerError, type HubFeed } from '../realtime/hubListener';
import { Interest } from '../realtime/interest';
import type { Revocations } from '../store/revocations';

export interface EventsRouteOptions {
  /** This replica's one consumer of the events stream, shared by every socket and SSE stream. */
  hub: EventHub;
  /** Interval of `: keepalive` comments, which also re-check that the key is not revoked, should the revocations watch lag (default 15 s). */
  heartbeatMs?: number;
  /** Live connections per holder, shared with the WebSockets (default: a fresh counter with the default caps). */
  caps?: ConnectionCaps;
  /** Ends a stream within the watch's latency when its API key is revoked, on any replica. */
  revocations: Revocations;
}

const POSITION_RE = /^(0|[1-9][0-9]{0,15})$/;
const TYPE_RE = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_TYPES = 50;
/** How long a disconnected EventSource waits before reconnecting. */
const RETRY_MS = 2_000;

/** One SSE message: what an integrator receives per event. */
export interface EventPayload {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time?: string;
  data: unknown;
  position: number;
}

/**
 * `GET /v1/events`: the tenant's CloudEvents as Server-Sent Events, for API
 * keys with the scope `events:read`.
 *
 * Every event of the key's tenant, of every context (conversation, routing,
 * presence, translation, …), unredacted: internal notes, routing decisions
 * and agent presence INCLUDED. An API key is the tenant's own system, which
 * may read all of it through the REST API too; do not hand one to a third
 * party that should not read internal notes.
 *
 * Each event is `id: <position>\nevent: <CloudEvent type>\ndata: <EventPayload JSON>\n\n`.
 * The first lines are `retry:` and an `id:` with no data: the position the
 * stream starts after, so a reconnect resumes there even if no event came.
 * Resume after a position with `?after=<position>` or the standard
 * `Last-Event-ID` header (which wins, since a browser's EventSource resends
 * the original URL on reconnect): every later event comes once, in order.
 * `?types=a,b` keeps only those CloudEvent types. `: keepalive` comments
 * come every 15 s; the stream ends when the key is revoked (on any
 * replica, within a second).
 *
 * Each stream holds a slot of its API key and of its tenant
 * (realtime/connectionCaps.ts): over a cap, 429 `too_many_connections`
 * before the stream starts and before any JetStream consumer is created.
 * `HEAD` answers the same checks and the stream's headers, then ends: no
 * stream, no consumer, no slot.
 *
 * A position older than the stream keeps is 410 `position_expired`; one
 * beyond its end is 400.
 *
 * @example
 *   curl -N -H 'X-API-Key: cck_…' 'https://api.example/v1/events?types=contactcenter.conversation.v1.MessagePosted'
 */
export async function eventsRoutes(app: FastifyInstance, opts: EventsRouteOptions): Promise<void> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const caps = opts.caps ?? new ConnectionCaps();
  const open = new Set<() => void>();
  // Hijacked replies keep their sockets open; end them so app.close() does not wait forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<{ Querystring: { after?: string; types?: string } }>(
    '/events',
    {
      schema: {
        operationId: 'streamEvents',
        tags: ['events'],
        summary: 'Stream the tenant\'s CloudEvents (Server-Sent Events)',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', pattern: POSITION_RE.source }, types: { type: 'string', maxLength: 4096 } },
        },
        headers: { type: 'object', properties: { 'last-event-id': { type: 'string' } } },
        response: { 200: { description: 'text/event-stream', type: 'string' }, '4xx': { $ref: 'problem#' } },
      },
      // Before validation: an anonymous client learns nothing, not even about its query.
      preValidation: async (request) => {
        await requireApiKey(request, EVENTS_READ_SCOPE);
      },
    },
    async (request, reply) => {
      const { tenantId, apiKeyId } = request.apiKey!;
      const after = resumePosition(request);
      const types = typesOf(request.query.types);
      if (request.method === 'HEAD') return reply.code(200).headers(streamHeaders(request)).send();
      const release = takeOrRetryAfter(reply, () => caps.takeStream({ tenantId, apiKeyId }));
      let feed: HubFeed;
      try {
        feed = await opts.hub.open({ tenantId, after, interest: Interest.integration(), scope: { kind: 'tenant' } });
      } catch (err) {
        release();
        if (err instanceof PositionExpiredError) return sendProblem(reply, { status: 410, title: 'Gone', code: err.code, detail: err.message });
        throw err;
      }
      request.log.info({ apiKeyId, after: feed.position, types }, 'event stream opened');
      stream(request, reply, feed, { tenantId, types, heartbeatMs, open, presentedKey: presentedApiKey(request)!, release, revocations: opts.revocations });
    },
  );
}

const streamHeaders = (request: FastifyRequest) => ({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx and similar proxies buffer responses unless told not to.
  'x-accel-buffering': 'no',
  'x-request-id': String(request.id),
});

/** `Last-Event-ID` (an EventSource reconnect), else `?after`, else undefined: the stream's end. */
function resumePosition(request: FastifyRequest<{ Querystring: { after?: string } }>): number | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header.length > 0) {
    if (!POSITION_RE.test(header.trim())) throw new ValidationError('Last-Event-ID', 'must be a stream position (a non-negative integer)');
    return Number(header.trim());
  }
  return request.query.after === undefined ? undefined : Number(request.query.after);
}

function typesOf(raw: string | undefined): Set<string> | undefined {
  if (raw === undefined) return undefined;
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (types.length === 0 || types.length > MAX_TYPES || !types.every((t) => TYPE_RE.test(t))) {
    throw new ValidationError('types', `must be 1-${MAX_TYPES} comma-separated CloudEvent types of [A-Za-z0-9._-]`);
  }
  return new Set(types);
}

function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  feed: HubFeed,
  ctx: { tenantId: string; types?: Set<string>; heartbeatMs: number; open: Set<() => void>; presentedKey: string; release: Release; revocations: Revocations },
): void {
  // From here on fastify neither buffers nor serialises: we own the socket.
  reply.hijack();
  const res = reply.raw;
  const log = request.log;
  let closed = false;
  let stopWatching = (): void => undefined;
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    ctx.open.delete(end);
    stopWatching();
    ctx.release();
    feed.close();
    if (!res.writableEnded) res.end();
  };
  ctx.open.add(end);
  res.on('close', end);
  res.on('error', (err) => {
    log.debug({ err }, 'event stream socket error');
    end();
  });

  /** Writes; when the client reads slower than events come, waits for it rather than buffering without bound. */
  const write = async (chunk: string): Promise<void> => {
    if (closed) return;
    if (!res.write(chunk)) await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };

  const heartbeat = setInterval(() => {
    void (async () => {
      await write(': keepalive\n\n');
      // A revoked key must not keep reading: check it as often as we ping.
      const still = await request.server.apiKeyAuthenticator.authenticate(ctx.presentedKey).catch(() => 'unknown' as const);
      if (still === undefined) {
        log.info({ apiKeyId: request.apiKey?.apiKeyId }, 'API key revoked: event stream ended');
        end();
      }
    })();
  }, ctx.heartbeatMs);
  heartbeat.unref();

  res.writeHead(200, streamHeaders(request));
  res.write(`retry: ${RETRY_MS}\nid: ${feed.position}\n\n`);
  // Registered once the headers are out: a key revoked meanwhile ends the stream at once, cleanly.
  stopWatching = ctx.revocations.onApiKeyRevoked(request.apiKey!.apiKeyId, () => {
    log.info({ apiKeyId: request.apiKey?.apiKeyId }, 'API key revoked: event stream ended');
    end();
  });

  void (async () => {
    try {
      for await (const e of feed.events) {
        if (closed) break;
        // The hub hands on only this tenant's events; checked again, as a tenant boundary deserves.
        if (e.tenantId !== ctx.tenantId) continue;
        if (ctx.types && !ctx.types.has(e.event.type)) continue;
        await write(frameOf(e.event, e.seq));
      }
    } catch (err) {
      // A reader that fell far behind, or the hub stopping: the client reconnects with Last-Event-ID.
      if (err instanceof SlowConsumerError) log.info({ apiKeyId: request.apiKey?.apiKeyId }, 'event stream reader too slow: ended');
      else if (!closed) log.warn({ err }, 'event stream ended');
    } finally {
      end();
    }
  })();
}

/** One SSE message. JSON.stringify never emits a raw newline, and the codec refuses CR/LF in the type. */
export function frameOf(event: CloudEvent, position: number): string {
  const payload: EventPayload = {
    id: event.id,
    type: event.type,
    source: event.source,
    ...(event.subject !== undefined ? { subject: String(event.subject) } : {}),
    ...(event.time !== undefined ? { time: event.time } : {}),
    data: event.data ?? null,
    position,
  };
  return `id: ${position}\nevent: ${event.type}\ndata: ${JSON.stringify(payload)}\n\n`;
}
