/**
 * Time buckets in a tenant's time zone: local hours, local days (23 or 25
 * hours long across DST), ISO weeks starting on a local Monday, or one
 * bucket for the whole range.
 *
 * @example
 *   const buckets = bucketing('day', 'Europe/Berlin');
 *   buckets.of(Date.parse('2026-03-28T23:30:00Z'));
 *   // { startMs: Date.parse('2026-03-28T23:00:00Z'), label: '2026-03-29' }
 */
import {
  HOUR_MS,
  addDays,
  dateOfWall,
  formatDate,
  formatOffset,
  instantOfWall,
  instantsOfWall,
  isoWeekdayOf,
  localDateOf,
  mod,
  offsetMs,
  wallOfDate,
  type LocalDate,
} from './zonedTime';

export type BucketKind = 'none' | 'hour' | 'day' | 'week';

export interface Bucket {
  /** The bucket's first instant (undefined for 'none'). */
  startMs: number | undefined;
  /** "2026-03-29T02:00", "2026-03-29", "2026-W13"; '' for 'none'. */
  label: string;
}

export interface Bucketing {
  /** The bucket an instant falls in. */
  of(ms: number): Bucket;
}

/** The first instant of a local date: local midnight, or the jump's end when midnight falls in a DST gap. */
export const startOfLocalDay = (date: LocalDate, timeZone: string): number => instantOfWall(wallOfDate(date), timeZone);

/** "2026-W13": the ISO 8601 week (year of its Thursday) of a Monday. */
export function isoWeekLabel(monday: LocalDate): string {
  const thursday = addDays(monday, 3);
  const firstOfYear = wallOfDate({ year: thursday.year, month: 1, day: 1 });
  const week = Math.floor((wallOfDate(thursday) - firstOfYear) / (7 * 24 * HOUR_MS)) + 1;
  return `${String(thursday.year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

export const mondayOf = (date: LocalDate): LocalDate => addDays(date, 1 - isoWeekdayOf(date));

export function bucketing(kind: BucketKind, timeZone: string): Bucketing {
  if (kind === 'none') {
    const whole: Bucket = { startMs: undefined, label: '' };
    return { of: () => whole };
  }
  // Many instants share a bucket: remember each local day's buckets.
  const byDay = new Map<number, Bucket>();
  const byHour = new Map<number, Bucket>();
  const dayBucket = (date: LocalDate): Bucket => {
    const key = wallOfDate(date);
    let b = byDay.get(key);
    if (!b) {
      b = kind === 'day' ? { startMs: startOfLocalDay(date, timeZone), label: formatDate(date) } : weekBucket(date);
      byDay.set(key, b);
    }
    return b;
  };
  const weekBucket = (date: LocalDate): Bucket => {
    const monday = mondayOf(date);
    return { startMs: startOfLocalDay(monday, timeZone), label: isoWeekLabel(monday) };
  };
  if (kind === 'day' || kind === 'week') return { of: (ms) => dayBucket(localDateOf(ms, timeZone)) };
  return {
    of(ms) {
      const offset = offsetMs(ms, timeZone);
      const wall = ms + offset;
      const hourWall = wall - mod(wall, HOUR_MS);
      // Same wall hour with another offset (the repeated hour of a fall-back) is another bucket.
      const key = hourWall * 100 + Math.round(offset / (15 * 60_000));
      let b = byHour.get(key);
      if (!b) {
        b = { startMs: ms - (wall - hourWall), label: hourLabel(hourWall, offset, timeZone) };
        byHour.set(key, b);
      }
      return b;
    },
  };
}

/** "2026-03-29T02:00"; in a fall-back's repeated hour the offset tells the two apart: "2026-10-25T02:00+02:00". */
function hourLabel(hourWall: number, offset: number, timeZone: string): string {
  const date = dateOfWall(hourWall);
  const hour = String(Math.floor(mod(hourWall, 24 * HOUR_MS) / HOUR_MS)).padStart(2, '0');
  const label = `${formatDate(date)}T${hour}:00`;
  const repeated = instantsOfWall(hourWall, timeZone).length > 1 || instantsOfWall(hourWall + HOUR_MS - 1000, timeZone).length > 1;
  return repeated ? `${label}${formatOffset(offset)}` : label;
}
