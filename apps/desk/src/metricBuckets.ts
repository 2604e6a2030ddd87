/**
 * The buckets of a metrics answer as a continuous time line: the gateway
 * answers only the buckets that had something in them, and a chart over
 * time needs the empty ones too (a count of 0, an average that is a gap).
 * Pure: time zone and range come in.
 */
export interface BucketRow<F> {
  bucketStart?: string | null;
  bucketLabel?: string;
  group?: string;
  figures?: F;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_BUCKETS = 1000;

/** "2026-12-05" or "2026-12-05 14:00", local to the time zone. */
export function labelOf(at: number, bucket: 'hour' | 'day', timeZone: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  return bucket === 'day' ? date : `${date} ${part('hour')}:${part('minute')}`;
}

/**
 * `rows` (one group's) with the missing hour or day buckets between `from`
 * and `to` added, in time order. Buckets start at the tenant's local
 * midnight or hour, so the rows the gateway gave are the anchors; a day
 * bucket may be 23 or 25 hours long across a daylight-saving change.
 *
 * @example
 *   fillBuckets([{ bucketStart: '2026-12-05T10:00:00Z', figures: { n: 1 } }], { from: Date.parse('2026-12-05T08:00:00Z'), to: Date.parse('2026-12-05T12:00:00Z'), bucket: 'hour', timeZone: 'UTC' }).length; // 4
 */
export function fillBuckets<F>(rows: readonly BucketRow<F>[], opts: { from: number; to: number; bucket: string; timeZone?: string }): BucketRow<F>[] {
  const timed = rows.filter((r) => r.bucketStart && !Number.isNaN(Date.parse(r.bucketStart))).sort((a, b) => Date.parse(a.bucketStart!) - Date.parse(b.bucketStart!));
  if ((opts.bucket !== 'hour' && opts.bucket !== 'day') || timed.length !== rows.length) return [...rows];
  const bucket = opts.bucket;
  const step = bucket === 'hour' ? HOUR : DAY;
  const tolerance = bucket === 'hour' ? 60_000 : 2 * HOUR;
  const group = timed[0]?.group;
  let t = timed.length ? Date.parse(timed[0]!.bucketStart!) : alignedStart(opts.from, bucket, opts.timeZone);
  // Back to the bucket that holds `from`.
  while (t > opts.from) t -= step;
  const out: BucketRow<F>[] = [];
  let next = 0;
  while (t < opts.to && out.length < MAX_BUCKETS) {
    const row = timed[next];
    const at = row ? Date.parse(row.bucketStart!) : Number.POSITIVE_INFINITY;
    if (Math.abs(at - t) <= tolerance) {
      out.push(row!);
      t = at;
      next++;
    } else if (at < t) {
      // A row between two slots (should not happen): kept, in order.
      out.push(row!);
      next++;
      continue;
    } else {
      out.push({ bucketStart: new Date(t).toISOString(), bucketLabel: labelOf(t, bucket, opts.timeZone), group });
    }
    t += step;
  }
  while (next < timed.length) out.push(timed[next++]!);
  return out;
}

/** With no row to anchor on: the first whole hour (or UTC day) at or after `from`. */
function alignedStart(from: number, bucket: 'hour' | 'day', _timeZone: string | undefined): number {
  const step = bucket === 'hour' ? HOUR : DAY;
  return Math.ceil(from / step) * step;
}
