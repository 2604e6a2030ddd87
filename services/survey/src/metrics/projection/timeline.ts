/**
 * What the metrics keep of a conversation: a compact timeline of the events
 * that figures are made of, in stream order, each with its event time. No
 * settings (time zone, business hours, FCR window, conversion tags) are
 * applied here: they are applied when a query reads the timeline, so a
 * change of settings recomputes history and a replay gives the same rows.
 */

export type Author = 'customer' | 'agent' | 'bot';
export type RatingKind = 'csat' | 'nps' | 'ces';

export interface Rating {
  kind: RatingKind;
  score: number;
}

/** One event as the figures need it; `t` is the event time in epoch milliseconds. */
export type TimelineEntry =
  | { k: 'start'; t: number; channel: string; region: string }
  | { k: 'msg'; t: number; by: Author }
  /** `due`: when the queue's service level wants the first agent reply (epoch ms); absent when it promises none. */
  | { k: 'queue'; t: number; queue: string; team: string; due?: number }
  | { k: 'assign'; t: number; agent: string }
  | { k: 'transfer'; t: number; toAgent: string; toTeam: string }
  | { k: 'tags'; t: number; add: string[]; remove: string[] }
  | { k: 'resolve'; t: number }
  | { k: 'reopen'; t: number }
  /** Survey answers; a higher `rev` of the same survey replaces the earlier answers. */
  | { k: 'answer'; t: number; survey: string; rev: number; ratings: Rating[] };

export interface ConversationTimeline {
  tenantId: string;
  conversationId: string;
  /** The conversation revision of the last event applied (-1: none), to drop republished events. */
  seq: number;
  entries: TimelineEntry[];
}

export const emptyTimeline = (tenantId: string, conversationId: string): ConversationTimeline => ({ tenantId, conversationId, seq: -1, entries: [] });

/** A conversation event as the timeline takes it: its revision in the conversation (when known) and what it adds. */
export interface TimelineEvent {
  sequence: number | undefined;
  entry: TimelineEntry;
}

/**
 * Adds a run of events to a conversation's timeline (one copy per run, not
 * per event: a batch may hold hundreds of one conversation's events). An
 * event at or below the revision already applied is a republication (the
 * relay retried after JetStream's duplicate window) and changes nothing.
 *
 * @example
 *   foldTimeline(emptyTimeline('acme', 'c-1'), [{ sequence: 0, entry: { k: 'start', t: 0, channel: 'chat', region: 'eu' } }]);
 */
export function foldTimeline(timeline: ConversationTimeline, events: readonly TimelineEvent[]): ConversationTimeline {
  let seq = timeline.seq;
  const added: TimelineEntry[] = [];
  for (const e of events) {
    if (e.sequence !== undefined) {
      if (e.sequence <= seq) continue;
      seq = e.sequence;
    }
    added.push(e.entry);
  }
  return added.length === 0 ? timeline : { ...timeline, seq, entries: [...timeline.entries, ...added] };
}

/** The valid range of each rating (conversation.proto: CSAT 1-5, NPS 0-10, CES 1-7). */
export const RATING_RANGE: Record<RatingKind, readonly [number, number]> = { csat: [1, 5], nps: [0, 10], ces: [1, 7] };

export const isValidRating = (r: Rating): boolean => Number.isInteger(r.score) && r.score >= RATING_RANGE[r.kind][0] && r.score <= RATING_RANGE[r.kind][1];
