/**
 * One supervisor view over every region: each region answers for itself (its
 * own services, its own event store), and these pure functions merge the
 * answers. A region that did not answer is named in `regions` and left out of
 * every total, and `complete` says whether the totals cover them all: a
 * partial figure is never passed off as the whole.
 *
 * Metrics: counts add up; an average or percentage is recomputed from the
 * sums behind it (average × its count), never averaged across regions. The
 * survey service keeps those sums whole (milliseconds, answers, integer
 * scores), so rounding average × count gives back each region's exact sum, and
 * the merged figure is the one one survey service would compute over all the
 * regions' data.
 *
 * @example
 *   mergeMetrics('region', [{ region: 'eu', status: 'ok', answer: euView }, { region: 'us', status: 'unavailable' }]);
 *   // → rows of group 'eu' only, totals = eu's, complete: false, regions: [{ region: 'eu', status: 'ok' }, { region: 'us', status: 'unavailable' }]
 */

export type RegionStatus = 'ok' | 'unavailable';
export type RegionOutcome<T> = { region: string; status: 'ok'; answer: T } | { region: string; status: 'unavailable'; reason?: string };
export interface RegionState {
  region: string;
  status: RegionStatus;
  /** Why a region is missing (unreachable, or what it answered). */
  reason?: string;
}

// ---- metrics ---------------------------------------------------------------

export type FiguresView = Record<string, number | null>;
export interface MetricsRowView {
  bucketStart: string | null;
  bucketLabel: string;
  group: string;
  figures: FiguresView;
}
/** GET /v1/metrics as one region answers it. */
export interface MetricsView {
  timeZone: string;
  asOf?: string;
  projectedThrough: number;
  rows: MetricsRowView[];
}
export interface CrossRegionMetrics extends MetricsView {
  scope: 'all-regions';
  complete: boolean;
  regions: (RegionState & { projectedThrough?: number })[];
  /** Per bucket, every row's figures together: the tenant total of the answering regions. */
  totals: Omit<MetricsRowView, 'group'>[];
}

export const METRIC_COUNTS = [
  'conversationsStarted', 'conversationsResolved', 'firstResponses', 'responses', 'firstContactResolutions', 'csatAnswers', 'npsAnswers', 'cesAnswers',
  'conversions', 'invitationsSent', 'invitationsAccepted', 'transfers', 'reopens', 'serviceLevelConversations', 'serviceLevelMet',
] as const;

/**
 * Each average with the count it is taken over and the scale that makes
 * average × count × scale the whole number the survey service summed
 * (milliseconds for seconds, answers for percentages, net promoters for NPS).
 */
export const METRIC_AVERAGES: readonly (readonly [average: string, count: (typeof METRIC_COUNTS)[number], scale: number])[] = [
  ['firstResponseSecondsAvg', 'firstResponses', 1000],
  ['firstResponseBusinessSecondsAvg', 'firstResponses', 1000],
  ['responseSecondsAvg', 'responses', 1000],
  ['responseBusinessSecondsAvg', 'responses', 1000],
  ['resolutionSecondsAvg', 'conversationsResolved', 1000],
  ['fcrPercent', 'conversationsResolved', 0.01],
  ['csatPercent', 'csatAnswers', 0.01],
  ['nps', 'npsAnswers', 0.01],
  ['cesAvg', 'cesAnswers', 1],
  ['conversionPercent', 'conversationsStarted', 0.01],
  ['invitationAcceptancePercent', 'invitationsSent', 0.01],
  ['serviceLevelPercent', 'serviceLevelConversations', 0.01],
];

/** Counts and the sums behind the averages; NaN marks a sum a region could not give (an average missing beside a count). */
type Sums = Record<string, number>;

function sumsOf(f: FiguresView): Sums {
  const s: Sums = {};
  for (const k of METRIC_COUNTS) s[k] = Number(f[k] ?? 0);
  for (const [avg, count, scale] of METRIC_AVERAGES) {
    const n = s[count]!;
    const value = f[avg];
    s[avg] = n === 0 ? 0 : value === null || value === undefined ? Number.NaN : Math.round(value * n * scale);
  }
  return s;
}

function addSums(into: Sums, s: Sums): void {
  for (const [k, v] of Object.entries(s)) into[k] = (into[k] ?? 0) + v;
}

function figuresOfSums(s: Sums): FiguresView {
  const out: FiguresView = {};
  for (const k of METRIC_COUNTS) out[k] = s[k] ?? 0;
  for (const [avg, count, scale] of METRIC_AVERAGES) {
    const n = s[count] ?? 0;
    const sum = s[avg] ?? 0;
    out[avg] = n > 0 && Number.isFinite(sum) ? sum / n / scale : null;
  }
  return out;
}

/** Adds figures the way one survey service over all their data would have computed them. */
export function addFigures(figures: readonly FiguresView[]): FiguresView {
  const total: Sums = {};
  for (const f of figures) addSums(total, sumsOf(f));
  return figuresOfSums(total);
}

const bucketKey = (r: Pick<MetricsRowView, 'bucketStart' | 'bucketLabel'>) => `${r.bucketStart ?? ''}|${r.bucketLabel}`;
const byBucketThenGroup = (a: MetricsRowView, b: MetricsRowView) =>
  (a.bucketStart ?? '').localeCompare(b.bucketStart ?? '') || a.bucketLabel.localeCompare(b.bucketLabel) || a.group.localeCompare(b.group);

/**
 * Merges each region's own answer to one metrics query. Grouped by region, a
 * region's row holds everything its answer counted, whatever group that
 * answer gave it (invitations nobody accepted have none; conversations from
 * before regions may carry an old name): the region's own figures come from
 * that region only, and the rows add up to the totals. Other groupings
 * (tenant, team, queue, …) add up the rows of the same bucket and group.
 * `regions` lists the regions in the order given (this region first); the
 * time zone and `asOf` are the first answering region's (the caller asks the
 * others with the same ones, so that buckets line up).
 */
export function mergeMetrics(groupBy: string, outcomes: readonly RegionOutcome<MetricsView>[]): CrossRegionMetrics {
  const cells = new Map<string, { row: Omit<MetricsRowView, 'figures'>; figures: FiguresView[] }>();
  const totals = new Map<string, { row: Omit<MetricsRowView, 'group' | 'figures'>; figures: FiguresView[] }>();
  const answered = outcomes.filter((o): o is Extract<RegionOutcome<MetricsView>, { status: 'ok' }> => o.status === 'ok');
  for (const { region, answer } of answered) {
    for (const r of answer.rows) {
      const group = groupBy === 'region' ? region : r.group;
      const key = `${bucketKey(r)}|${group}`;
      const cell = cells.get(key) ?? { row: { bucketStart: r.bucketStart, bucketLabel: r.bucketLabel, group }, figures: [] };
      cell.figures.push(r.figures);
      cells.set(key, cell);
      const total = totals.get(bucketKey(r)) ?? { row: { bucketStart: r.bucketStart, bucketLabel: r.bucketLabel }, figures: [] };
      total.figures.push(r.figures);
      totals.set(bucketKey(r), total);
    }
  }
  const first = answered[0]?.answer;
  return {
    scope: 'all-regions',
    complete: answered.length === outcomes.length,
    regions: outcomes.map((o) => (o.status === 'ok' ? { region: o.region, status: o.status, projectedThrough: o.answer.projectedThrough } : regionState(o))),
    timeZone: first?.timeZone ?? '',
    ...(first?.asOf ? { asOf: first.asOf } : {}),
    projectedThrough: first?.projectedThrough ?? 0,
    rows: [...cells.values()].map((c) => ({ ...c.row, figures: addFigures(c.figures) })).sort(byBucketThenGroup),
    totals: [...totals.values()]
      .map((t) => ({ ...t.row, figures: addFigures(t.figures) }))
      .sort((a, b) => (a.bucketStart ?? '').localeCompare(b.bucketStart ?? '') || a.bucketLabel.localeCompare(b.bucketLabel)),
  };
}

const regionState = (o: { region: string; status: RegionStatus; reason?: string }): RegionState => ({ region: o.region, status: o.status, ...(o.reason ? { reason: o.reason } : {}) });

// ---- queues and agents -----------------------------------------------------

export interface QueueLoad {
  queueId: string;
  name: string;
  /** Conversations waiting in the queue now. */
  waiting: number;
  /** Since when the longest-waiting one waits (null: nobody waits). */
  oldestWaitingSince: string | null;
}
export const AGENT_STATUSES = ['online', 'away', 'busy', 'custom', 'offline'] as const;
export type AgentCounts = Record<(typeof AGENT_STATUSES)[number] | 'acceptingWork', number>;
/** What one region's services say now. */
export interface RegionOverview {
  queues: QueueLoad[];
  agents: AgentCounts;
}
type QueueFigures = QueueLoad & { longestWaitSeconds: number | null };
export interface SupervisorOverview {
  scope: 'region' | 'all-regions';
  asOf: string;
  complete: boolean;
  regions: RegionState[];
  /** Per queue: the answering regions' figures together (waiting added up, the longest wait the longest of any), and each region's. */
  queues: (QueueFigures & { byRegion: (QueueFigures & { region: string })[] })[];
  agents: AgentCounts & { byRegion: (AgentCounts & { region: string })[] };
}

const emptyCounts = (): AgentCounts => ({ online: 0, away: 0, busy: 0, custom: 0, offline: 0, acceptingWork: 0 });
const earliest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(b) < Date.parse(a) ? b : a);
const waitSeconds = (since: string | null, nowMs: number) => (since === null ? null : Math.max(0, Math.floor((nowMs - Date.parse(since)) / 1000)));

/**
 * Queue depth, waiting times and agents per region and together, as of
 * `nowMs` (longest wait = now − the earliest waiting-since of any answering
 * region). An agent's presence lives in the one region their desk connects
 * to, so adding the regions' counts counts each person once. A queue's name is
 * the first answering region's that has the queue.
 */
export function mergeOverview(scope: SupervisorOverview['scope'], outcomes: readonly RegionOutcome<RegionOverview>[], nowMs: number): SupervisorOverview {
  const queues = new Map<string, SupervisorOverview['queues'][number]>();
  const agents: SupervisorOverview['agents'] = { ...emptyCounts(), byRegion: [] };
  for (const o of outcomes) {
    if (o.status !== 'ok') continue;
    for (const q of o.answer.queues) {
      const mine = { region: o.region, ...q, longestWaitSeconds: waitSeconds(q.oldestWaitingSince, nowMs) };
      const all = queues.get(q.queueId) ?? { queueId: q.queueId, name: q.name, waiting: 0, oldestWaitingSince: null, longestWaitSeconds: null, byRegion: [] };
      all.waiting += q.waiting;
      all.oldestWaitingSince = earliest(all.oldestWaitingSince, q.oldestWaitingSince);
      all.longestWaitSeconds = waitSeconds(all.oldestWaitingSince, nowMs);
      all.name ||= q.name;
      all.byRegion.push(mine);
      queues.set(q.queueId, all);
    }
    const counts = { ...emptyCounts(), ...o.answer.agents };
    for (const k of Object.keys(emptyCounts()) as (keyof AgentCounts)[]) agents[k] += counts[k];
    agents.byRegion.push({ region: o.region, ...counts });
  }
  return {
    scope,
    asOf: new Date(nowMs).toISOString(),
    complete: outcomes.every((o) => o.status === 'ok'),
    regions: outcomes.map(regionState),
    queues: [...queues.values()].sort((a, b) => a.queueId.localeCompare(b.queueId)),
    agents,
  };
}

/** A region's own figures back out of its one-region overview (what a region answers a forwarded request with). */
export function regionOverviewOf(view: Pick<SupervisorOverview, 'queues' | 'agents'>): RegionOverview {
  const { byRegion: _, ...agents } = view.agents;
  return {
    queues: view.queues.map((q) => ({ queueId: q.queueId, name: q.name, waiting: q.waiting, oldestWaitingSince: q.oldestWaitingSince })),
    agents: { ...emptyCounts(), ...agents },
  };
}
