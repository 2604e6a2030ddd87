import { ValidationError } from '@contactcenter/infra/errors';
import { isIsoDate, isKnownTimeZone as isKnownZone, localMinuteOf } from '@contactcenter/infra/localTime';

/**
 * A queue's business hours: weekly intervals in local wall-clock time of an
 * IANA time zone, and holidays, in the same shape as presence's shift
 * calendars. Service-level targets such as "first reply within 4 business
 * hours" count only the time inside them. Pure functions; time zones come
 * from the runtime's Intl data, so daylight-saving changes follow the zone.
 *
 * @example
 *   const hours = parseBusinessHours({ timeZone: 'Europe/Berlin', holidays: ['2025-12-25'],
 *     intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00', endsNextDay: false })) }, 'business_hours');
 *   addBusinessSeconds(new Date('2025-01-10T15:00:00Z'), 4 * 3600, hours); // Friday 16:00 in Berlin → Monday 12:00 (11:00Z)
 */
export interface BusinessHoursInput {
  timeZone: string;
  /** `day`: 1 = Monday … 7 = Sunday (ISO 8601); `start`/`end`: local "HH:MM". */
  intervals: { day: number; start: string; end: string; endsNextDay: boolean }[];
  /** Local dates "YYYY-MM-DD" on which no interval starts. */
  holidays: string[];
}

export interface BusinessInterval {
  day: number;
  /** Minutes after local midnight. */
  startMinute: number;
  /** 1 … 1440. */
  durationMinutes: number;
}

export interface BusinessHours {
  timeZone: string;
  /** Sorted by day, then start. */
  intervals: BusinessInterval[];
  holidays: ReadonlySet<string>;
}

const MINUTES_PER_DAY = 1_440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const DAY_MS = 86_400_000;
const MAX_INTERVALS = 64;
const MAX_HOLIDAYS = 366;
/** How far ahead a due time is looked for: holidays are finite, so only a very sparse week gets this far. */
const MAX_DAYS = 3_660;
/** Region/City names; offsets such as "+01:00" have no daylight saving and are refused. */
const IANA_NAME = /^(UTC|[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+)$/;

/** Whether `zone` is an IANA Region/City name (or UTC) this runtime knows: offsets have no daylight saving and are refused. */
export const isKnownTimeZone = (zone: string): boolean => IANA_NAME.test(zone) && isKnownZone(zone);

/**
 * Validates and normalises business hours.
 * @throws ValidationError naming the field (`<prefix>.intervals[i].end`) for an unknown time zone,
 *   no intervals, a malformed time, day or date, an inverted interval, or two intervals that overlap.
 */
export function parseBusinessHours(input: BusinessHoursInput, prefix: string): BusinessHours {
  if (!isKnownTimeZone(input.timeZone)) {
    throw new ValidationError(`${prefix}.time_zone`, `unknown IANA time zone ${JSON.stringify(input.timeZone)} (e.g. "Europe/Berlin", "America/New_York", "UTC")`);
  }
  if (input.intervals.length === 0) throw new ValidationError(`${prefix}.intervals`, 'at least one interval; leave business_hours unset to count around the clock');
  if (input.intervals.length > MAX_INTERVALS) throw new ValidationError(`${prefix}.intervals`, `at most ${MAX_INTERVALS} intervals`);
  const intervals = input.intervals.map((s, i): BusinessInterval => {
    const field = `${prefix}.intervals[${i}]`;
    if (!Number.isInteger(s.day) || s.day < 1 || s.day > 7) throw new ValidationError(`${field}.day`, 'must be a day of the week (Monday to Sunday)');
    const start = localMinuteOf(`${field}.start`, s.start);
    const end = localMinuteOf(`${field}.end`, s.end);
    if (s.endsNextDay) {
      if (end > start) throw new ValidationError(`${field}.end`, `an interval that ends the next day must end no later than its start time: ${s.start}-${s.end} would be longer than 24 hours`);
      return { day: s.day, startMinute: start, durationMinutes: MINUTES_PER_DAY - start + end };
    }
    if (end <= start) throw new ValidationError(`${field}.end`, `must be after start (${s.start}-${s.end} is inverted; set ends_next_day for hours past midnight)`);
    return { day: s.day, startMinute: start, durationMinutes: end - start };
  });
  // Overlaps on the weekly circle: Sunday night runs into Monday morning.
  const spans = intervals.map((s) => (s.day - 1) * MINUTES_PER_DAY + s.startMinute);
  intervals.forEach((a, i) => {
    intervals.forEach((b, j) => {
      if (j <= i) return;
      const overlaps = [0, MINUTES_PER_WEEK, -MINUTES_PER_WEEK].some((w) => spans[i]! < spans[j]! + w + b.durationMinutes && spans[j]! + w < spans[i]! + a.durationMinutes);
      if (overlaps) throw new ValidationError(`${prefix}.intervals[${j}]`, `overlaps intervals[${i}]`);
    });
  });
  if (input.holidays.length > MAX_HOLIDAYS) throw new ValidationError(`${prefix}.holidays`, `at most ${MAX_HOLIDAYS} dates`);
  input.holidays.forEach((h, i) => {
    if (!isIsoDate(h)) throw new ValidationError(`${prefix}.holidays[${i}]`, `must be a date "YYYY-MM-DD", got ${JSON.stringify(h)}`);
  });
  intervals.sort((a, b) => a.day - b.day || a.startMinute - b.startMinute);
  return { timeZone: input.timeZone, intervals, holidays: new Set(input.holidays) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (zone: string) => {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
};

/** The zone's wall clock at `ms`, read as if it were UTC (so that its difference to `ms` is the offset). */
function wallClock(zone: string, ms: number): number {
  const p = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
}

const offsetAt = (zone: string, ms: number): number => wallClock(zone, Math.floor(ms / 1000) * 1000) - Math.floor(ms / 1000) * 1000;

/**
 * The instant of a local wall-clock time (given as its UTC reading). A time
 * that occurs twice (clocks set back) is its first occurrence; one that does
 * not exist (clocks set forward) moves forward by the gap (02:30 → 03:30), as
 * Temporal's "compatible" disambiguation does.
 */
function instantOf(zone: string, wall: number): number {
  const before = offsetAt(zone, wall - DAY_MS / 2);
  const after = offsetAt(zone, wall + DAY_MS / 2);
  const valid = [wall - before, wall - after].filter((t) => t + offsetAt(zone, t) === wall);
  return valid.length ? Math.min(...valid) : wall - before;
}

/** Local midnight (as a UTC reading) of the day `ms` falls on in `zone`. */
const localDayOf = (zone: string, ms: number): number => Math.floor(wallClock(zone, ms) / DAY_MS) * DAY_MS;
const isoWeekday = (day: number): number => ((new Date(day).getUTCDay() + 6) % 7) + 1;

/** The business intervals as instants [from, to), in order, from the one running at `fromMs` on. */
function* intervalsFrom(hours: BusinessHours, fromMs: number): Generator<[number, number]> {
  // From the day before: an interval that ends the next day may still run.
  const firstDay = localDayOf(hours.timeZone, fromMs) - DAY_MS;
  for (let n = 0; n < MAX_DAYS; n++) {
    const day = firstDay + n * DAY_MS;
    if (hours.holidays.has(new Date(day).toISOString().slice(0, 10))) continue;
    const weekday = isoWeekday(day);
    for (const s of hours.intervals) {
      if (s.day !== weekday) continue;
      const start = day + s.startMinute * 60_000;
      const to = instantOf(hours.timeZone, start + s.durationMinutes * 60_000);
      if (to > fromMs) yield [instantOf(hours.timeZone, start), to];
    }
  }
  throw new RangeError(`business hours in ${hours.timeZone} leave no working time within ${MAX_DAYS} days`);
}

/**
 * Whether `at` falls inside one of the intervals (a holiday cancels the
 * intervals starting that local day). Wall-clock based: an interval keeps its
 * local hours across daylight-saving changes, so it moves by an hour in UTC.
 */
export function isOpenAt(hours: BusinessHours, at: Date): boolean {
  // The first interval still running or to come is the earliest one: inside it, or before every interval.
  for (const [from] of intervalsFrom(hours, at.getTime())) return from <= at.getTime();
  return false;
}

/**
 * The instant `seconds` of business time after `start`: time outside the
 * intervals and on holidays does not count. Started outside business hours,
 * the count begins when they next open.
 *
 * @example addBusinessSeconds(fridayAt16Berlin, 4 * 3600, weekdays9to17Berlin) // Monday 12:00 Berlin
 */
export function addBusinessSeconds(start: Date, seconds: number, hours: BusinessHours): Date {
  if (!(seconds >= 0)) throw new RangeError(`business seconds to add must be 0 or more, got ${seconds}`);
  if (seconds === 0) return start;
  let left = seconds * 1000;
  const at = start.getTime();
  for (const [from, to] of intervalsFrom(hours, at)) {
    const open = Math.max(from, at);
    if (to <= open) continue;
    if (left <= to - open) return new Date(open + left);
    left -= to - open;
  }
  throw new Error('unreachable: intervalsFrom ends by throwing');
}

/** Business seconds from `a` to `b` (negative when `b` is before `a`). */
export function businessSecondsBetween(a: Date, b: Date, hours: BusinessHours): number {
  if (b < a) return -businessSecondsBetween(b, a, hours);
  const [lo, hi] = [a.getTime(), b.getTime()];
  let ms = 0;
  for (const [from, to] of intervalsFrom(hours, lo)) {
    if (from >= hi) break;
    ms += Math.max(0, Math.min(to, hi) - Math.max(from, lo));
  }
  return ms / 1000;
}
