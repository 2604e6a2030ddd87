/**
 * Scaling a metric's series into a chart's box: pure numbers, so the SVG
 * code only draws. Gaps (null: nothing to average in that bucket) stay gaps.
 */
export interface Box {
  width: number;
  height: number;
  /** Room on the left for the axis labels, and at the bottom for bucket labels. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export interface Scaled {
  /** The top of the axis: a "nice" number at or above the largest value (or the fixed range's top). */
  max: number;
  min: number;
  /** Axis ticks, bottom to top, with their y. */
  ticks: { value: number; y: number }[];
  /** One point per bucket; y undefined where the value is null. */
  points: { x: number; y: number | undefined; value: number | null }[];
  /** The width of a bucket's slot (for bars). */
  slot: number;
  /** The y of the value 0 (the bars' base). */
  baseline: number;
}

/** 1, 2, 2.5 or 5 times a power of ten, at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value - 1e-9) return step * power;
  return 10 * power;
}

/**
 * @example
 *   scaleSeries([0, 5, null, 10], box).max; // 10
 *   scaleSeries([0, 1], box, undefined, { kind: 'integer' }).max; // 4: ticks 0, 1, 2, 3, 4
 *   scaleSeries([-20, 40], box, { min: -100, max: 100 }).ticks.length; // 5
 */
/** Steps that read well on a time axis: seconds, minutes, hours. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The smallest step of an axis of four that reaches `span`: whole for counts, whole seconds, minutes or hours for times. */
export function niceStep(span: number, kind: 'number' | 'integer' | 'seconds' = 'number'): number {
  if (kind === 'seconds') return TIME_STEPS.find((s) => s * 4 >= span) ?? niceCeiling(span / 4 / 86400) * 86400;
  const step = niceCeiling(span / 4);
  return kind === 'integer' ? Math.max(1, step) : step;
}

export function scaleSeries(values: readonly (number | null)[], box: Box, range?: { min: number; max: number }, opts: { kind?: 'number' | 'integer' | 'seconds' } = {}): Scaled {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const min = range?.min ?? Math.min(0, ...present);
  // Four equal steps of a nice size, so that every tick is a round number.
  const max = range?.max ?? min + 4 * niceStep(Math.max(0, ...present) - min, opts.kind);
  const plotW = Math.max(1, box.width - box.left - box.right);
  const plotH = Math.max(1, box.height - box.top - box.bottom);
  const yOf = (v: number) => box.top + plotH - ((Math.min(max, Math.max(min, v)) - min) / (max - min || 1)) * plotH;
  const slot = plotW / Math.max(1, values.length);
  const points = values.map((value, i) => ({
    x: box.left + slot * i + slot / 2,
    y: value === null || !Number.isFinite(value) ? undefined : yOf(value),
    value,
  }));
  const ticks = [0, 1, 2, 3, 4].map((i) => {
    const value = min + ((max - min) * i) / 4;
    return { value, y: yOf(value) };
  });
  return { max, min, ticks, points, slot, baseline: yOf(Math.max(min, 0)) };
}

/** A number for an axis or a tooltip: seconds as "1m 30s", others rounded. */
export function formatValue(value: number, unit: 'count' | 'seconds' | 'percent' | 'score'): string {
  if (unit === 'seconds') {
    const s = Math.round(value);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
    const hours = Math.floor(m / 60);
    return m % 60 ? `${hours}h ${m % 60}m` : `${hours}h`;
  }
  if (unit === 'percent') return `${Math.round(value * 10) / 10}%`;
  if (unit === 'score') return `${Math.round(value * 100) / 100}`;
  return `${Math.round(value)}`;
}
