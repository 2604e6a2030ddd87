import { formatValue, scaleSeries, type Box } from './chartScale';
import { h, svg } from './dom';

export interface ChartSpec {
  metric: string;
  title: string;
  unit: 'count' | 'seconds' | 'percent' | 'score';
  kind: 'bars' | 'line';
  /** A fixed value range (NPS: -100..100, CSAT: 0..100). */
  range?: { min: number; max: number };
}

const BOX: Box = { width: 360, height: 180, left: 48, right: 8, top: 10, bottom: 34 };
const MAX_BAR_WIDTH = 24;

/**
 * One metric over time as inline SVG (no chart library): bars for counts,
 * a line with points for averages; a bucket with nothing to average is a
 * gap. The figure has a text alternative, and the numbers are in a table
 * for screen readers.
 */
export function chartOf(spec: ChartSpec, labels: readonly string[], values: readonly (number | null)[]): HTMLElement {
  const scaled = scaleSeries(values, BOX, spec.range, { kind: spec.unit === 'count' ? 'integer' : spec.unit === 'seconds' ? 'seconds' : 'number' });
  const titleId = `chart-${spec.metric}-title`;
  const plot = svg('svg', { viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: 'img', 'aria-labelledby': titleId, className: `chart ${spec.kind}`, focusable: 'false' });
  plot.append(svg('title', { id: titleId }, `${spec.title}: ${describeSeries(labels, values, spec.unit)}`));
  for (const t of scaled.ticks) {
    plot.append(svg('line', { x1: BOX.left, x2: BOX.width - BOX.right, y1: t.y, y2: t.y, className: 'grid' }));
    plot.append(svg('text', { x: BOX.left - 4, y: t.y + 4, className: 'axis', 'text-anchor': 'end' }, formatValue(t.value, spec.unit)));
  }
  if (spec.kind === 'bars') {
    const w = Math.min(MAX_BAR_WIDTH, Math.max(1, scaled.slot * 0.7));
    for (const p of scaled.points) {
      if (p.y === undefined) continue;
      const top = Math.min(p.y, scaled.baseline);
      plot.append(svg('rect', { x: p.x - w / 2, y: top, width: w, height: Math.max(0.5, Math.abs(scaled.baseline - p.y)), className: 'bar' }, svg('title', {}, `${labelAt(labels, scaled.points.indexOf(p))}: ${formatValue(p.value ?? 0, spec.unit)}`)));
    }
  } else {
    // One path per run of present values: a null bucket breaks the line.
    let d = '';
    let pen = false;
    for (const p of scaled.points) {
      if (p.y === undefined) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)} `;
      pen = true;
    }
    if (d) plot.append(svg('path', { d: d.trim(), className: 'line' }));
    scaled.points.forEach((p, i) => {
      if (p.y !== undefined) plot.append(svg('circle', { cx: p.x, cy: p.y, r: 3, className: 'point' }, svg('title', {}, `${labelAt(labels, i)}: ${formatValue(p.value ?? 0, spec.unit)}`)));
    });
  }
  // A few bucket labels along the bottom, not all: they would overlap.
  const every = Math.max(1, Math.ceil(labels.length / 6));
  scaled.points.forEach((p, i) => {
    if (i % every === 0) plot.append(svg('text', { x: p.x, y: BOX.height - BOX.bottom + 16, className: 'axis', 'text-anchor': 'middle' }, shortLabel(labelAt(labels, i))));
  });
  return h(
    'figure',
    { testid: 'desk-chart', 'data-metric': spec.metric, className: 'chart-figure' },
    h('figcaption', {}, spec.title),
    plot,
    h(
      'table',
      { className: 'visually-hidden' },
      h('caption', {}, spec.title),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Period'), h('th', { scope: 'col' }, 'Value'))),
      h('tbody', {}, ...values.map((v, i) => h('tr', {}, h('th', { scope: 'row' }, labelAt(labels, i)), h('td', {}, v === null ? 'no data' : formatValue(v, spec.unit))))),
    ),
  );
}

const labelAt = (labels: readonly string[], i: number) => labels[i] ?? '';
/** "2026-12-05 14:00" → "14:00", "2026-12-05" → "12-05": the chart's title and table keep the whole label. */
const shortLabel = (label: string) => (/\d{2}:\d{2}/.exec(label)?.[0] ?? label.replace(/^\d{4}-/, '')).slice(0, 12);

function describeSeries(labels: readonly string[], values: readonly (number | null)[], unit: ChartSpec['unit']): string {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return 'no data in this period';
  const max = Math.max(...present);
  return `${present.length} of ${values.length} periods with data, highest ${formatValue(max, unit)} (${labelAt(labels, values.indexOf(max))}), latest ${formatValue(present[present.length - 1]!, unit)}`;
}
