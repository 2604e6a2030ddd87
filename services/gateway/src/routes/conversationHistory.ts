import { unary, ValidationError } from '@contactcenter/infra';
import { ConversationHistoryEntry, type ConversationServiceClient, type GetConversationAtRequest } from '@contactcenter/proto/conversation/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff, type Principal } from '../plugins/auth';
import { conversationIdParam, conversationView, messageView } from '../schemas/conversation';
import { inRestTerms } from '../schemas/restFields';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const REVISION = '^(0|[1-9][0-9]{0,15})$';
/** RFC 3339 with a time zone (`Z` or an offset): a time without one means a different instant to every reader. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** The query of `GET /v1/conversations/{id}` that asks for the past: at most one of the two. */
export type PastQuery = { asOf?: string; atRevision?: string };

export const pastQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    asOf: { type: 'string', maxLength: 40, description: 'The conversation as it stood at this time (RFC 3339 with a zone, e.g. 2025-03-04T05:06:07Z): the events that happened at or before it.' },
    atRevision: { type: 'string', pattern: REVISION, description: 'The conversation right after the event of this revision (0 = its start).' },
  },
} as const;

const historyEventSchema = {
  type: 'object',
  properties: {
    eventId: { type: 'string', description: 'The CloudEvent id the event was published with (the same in the real-time feed, SSE and webhooks).' },
    type: { type: 'string', description: 'The CloudEvent type, e.g. `contactcenter.conversation.v1.MessagePosted`.' },
    revision: { type: 'integer', description: 'Its revision in the conversation (0 = the first event).' },
    actorId: { type: 'string', description: 'Who caused it: an agent, the customer, or a service.' },
    occurredAt: { type: 'string', format: 'date-time' },
    recordedAt: { type: 'string', format: 'date-time' },
    data: { type: 'object', additionalProperties: true, description: 'The event data as proto3 JSON, as in the AsyncAPI document (`/asyncapi.json`).' },
  },
  required: ['eventId', 'type', 'revision', 'actorId', 'data'],
} as const;

const historySchema = {
  type: 'object',
  properties: {
    conversationId: { type: 'string' },
    revision: { type: 'integer', description: 'The conversation\'s latest revision.' },
    events: { type: 'array', items: historyEventSchema },
    nextFromRevision: { type: 'integer', description: 'Pass as `fromRevision` for the next page; absent on the last one.' },
  },
  required: ['conversationId', 'revision', 'events'],
} as const;

/** The conversation service's field names, as this API calls them. */
const REST_FIELDS: Record<string, string> = { as_of: 'asOf', at_revision: 'atRevision', from_revision: 'fromRevision', page_size: 'pageSize' };

/** A validation error of the conversation service, naming the query parameter the caller sent. */
const historyFields = (err: unknown): unknown => inRestTerms(err, (field) => (Object.hasOwn(REST_FIELDS, field) ? REST_FIELDS[field] : undefined));

/**
 * `GET /v1/conversations/{id}/history`: every event of a conversation, oldest
 * first, read from the event store, with its type, revision, actor and time;
 * internal notes included (a staff route). Paged by revision.
 *
 * @example
 *   GET /v1/conversations/c-1/history?pageSize=100
 *   → { conversationId: 'c-1', revision: 7, events: [{ type: 'contactcenter.conversation.v1.ConversationStarted', revision: 0, actorId: 'v-1', ... }] }
 */
export async function conversationHistoryRoutes(app: FastifyInstance, opts: { peers: Peers }) {
  const client = opts.peers.conversation;

  app.get<{ Params: { conversationId: string }; Querystring: { fromRevision?: string; pageSize?: string } }>(
    '/conversations/:conversationId/history',
    {
      schema: {
        operationId: 'getConversationHistory',
        tags: ['conversations'],
        summary: 'Every event of a conversation, with its actor and time (internal notes included)',
        security,
        params: conversationIdParam,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            fromRevision: { type: 'string', pattern: REVISION, description: 'The first revision to return (default 0).' },
            // Query strings are text (the gateway never coerces types): 1-500.
            pageSize: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9][0-9]|500)$', description: 'At most this many events (1-500, default 100).' },
          },
        },
        response: { 200: historySchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request);
      const { conversationId } = request.params;
      const q = request.query;
      const res = await unary(
        client,
        client.getConversationHistory,
        { conversationId, includeNotes: true, fromRevision: q.fromRevision ? Number(q.fromRevision) : 0, pageSize: q.pageSize ? Number(q.pageSize) : 0 },
        callOptions(request, p),
      ).catch((err: unknown) => {
        throw historyFields(err);
      });
      return {
        conversationId,
        revision: res.revision,
        events: res.entries.map(historyEventView),
        ...(res.nextFromRevision !== undefined ? { nextFromRevision: res.nextFromRevision } : {}),
      };
    },
  );
}

/** One history entry as REST shows it: the event's data as proto3 JSON, as integrators receive it everywhere else. */
function historyEventView(entry: ConversationHistoryEntry) {
  const json = ConversationHistoryEntry.toJSON(entry) as Record<string, unknown>;
  return {
    eventId: entry.eventId,
    type: entry.type,
    revision: entry.revision,
    actorId: entry.actorId,
    occurredAt: entry.occurredAt?.toISOString(),
    recordedAt: entry.recordedAt?.toISOString(),
    data: (entry.event ? json[entry.event.$case] : undefined) ?? {},
  };
}

/** Whether a `GET /v1/conversations/{id}` asks for the past rather than the present. */
export const asksForThePast = (q: PastQuery | undefined): q is PastQuery => q?.asOf !== undefined || q?.atRevision !== undefined;

/**
 * The conversation as it stood at `?asOf=` or `?atRevision=`, folded from its
 * events by the conversation service, in the shape of the present one.
 * @throws ValidationError naming `asOf` or `atRevision` (not a time, both given, in the future,
 *   before the conversation existed, beyond its last revision); NotFoundError for a conversation
 *   the tenant does not have.
 */
export async function pastConversation(client: ConversationServiceClient, request: FastifyRequest, p: Principal, conversationId: string, q: PastQuery) {
  const res = await unary(client, client.getConversationAt, { conversationId, point: pointOf(q), includeNotes: false }, callOptions(request, p)).catch((err: unknown) => {
    throw historyFields(err);
  });
  return { ...conversationView(res.conversation!), messages: res.messages.map(messageView) };
}

function pointOf(q: PastQuery): GetConversationAtRequest['point'] {
  if (q.asOf !== undefined && q.atRevision !== undefined) throw new ValidationError('asOf', 'give asOf or atRevision, not both');
  if (q.atRevision !== undefined) return { $case: 'atRevision', value: Number(q.atRevision) };
  const time = parseRfc3339(q.asOf!);
  if (!time) throw new ValidationError('asOf', 'must be an RFC 3339 time with a zone, e.g. 2025-03-04T05:06:07Z');
  return { $case: 'asOf', value: time };
}

/** The instant of an RFC 3339 time, or undefined; strict, where `Date` would roll February 30 over into March. */
function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
