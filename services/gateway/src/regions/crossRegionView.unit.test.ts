import { describe, expect, it } from '@jest/globals';
import { addFigures, mergeMetrics, mergeOverview, regionOverviewOf, type FiguresView, type MetricsView, type RegionOverview } from './crossRegionView';

const DAY = { bucketStart: '2026-03-29T00:00:00.000Z', bucketLabel: '2026-03-29' };

/** Figures as the gateway's /v1/metrics shows them: every count (0 unless given), every average null unless given. */
const figures = (given: FiguresView): FiguresView => ({ ...addFigures([]), ...given });

const euView: MetricsView = {
  timeZone: 'Europe/Berlin',
  asOf: '2026-03-30T00:00:00.000Z',
  projectedThrough: 120,
  rows: [
    {
      ...DAY,
      group: 'eu',
      figures: figures({
        conversationsStarted: 4, conversions: 1, conversionPercent: 25,
        firstResponses: 2, firstResponseSecondsAvg: 30,
        csatAnswers: 2, csatPercent: 50, npsAnswers: 2, nps: 50, cesAnswers: 2, cesAvg: 3.5,
        conversationsResolved: 2, resolutionSecondsAvg: 100, firstContactResolutions: 1, fcrPercent: 50,
      }),
    },
    // Invitations nobody accepted have no dimensions: the region answered them under ''.
    { ...DAY, group: '', figures: figures({ invitationsSent: 2, invitationsAccepted: 0, invitationAcceptancePercent: 0 }) },
  ],
};
const usView: MetricsView = {
  timeZone: 'Europe/Berlin',
  asOf: '2026-03-30T00:00:00.000Z',
  projectedThrough: 7,
  rows: [
    {
      ...DAY,
      group: 'us',
      figures: figures({
        conversationsStarted: 1, conversions: 1, conversionPercent: 100,
        firstResponses: 1, firstResponseSecondsAvg: 90,
        csatAnswers: 1, csatPercent: 100, npsAnswers: 1, nps: -100, cesAnswers: 1, cesAvg: 1,
        conversationsResolved: 1, resolutionSecondsAvg: 400, firstContactResolutions: 0, fcrPercent: 0,
        invitationsSent: 1, invitationsAccepted: 1, invitationAcceptancePercent: 100,
      }),
    },
  ],
};

describe('mergeMetrics', () => {
  it('grouped by region: each region row holds that region answer only, and the total recomputes averages from the sums behind them', () => {
    const merged = mergeMetrics('region', [
      { region: 'eu', status: 'ok', answer: euView },
      { region: 'us', status: 'ok', answer: usView },
    ]);

    expect(merged.complete).toBe(true);
    expect(merged.regions).toEqual([{ region: 'eu', status: 'ok', projectedThrough: 120 }, { region: 'us', status: 'ok', projectedThrough: 7 }]);
    expect(merged.rows.map((r) => r.group)).toEqual(['eu', 'us']);
    const eu = merged.rows[0]!.figures;
    // eu's '' row (its invitations) is eu's: 2 sent, none accepted.
    expect(eu).toMatchObject({ conversationsStarted: 4, conversionPercent: 25, invitationsSent: 2, invitationsAccepted: 0, invitationAcceptancePercent: 0, firstResponseSecondsAvg: 30 });
    expect(merged.rows[1]!.figures).toEqual(usView.rows[0]!.figures);

    expect(merged.totals).toHaveLength(1);
    const total = merged.totals[0]!.figures;
    expect(total).toMatchObject({
      conversationsStarted: 5,
      conversions: 2,
      conversionPercent: 40, // 2 of 5, not (25 + 100) / 2
      firstResponses: 3,
      firstResponseSecondsAvg: 50, // (60 s + 90 s) / 3, not (30 + 90) / 2
      csatAnswers: 3,
      nps: 0, // (+1 net) + (−1 net) over 3 answers
      conversationsResolved: 3,
      resolutionSecondsAvg: 200, // (200 s + 400 s) / 3
      firstContactResolutions: 1,
      invitationsSent: 3,
      invitationsAccepted: 1,
      serviceLevelConversations: 0,
      serviceLevelPercent: null,
    });
    expect(total.csatPercent).toBeCloseTo(200 / 3, 10); // 1 + 1 satisfied of 3
    expect(total.cesAvg).toBeCloseTo(8 / 3, 10); // (7 + 1) / 3
    expect(total.fcrPercent).toBeCloseTo(100 / 3, 10);
    expect(total.invitationAcceptancePercent).toBeCloseTo(100 / 3, 10);
    // The total is the regions' rows added up, whichever way it is asked.
    expect(total).toEqual(addFigures(merged.rows.map((r) => r.figures)));
  });

  it('grouped by tenant: the same tenant row of every region is one row, equal to the total', () => {
    const asTenant = (v: MetricsView): MetricsView => ({ ...v, rows: [{ ...DAY, group: 'acme', figures: addFigures(v.rows.map((r) => r.figures)) }] });
    const merged = mergeMetrics('tenant', [
      { region: 'eu', status: 'ok', answer: asTenant(euView) },
      { region: 'us', status: 'ok', answer: asTenant(usView) },
    ]);
    expect(merged.rows).toHaveLength(1);
    expect(merged.rows[0]).toMatchObject({ ...DAY, group: 'acme' });
    expect(merged.rows[0]!.figures).toEqual(merged.totals[0]!.figures);
    expect(merged.rows[0]!.figures).toEqual(mergeMetrics('region', [{ region: 'eu', status: 'ok', answer: euView }, { region: 'us', status: 'ok', answer: usView }]).totals[0]!.figures);
  });

  it('a region that did not answer is named, and the totals say they cover only the others', () => {
    const merged = mergeMetrics('region', [
      { region: 'eu', status: 'ok', answer: euView },
      { region: 'us', status: 'unavailable', reason: 'no answer within 10000 ms' },
    ]);
    expect(merged.complete).toBe(false);
    expect(merged.regions).toEqual([{ region: 'eu', status: 'ok', projectedThrough: 120 }, { region: 'us', status: 'unavailable', reason: 'no answer within 10000 ms' }]);
    expect(merged.rows.map((r) => r.group)).toEqual(['eu']);
    expect(merged.totals[0]!.figures).toMatchObject({ conversationsStarted: 4, conversionPercent: 25, invitationsSent: 2 });
    expect(merged.timeZone).toBe('Europe/Berlin');
  });

  it('rows of different buckets stay apart, sorted by bucket then group', () => {
    const NEXT = { bucketStart: '2026-03-30T00:00:00.000Z', bucketLabel: '2026-03-30' };
    const merged = mergeMetrics('queue', [
      { region: 'eu', status: 'ok', answer: { ...euView, rows: [{ ...NEXT, group: 'q1', figures: figures({ transfers: 1 }) }, { ...DAY, group: 'q2', figures: figures({ transfers: 2 }) }] } },
      { region: 'us', status: 'ok', answer: { ...usView, rows: [{ ...DAY, group: 'q2', figures: figures({ transfers: 3 }) }, { ...DAY, group: 'q1', figures: figures({ transfers: 4 }) }] } },
    ]);
    expect(merged.rows.map((r) => [r.bucketLabel, r.group, r.figures.transfers])).toEqual([
      ['2026-03-29', 'q1', 4],
      ['2026-03-29', 'q2', 5],
      ['2026-03-30', 'q1', 1],
    ]);
    expect(merged.totals.map((t) => [t.bucketLabel, t.figures.transfers])).toEqual([['2026-03-29', 9], ['2026-03-30', 1]]);
  });

  it('gets back the exact sums behind averages that are not whole numbers', () => {
    // 3 replies summing 1000 ms: the average 1/3 s; twice that is 6 replies, 2000 ms.
    const third = figures({ firstResponses: 3, firstResponseSecondsAvg: 1 / 3 });
    expect(addFigures([third, third]).firstResponseSecondsAvg).toBe(2 / 6);
  });

  it('an average missing beside its count makes the total unknown, not wrong', () => {
    expect(addFigures([figures({ responses: 2, responseSecondsAvg: 10 }), figures({ responses: 1, responseSecondsAvg: null })])).toMatchObject({ responses: 3, responseSecondsAvg: null });
  });

  it('nobody answered: no rows, incomplete', () => {
    const merged = mergeMetrics('region', [{ region: 'eu', status: 'unavailable' }]);
    expect(merged).toMatchObject({ complete: false, rows: [], totals: [], regions: [{ region: 'eu', status: 'unavailable' }] });
  });
});

const NOW = Date.parse('2026-03-30T10:05:00.000Z');
const euNow: RegionOverview = {
  queues: [
    { queueId: 'q1', name: 'Sales', waiting: 2, oldestWaitingSince: '2026-03-30T10:00:00.000Z' },
    { queueId: 'q2', name: 'Billing', waiting: 0, oldestWaitingSince: null },
  ],
  agents: { online: 3, away: 1, busy: 0, custom: 0, offline: 4, acceptingWork: 2 },
};
const usNow: RegionOverview = {
  queues: [
    { queueId: 'q1', name: 'Sales US', waiting: 1, oldestWaitingSince: '2026-03-30T09:58:00.000Z' },
    { queueId: 'q3', name: 'Support', waiting: 4, oldestWaitingSince: '2026-03-30T10:04:00.000Z' },
  ],
  agents: { online: 2, away: 0, busy: 1, custom: 1, offline: 0, acceptingWork: 1 },
};

describe('mergeOverview', () => {
  it('adds up depth, takes the longest wait of any region, and counts agents per region and together', () => {
    const view = mergeOverview('all-regions', [{ region: 'eu', status: 'ok', answer: euNow }, { region: 'us', status: 'ok', answer: usNow }], NOW);
    expect(view).toMatchObject({ scope: 'all-regions', asOf: '2026-03-30T10:05:00.000Z', complete: true, regions: [{ region: 'eu', status: 'ok' }, { region: 'us', status: 'ok' }] });
    expect(view.queues).toEqual([
      {
        queueId: 'q1', name: 'Sales', waiting: 3, oldestWaitingSince: '2026-03-30T09:58:00.000Z', longestWaitSeconds: 420,
        byRegion: [
          { region: 'eu', queueId: 'q1', name: 'Sales', waiting: 2, oldestWaitingSince: '2026-03-30T10:00:00.000Z', longestWaitSeconds: 300 },
          { region: 'us', queueId: 'q1', name: 'Sales US', waiting: 1, oldestWaitingSince: '2026-03-30T09:58:00.000Z', longestWaitSeconds: 420 },
        ],
      },
      { queueId: 'q2', name: 'Billing', waiting: 0, oldestWaitingSince: null, longestWaitSeconds: null, byRegion: [{ region: 'eu', queueId: 'q2', name: 'Billing', waiting: 0, oldestWaitingSince: null, longestWaitSeconds: null }] },
      { queueId: 'q3', name: 'Support', waiting: 4, oldestWaitingSince: '2026-03-30T10:04:00.000Z', longestWaitSeconds: 60, byRegion: [{ region: 'us', queueId: 'q3', name: 'Support', waiting: 4, oldestWaitingSince: '2026-03-30T10:04:00.000Z', longestWaitSeconds: 60 }] },
    ]);
    expect(view.agents).toEqual({
      online: 5, away: 1, busy: 1, custom: 1, offline: 4, acceptingWork: 3,
      byRegion: [{ region: 'eu', ...euNow.agents }, { region: 'us', ...usNow.agents }],
    });
  });

  it('a region that did not answer is named and its queues and agents are not in the totals', () => {
    const view = mergeOverview('all-regions', [{ region: 'eu', status: 'ok', answer: euNow }, { region: 'us', status: 'unavailable', reason: 'unreachable' }], NOW);
    expect(view.complete).toBe(false);
    expect(view.regions).toEqual([{ region: 'eu', status: 'ok' }, { region: 'us', status: 'unavailable', reason: 'unreachable' }]);
    expect(view.queues.map((q) => [q.queueId, q.waiting, q.longestWaitSeconds])).toEqual([['q1', 2, 300], ['q2', 0, null]]);
    expect(view.agents).toMatchObject({ online: 3, busy: 0, byRegion: [{ region: 'eu' }] });
  });

  it('a region one-region view gives back its own figures, so a forwarded answer merges like a local one', () => {
    const one = mergeOverview('region', [{ region: 'us', status: 'ok', answer: usNow }], NOW);
    expect(regionOverviewOf(JSON.parse(JSON.stringify(one)))).toEqual(usNow);
  });
});
