/**
 * A conversation as it stood at an instant, derived from its timeline with
 * only the events that occurred at or before that instant: its dimensions,
 * its first response, its response waits, its final resolution, transfers,
 * reopens, tags and survey ratings. This is where the support-team
 * definitions of design.md become rules:
 *
 * - FRT runs from the customer's first message or the queueing, whichever
 *   came first, to the first AGENT message after it; bot replies never end
 *   it. A conversation resolved before any agent replied has no FRT (a later
 *   reply after a reopen is not a first response).
 * - A response wait starts at a customer message when none is running and
 *   ends at the next agent message; further customer messages join the
 *   running wait. A resolution ends a wait without a reply (the customer's
 *   "thanks, bye" is not a question).
 * - The resolution is the last one, if no reopen followed it: a reopened
 *   conversation counts its full span, once, at its final resolution.
 * - Service level: the first reply is due at the due time of the latest
 *   queueing that carried one before the first response settled. It is met
 *   when the first agent reply came at or before it (counted at the reply),
 *   missed once the due time passed without one (counted at the due time,
 *   so a late reply does not move it); a conversation resolved before its
 *   due time without a reply asked for none and does not count.
 * - Dimensions are the latest as of the instant: the last queue and team,
 *   the last agent assigned (a transfer to a team keeps the last agent until
 *   someone is assigned), the channel and region it started with.
 */
import type { Rating, TimelineEntry } from '../projection/timeline';

export interface Span {
  fromMs: number;
  toMs: number;
}

export interface ConversationAsOf {
  startedAt: number;
  channel: string;
  region: string;
  queue: string;
  team: string;
  agent: string;
  tags: ReadonlySet<string>;
  firstResponse: Span | undefined;
  /** The first-reply promise as it stands: met or missed and when it counts; undefined when none was made or none is decided yet. */
  serviceLevel: { met: boolean; at: number } | undefined;
  responses: Span[];
  /** The final resolution; undefined while open (never resolved, or reopened since). */
  resolvedAt: number | undefined;
  transfers: number[];
  /** Each reopen, with how long after the resolution before it. */
  reopens: { at: number; afterResolutionMs: number }[];
  /** Per survey answered: when first answered, and the latest revision's ratings. */
  surveys: { firstAnsweredAt: number; ratings: Rating[] }[];
}

/** The conversation as of `asOfMs`, or undefined if it had not started by then (or its start is unknown). */
export function conversationAsOf(entries: readonly TimelineEntry[], asOfMs: number): ConversationAsOf | undefined {
  let startedAt: number | undefined;
  let channel = '', region = '', queue = '', team = '', agent = '';
  const tags = new Set<string>();
  let frtFrom: number | undefined;
  let frtSettled = false;
  let firstResponse: Span | undefined;
  let dueMs: number | undefined;
  let settledWithoutReplyAt: number | undefined;
  let waitFrom: number | undefined;
  const responses: Span[] = [];
  let resolvedAt: number | undefined;
  let lastResolution: number | undefined;
  const transfers: number[] = [];
  const reopens: ConversationAsOf['reopens'] = [];
  const surveys = new Map<string, { firstAnsweredAt: number; rev: number; ratings: Rating[] }>();

  for (const e of entries) {
    if (e.t > asOfMs) continue;
    switch (e.k) {
      case 'start':
        startedAt = e.t;
        channel = e.channel;
        region = e.region;
        break;
      case 'msg':
        if (e.by === 'customer') {
          if (!frtSettled) frtFrom ??= e.t;
          waitFrom ??= e.t;
        } else if (e.by === 'agent') {
          if (!frtSettled && frtFrom !== undefined) {
            firstResponse = { fromMs: frtFrom, toMs: e.t };
            frtSettled = true;
          }
          if (waitFrom !== undefined) responses.push({ fromMs: waitFrom, toMs: e.t });
          waitFrom = undefined;
        }
        break;
      case 'queue':
        queue = e.queue;
        team = e.team;
        if (!frtSettled) {
          frtFrom ??= e.t;
          if (e.due !== undefined) dueMs = e.due;
        }
        break;
      case 'assign':
        agent = e.agent;
        break;
      case 'transfer':
        transfers.push(e.t);
        if (e.toAgent) agent = e.toAgent;
        if (e.toTeam) team = e.toTeam;
        break;
      case 'tags':
        for (const t of e.add) tags.add(t);
        for (const t of e.remove) tags.delete(t);
        break;
      case 'resolve':
        resolvedAt = lastResolution = e.t;
        waitFrom = undefined;
        if (!frtSettled) settledWithoutReplyAt = e.t;
        frtSettled = true;
        break;
      case 'reopen':
        reopens.push({ at: e.t, afterResolutionMs: lastResolution === undefined ? Infinity : e.t - lastResolution });
        resolvedAt = undefined;
        break;
      case 'answer': {
        const seen = surveys.get(e.survey);
        if (!seen) surveys.set(e.survey, { firstAnsweredAt: e.t, rev: e.rev, ratings: e.ratings });
        else {
          seen.firstAnsweredAt = Math.min(seen.firstAnsweredAt, e.t);
          // The latest revision replaces the answers; an older one arriving late does not.
          if (e.rev >= seen.rev) Object.assign(seen, { rev: e.rev, ratings: e.ratings });
        }
        break;
      }
      default: {
        const unknown: never = e;
        void unknown;
      }
    }
  }
  if (startedAt === undefined) return undefined;
  return {
    startedAt,
    channel,
    region,
    queue,
    team,
    agent,
    tags,
    firstResponse,
    serviceLevel: serviceLevelOf(dueMs, firstResponse, settledWithoutReplyAt, asOfMs),
    responses,
    resolvedAt,
    transfers,
    reopens,
    surveys: [...surveys.values()].map(({ firstAnsweredAt, ratings }) => ({ firstAnsweredAt, ratings })),
  };
}

function serviceLevelOf(dueMs: number | undefined, reply: Span | undefined, resolvedUnansweredAt: number | undefined, asOfMs: number): ConversationAsOf['serviceLevel'] {
  if (dueMs === undefined) return undefined;
  if (reply && reply.toMs <= dueMs) return { met: true, at: reply.toMs };
  if (resolvedUnansweredAt !== undefined && resolvedUnansweredAt <= dueMs) return undefined;
  return dueMs <= asOfMs ? { met: false, at: dueMs } : undefined;
}
