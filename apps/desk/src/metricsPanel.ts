import type { ContactCenterClient } from '@contactcenter/client';
import { chartOf, type ChartSpec } from './charts';
import { fill, h } from './dom';
import { fillBuckets } from './metricBuckets';
import type { ProblemBanner } from './problems';
import type { Figures, MetricsRow } from './types';

const CHARTS: (ChartSpec & { figure: keyof Figures })[] = [
  { metric: 'volume', figure: 'conversationsStarted', title: 'Volume (conversations started)', unit: 'count', kind: 'bars' },
  { metric: 'first-response', figure: 'firstResponseSecondsAvg', title: 'First response time (average)', unit: 'seconds', kind: 'line' },
  { metric: 'resolution', figure: 'resolutionSecondsAvg', title: 'Resolution time (average)', unit: 'seconds', kind: 'line' },
  { metric: 'csat', figure: 'csatPercent', title: 'CSAT (% satisfied)', unit: 'percent', kind: 'line', range: { min: 0, max: 100 } },
  { metric: 'nps', figure: 'nps', title: 'NPS', unit: 'score', kind: 'line', range: { min: -100, max: 100 } },
  { metric: 'ces', figure: 'cesAvg', title: 'CES (average effort)', unit: 'score', kind: 'line' },
];

const PERIODS = {
  day: { label: 'Last 24 hours, by hour', hours: 24, bucket: 'hour' },
  week: { label: 'Last 7 days, by day', hours: 24 * 7, bucket: 'day' },
  month: { label: 'Last 30 days, by day', hours: 24 * 30, bucket: 'day' },
} as const;

/**
 * Service metrics over time as charts (volume, first response, resolution,
 * CSAT, NPS, CES), bucketed by hour or day in the tenant's time zone: the
 * gateway answers in it when the desk asks for none, and says which.
 */
export class MetricsPanel {
  readonly element: HTMLElement;
  private readonly charts = h('div', { className: 'charts' });
  private readonly note = h('p', { className: 'hint' });
  private readonly period = h('select', { id: 'desk-metrics-period' }, ...Object.entries(PERIODS).map(([k, p]) => h('option', { value: k }, p.label)));

  constructor(private readonly deps: { client: ContactCenterClient; banner: ProblemBanner }) {
    this.period.addEventListener('change', () => void this.load());
    this.element = h(
      'section',
      { className: 'panel', testid: 'desk-metrics', 'aria-labelledby': 'metrics-title' },
      h('h3', { id: 'metrics-title' }, 'Service metrics'),
      h('div', { className: 'inline' }, h('label', { for: 'desk-metrics-period' }, 'Period'), this.period, h('button', { type: 'button', onClick: () => void this.load() }, 'Refresh')),
      this.note,
      this.charts,
    );
  }

  async load(): Promise<void> {
    const period = PERIODS[this.period.value as keyof typeof PERIODS] ?? PERIODS.day;
    const to = Date.now();
    const from = to - period.hours * 3_600_000;
    try {
      const res = await this.deps.client.GET('/v1/metrics', { params: { query: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: period.bucket } } });
      const rows = fillBuckets(oneGroup(res.rows ?? []), { from, to, bucket: period.bucket, timeZone: res.timeZone });
      const asOf = res.asOf ? `, as of ${new Date(res.asOf).toLocaleString(undefined, res.timeZone ? { timeZone: res.timeZone } : {})}` : '';
      fill(this.note, `Times in ${res.timeZone || 'UTC'}${asOf}.`);
      const labels = rows.map((r) => r.bucketLabel ?? r.bucketStart ?? '');
      fill(
        this.charts,
        ...CHARTS.map((spec) =>
          chartOf(
            spec,
            labels,
            // An empty bucket counted nothing; it has no average.
            rows.map((r) => numberOrNull(r.figures?.[spec.figure]) ?? (spec.unit === 'count' ? 0 : null)),
          ),
        ),
      );
    } catch (err) {
      this.deps.banner.show(err, 'Loading the metrics');
    }
  }
}

/** One series: the rows of the first group (the tenant's, as asked), in time order. */
function oneGroup(rows: MetricsRow[]): MetricsRow[] {
  const group = rows[0]?.group;
  return rows.filter((r) => r.group === group);
}

const numberOrNull = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
