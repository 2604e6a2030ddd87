/**
 * The frames of the real-time channel, both ways, as JSON text frames.
 *
 * Server → client:
 *   { type: 'ready', position }                        the socket is live; `position` is where it resumes from
 *   { id, type, subject, time, data, position }        a domain event: `type` is its CloudEvents type, always dotted
 *                                                      (`contactcenter.conversation.v1.MessagePosted`), so never one of the words below
 *   { type: 'typing', conversationId, typing, from: { kind, id } }   someone else is (not) typing
 *   { type: 'pong' }                                   answer to a client `ping`
 *   { type: 'error', code, message }                   the frame was refused; the socket stays open
 *
 * Client → server:
 *   { type: 'typing', conversationId, typing }
 *   { type: 'ping' }                                   an application-level keepalive for clients (browsers) that cannot send ping frames
 */

/** A conversation id usable as a NATS subject token. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export type ClientFrame = { type: 'typing'; conversationId: string; typing: boolean } | { type: 'ping' };

export type ErrorCode =
  | 'malformed_frame' | 'unknown_type' | 'invalid_frame' | 'not_found' | 'rate_limited' | 'unavailable'
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
  /** JetStream stream sequence: pass it back as `?after=` to resume after this event. */
  position: number;
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
    default:
      return refuse('unknown_type', `unknown frame type ${JSON.stringify(frame.type)}; expected typing or ping`.slice(0, 200));
  }
}
