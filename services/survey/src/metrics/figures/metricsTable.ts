/**
 * The figures of a GetMetrics query, from the timelines of the conversations
 * with activity in the range and the invitations sent in it. Pure: the
 * settings, the query's instants and the data come in; rows come out.
 *
 * Each figure is counted in the bucket of the moment it measures:
 * - volume and conversion: the start (conversion = started conversations
 *   carrying a conversion tag as of `asOf`, over started);
 * - FRT and response times: the agent's reply;
 * - service level: the first reply when it came in time, else the due time;
 * - resolutions, ART and FCR: the final resolution;
 * - transfers, reopens: when they happened;
 * - CSAT, NPS, CES: the first answer of each survey, with the latest
 *   revision's scores as of `asOf`;
 * - invitations: when sent, accepted if accepted by `asOf`; an accepted
 *   invitation takes its conversation's dimensions, others have none (they
 *   count under the group '' and no dimension filter keeps them).
 *
 * FCR: resolved, never transferred, and no reopen within the FCR window
 * after a resolution. A resolution whose window is still open at `asOf`
 * counts as first-contact while no reopen has come (the dashboard shows it
 * today; a later reopen within the window moves the conversation to its new
 * final resolution and takes the credit away, which a query with a later
 * `asOf` shows).
 *
 * Sums are kept in integer milliseconds, so the result does not depend on
 * the order rows came from the database: a replay gives identical figures.
 */
import type { MetricFigures } from '@contactcenter/proto/survey/v1';
import type { Rating, TimelineEntry } from '../projection/timeline';
import type { BusinessCalendar } from '../time/businessHours';
import { bucketing, type BucketKind } from '../time/buckets';
import { conversationAsOf, type ConversationAsOf, type Span } from './conversationAsOf';

export type Dimension = 'tenant' | 'team' | 'agent' | 'channel' | 'queue' | 'region';
type DimensionValues = Pick<ConversationAsOf, 'team' | 'agent' | 'channel' | 'queue' | 'region'>;

export interface MetricsQuery {
  /** [fromMs, toMs): instants; buckets are cut in `timeZone`. */
  fromMs: number;
  toMs: number;
  /** Only events that occurred at or before this instant count. */
  asOfMs: number;
  bucket: BucketKind;
  groupBy: Dimension;
  timeZone: string;
  /** Only conversations whose dimension equals each given value. */
  filters: Partial<DimensionValues>;
}

export interface MetricsPolicy {
  fcrWindowMs: number;
  conversionTags: ReadonlySet<string>;
  /** The queue's opening hours; a queue without any is always open. */
  calendarOf(queueId: string): BusinessCalendar;
}

export interface InvitationRecord {
  invitationId: string;
  sentAt: number | undefined;
  acceptedAt: number | undefined;
  conversationId: string;
}

export interface MetricsRowData {
  bucketStartMs: number | undefined;
  label: string;
  group: string;
  figures: MetricFigures;
}

interface Tally {
  started: number; conversions: number;
  resolved: number; resolutionMs: number; fcr: number;
  firstResponses: number; frtMs: number; frtOpenMs: number;
  responses: number; responseMs: number; responseOpenMs: number;
  csat: number; satisfied: number; nps: number; promoters: number; detractors: number; ces: number; cesSum: number;
  invitationsSent: number; invitationsAccepted: number;
  transfers: number; reopens: number;
  serviceLevel: number; serviceLevelMet: number;
}

const emptyTally = (): Tally => ({
  started: 0, conversions: 0, resolved: 0, resolutionMs: 0, fcr: 0, firstResponses: 0, frtMs: 0, frtOpenMs: 0,
  responses: 0, responseMs: 0, responseOpenMs: 0, csat: 0, satisfied: 0, nps: 0, promoters: 0, detractors: 0, ces: 0, cesSum: 0,
  invitationsSent: 0, invitationsAccepted: 0, transfers: 0, reopens: 0, serviceLevel: 0, serviceLevelMet: 0,
});

const NO_DIMENSIONS: DimensionValues = { team: '', agent: '', channel: '', queue: '', region: '' };

/**
 * @example
 *   metricsRows('acme', { fromMs, toMs, asOfMs: Date.now(), bucket: 'day', groupBy: 'team', timeZone: 'America/Sao_Paulo', filters: {} },
 *     policy, [{ conversationId: 'c-1', entries }], []);
 */
export function metricsRows(
  tenantId: string,
  query: MetricsQuery,
  policy: MetricsPolicy,
  timelines: Iterable<{ conversationId: string; entries: readonly TimelineEntry[] }>,
  invitations: Iterable<InvitationRecord>,
): MetricsRowData[] {
  const buckets = bucketing(query.bucket, query.timeZone);
  const cells = new Map<string, { bucketStartMs: number | undefined; label: string; group: string; tally: Tally }>();
  const inRange = (t: number) => t >= query.fromMs && t < query.toMs && t <= query.asOfMs;
  const keeps = (d: DimensionValues) => (Object.keys(query.filters) as (keyof DimensionValues)[]).every((k) => query.filters[k] === undefined || query.filters[k] === d[k]);
  const groupOf = (d: DimensionValues) => (query.groupBy === 'tenant' ? tenantId : d[query.groupBy]);
  const tallyAt = (t: number, group: string): Tally => {
    const b = buckets.of(t);
    const key = `${b.startMs ?? ''}|${group}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { bucketStartMs: b.startMs, label: b.label, group, tally: emptyTally() }));
    return cell.tally;
  };

  const asOf = new Map<string, ConversationAsOf>();
  for (const { conversationId, entries } of timelines) {
    const c = conversationAsOf(entries, query.asOfMs);
    if (!c) continue;
    asOf.set(conversationId, c);
    if (!keeps(c)) continue;
    const group = groupOf(c);
    const at = (t: number, count: (tally: Tally) => void) => inRange(t) && count(tallyAt(t, group));
    const calendar = policy.calendarOf(c.queue);
    const waited = (s: Span) => [s.toMs - s.fromMs, calendar.openMsBetween(s.fromMs, s.toMs)] as const;

    at(c.startedAt, (t) => {
      t.started++;
      if ([...c.tags].some((tag) => policy.conversionTags.has(tag))) t.conversions++;
    });
    const frt = c.firstResponse;
    if (frt) at(frt.toMs, (t) => {
      const [ms, openMs] = waited(frt);
      t.firstResponses++;
      t.frtMs += ms;
      t.frtOpenMs += openMs;
    });
    const sl = c.serviceLevel;
    if (sl) at(sl.at, (t) => {
      t.serviceLevel++;
      if (sl.met) t.serviceLevelMet++;
    });
    for (const r of c.responses) at(r.toMs, (t) => {
      const [ms, openMs] = waited(r);
      t.responses++;
      t.responseMs += ms;
      t.responseOpenMs += openMs;
    });
    const resolvedAt = c.resolvedAt;
    if (resolvedAt !== undefined) at(resolvedAt, (t) => {
      t.resolved++;
      t.resolutionMs += resolvedAt - c.startedAt;
      if (c.transfers.length === 0 && !c.reopens.some((r) => r.afterResolutionMs <= policy.fcrWindowMs)) t.fcr++;
    });
    for (const tr of c.transfers) at(tr, (t) => t.transfers++);
    for (const r of c.reopens) at(r.at, (t) => t.reopens++);
    for (const s of c.surveys) at(s.firstAnsweredAt, (t) => {
      for (const r of s.ratings) countRating(t, r);
    });
  }

  for (const inv of invitations) {
    if (inv.sentAt === undefined || !inRange(inv.sentAt)) continue;
    const accepted = inv.acceptedAt !== undefined && inv.acceptedAt <= query.asOfMs;
    const dims = (accepted && asOf.get(inv.conversationId)) || NO_DIMENSIONS;
    if (!keeps(dims)) continue;
    const t = tallyAt(inv.sentAt, groupOf(dims));
    t.invitationsSent++;
    if (accepted) t.invitationsAccepted++;
  }

  return [...cells.values()]
    .sort((a, b) => (a.bucketStartMs ?? 0) - (b.bucketStartMs ?? 0) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    .map(({ bucketStartMs, label, group, tally }) => ({ bucketStartMs, label, group, figures: figuresOf(tally) }));
}

/** CSAT: satisfied = 4 or 5; NPS: promoters 9-10, detractors 0-6; CES: summed for the average. */
function countRating(t: Tally, r: Rating): void {
  switch (r.kind) {
    case 'csat':
      t.csat++;
      if (r.score >= 4) t.satisfied++;
      break;
    case 'nps':
      t.nps++;
      if (r.score >= 9) t.promoters++;
      else if (r.score <= 6) t.detractors++;
      break;
    case 'ces':
      t.ces++;
      t.cesSum += r.score;
      break;
  }
}

const avgSeconds = (sumMs: number, n: number) => (n > 0 ? sumMs / n / 1000 : undefined);
const percent = (part: number, n: number) => (n > 0 ? (part * 100) / n : undefined);

export function figuresOf(t: Tally): MetricFigures {
  return {
    conversationsStarted: t.started,
    conversationsResolved: t.resolved,
    firstResponses: t.firstResponses,
    firstResponseSecondsAvg: avgSeconds(t.frtMs, t.firstResponses),
    firstResponseBusinessSecondsAvg: avgSeconds(t.frtOpenMs, t.firstResponses),
    responses: t.responses,
    responseSecondsAvg: avgSeconds(t.responseMs, t.responses),
    responseBusinessSecondsAvg: avgSeconds(t.responseOpenMs, t.responses),
    resolutionSecondsAvg: avgSeconds(t.resolutionMs, t.resolved),
    firstContactResolutions: t.fcr,
    fcrPercent: percent(t.fcr, t.resolved),
    csatAnswers: t.csat,
    csatPercent: percent(t.satisfied, t.csat),
    npsAnswers: t.nps,
    nps: t.nps > 0 ? ((t.promoters - t.detractors) * 100) / t.nps : undefined,
    cesAnswers: t.ces,
    cesAvg: t.ces > 0 ? t.cesSum / t.ces : undefined,
    conversions: t.conversions,
    conversionPercent: percent(t.conversions, t.started),
    invitationsSent: t.invitationsSent,
    invitationsAccepted: t.invitationsAccepted,
    invitationAcceptancePercent: percent(t.invitationsAccepted, t.invitationsSent),
    transfers: t.transfers,
    reopens: t.reopens,
    serviceLevelConversations: t.serviceLevel,
    serviceLevelMet: t.serviceLevelMet,
    serviceLevelPercent: percent(t.serviceLevelMet, t.serviceLevel),
  };
}
