import { eventTypes, type components, type EventDataByType } from './generated/events';

/**
 * Events as the client receives them, typed from the contracts: the data
 * types are generated from the gateway's AsyncAPI document (itself built
 * from the proto contracts), never written here by hand.
 */

export type { EventDataByType } from './generated/events';

/** A CloudEvent type this client knows, e.g. `contactcenter.conversation.v1.MessagePosted`. */
export type EventType = keyof EventDataByType;

/** One event with its position in the tenant's stream: what the socket and the SSE stream deliver. */
export interface EventOf<T extends string, Data> {
  /** The CloudEvent id: unique, the same on every replay. */
  id: string;
  type: T;
  /** What it is about: the conversation id for conversation and routing events. */
  subject: string;
  time?: string;
  data: Data;
  /**
   * Where it sits in the tenant's stream: resume after it with `after` (socket) or `Last-Event-ID` (SSE). An event
   * of another region (`region`) is in no stream here: it repeats the position of the last event before it.
   */
  position: number;
  /**
   * Multi-region deployments (socket only): the other region the event comes from, received live (a conversation
   * homed there that the socket follows, or one assigned there to this agent). Not resumed by `after`: what was
   * missed is read again by REST.
   */
  region?: string;
}

/** Any event of a known type; narrow on `type` to get its data's type. */
export type ContactCenterEvent = { [T in EventType]: EventOf<T, EventDataByType[T]> }[EventType];

/** An event of a type newer than this client (its data untyped). */
export type OtherEvent = EventOf<string, unknown>;

/** Someone else is (no longer) typing in a conversation. */
export type TypingFrame = { type: 'typing' } & Omit<components['schemas']['TypingSignal'], 'origin'>;

const known: ReadonlySet<string> = new Set(eventTypes);

/** Whether an event is of a type this client knows (and so typed). */
export const isKnownEvent = (event: OtherEvent | ContactCenterEvent): event is ContactCenterEvent => known.has(event.type);

/**
 * Narrows an event to one type.
 *
 * @example
 *   if (isEvent(e, 'contactcenter.conversation.v1.MessagePosted')) render(e.data.message?.text);
 */
export const isEvent = <T extends EventType>(event: { type: string }, type: T): event is EventOf<T, EventDataByType[T]> => event.type === type;

/**
 * An event frame of the socket or a payload of the SSE stream, checked for the fields every event has. Another
 * region's (`region`, no position of its own) takes `positionBefore`, the last position delivered; without one it is dropped.
 */
export function eventFrameOf(value: unknown, positionBefore?: number): OtherEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const f = value as Record<string, unknown>;
  if (typeof f.id !== 'string' || typeof f.type !== 'string') return undefined;
  if (typeof f.position !== 'number') {
    if (typeof f.region !== 'string' || positionBefore === undefined) return undefined;
    return { id: f.id, type: f.type, subject: typeof f.subject === 'string' ? f.subject : '', ...(typeof f.time === 'string' ? { time: f.time } : {}), data: f.data, position: positionBefore, region: f.region };
  }
  return {
    id: f.id,
    type: f.type,
    subject: typeof f.subject === 'string' ? f.subject : '',
    ...(typeof f.time === 'string' ? { time: f.time } : {}),
    data: f.data,
    position: f.position,
  };
}
