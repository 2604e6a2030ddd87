/**
 * The frames of the real-time channel, both ways, as JSON text frames.
 *
 * Server → client:
 *   { type: 'ready', position, following }             the socket is live; `position` is where it resumes from;
 *                                                      `following`: { conversations, queues, teams, tenant } it follows
 *   { type: 'subscribed', following }                  answer to subscribe / unsubscribe: what it follows now
 *   { id, type, subject, time, data, position }        a domain event: `type` is its CloudEvents type, always dotted
 *                                                      (`contactcenter.conversation.v1.MessagePosted`), so never one of the words below
 *   { id, type, subject, time, data, region }          multi-region mode: an event of a conversation homed in another
 *                                                      region (`region`), live only: no position, not resumed by `after`;
 *                                                      among them that region's assignments to this agent (follow-the-sun)
 *   { type: 'typing', conversationId, typing, from: { kind, id } }   someone else is (not) typing
 *   { type: 'pong' }                                   answer to a client `ping`
 *   { type: 'error', code, message }                   the frame was refused; the socket stays open
 *
 * Client → server:
 *   { type: 'typing', conversationId, typing }
 *   { type: 'ping' }                                   an application-level keepalive for clients (browsers) that cannot send ping frames
 *   { type: 'subscribe', conversations?, queues?, teams?, tenant? }     staff: follow these too, from the next event on
 *   { type: 'unsubscribe', conversations?, queues?, teams?, tenant? }   staff: stop following these
 */

/** A conversation id usable as a NATS subject token. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface SubscriptionFrame {
  type: 'subscribe' | 'unsubscribe';
  conversations?: string[];
  queues?: string[];
  teams?: string[];
  tenant?: boolean;
}

export type ClientFrame = { type: 'typing'; conversationId: string; typing: boolean } | { type: 'ping' } | SubscriptionFrame;

/** Ids one subscribe or unsubscribe frame may name, per list. */
export const MAX_SUBSCRIPTION_IDS = 100;

export type ErrorCode =
  | 'malformed_frame' | 'unknown_type' | 'invalid_frame' | 'not_found' | 'forbidden' | 'rate_limited' | 'unavailable'
  // sent just before the server closes the socket
  | 'position_expired' | 'invalid_position' | 'token_expired' | 'revoked' | 'internal';

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export interface EventFrame {
  /** The event id (the CloudEvent id); unique, stable across replays. */
  id: string;
  /** The CloudEvents type, e.g. `contactcenter.conversation.v1.MessagePosted`, `contactcenter.routing.v1.OfferMade`. */
  type: string;
  /** The entity the event is about: the conversation id. */
  subject: string;
  time: string | undefined;
  data: unknown;
  /** JetStream stream sequence: pass it back as `?after=` to resume after this event. Absent on another region's event (`region`). */
  position?: number;
  /**
   * Multi-region mode: the event is of a conversation homed in this other region, received live from there (one the
   * socket follows, or its assignment there to this socket's agent: remoteAgentAssignments.ts). It has
   * no position here, and resuming with `?after=` does not replay it: a client that reconnects reads such a
   * conversation again by REST (forwarded to its home region) instead.
   */
  region?: string;
}

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame };

const refuse = (code: ErrorCode, message: string): ParsedFrame => ({ ok: false, error: { type: 'error', code, message } });

/**
 * A client's text frame, checked. Never throws: a bad frame is answered with
 * an error frame and the socket stays open.
 *
 * @example
 *   parseClientFrame('{"type":"typing","conversationId":"c-1","typing":true}') // { ok: true, frame: {...} }
 *   parseClientFrame('nope') // { ok: false, error: { type: 'error', code: 'malformed_frame', ... } }
 */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('malformed_frame', 'a frame must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('malformed_frame', 'a frame must be a JSON object');
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case 'ping':
      return { ok: true, frame: { type: 'ping' } };
    case 'typing': {
      const { conversationId, typing } = frame;
      if (typeof conversationId !== 'string' || !CONVERSATION_ID.test(conversationId)) {
        return refuse('invalid_frame', 'typing.conversationId must be 1-128 characters of [A-Za-z0-9_-]');
      }
      if (typeof typing !== 'boolean') return refuse('invalid_frame', 'typing.typing must be a boolean');
      return { ok: true, frame: { type: 'typing', conversationId, typing } };
    }
    case 'subscribe':
    case 'unsubscribe':
      return parseSubscription(frame.type, frame);
    default:
      return refuse('unknown_type', `unknown frame type ${JSON.stringify(frame.type)}; expected typing, ping, subscribe or unsubscribe`.slice(0, 200));
  }
}

function parseSubscription(type: 'subscribe' | 'unsubscribe', frame: Record<string, unknown>): ParsedFrame {
  const out: SubscriptionFrame = { type };
  for (const field of ['conversations', 'queues', 'teams'] as const) {
    const value = frame[field];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.length > MAX_SUBSCRIPTION_IDS || !value.every((id) => typeof id === 'string' && CONVERSATION_ID.test(id))) {
      return refuse('invalid_frame', `${type}.${field} must be a list of at most ${MAX_SUBSCRIPTION_IDS} ids of 1-128 characters of [A-Za-z0-9_-]`);
    }
    out[field] = value as string[];
  }
  if (frame.tenant !== undefined) {
    if (typeof frame.tenant !== 'boolean') return refuse('invalid_frame', `${type}.tenant must be a boolean`);
    out.tenant = frame.tenant;
  }
  if (!out.conversations?.length && !out.queues?.length && !out.teams?.length && !out.tenant) {
    return refuse('invalid_frame', `${type} must name conversations, queues, teams or tenant: true`);
  }
  return { ok: true, frame: out };
}
