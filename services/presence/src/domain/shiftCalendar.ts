import { ValidationError } from '@contactcenter/infra/errors';
import { isIsoDate, isKnownTimeZone, localMinuteOf } from '@contactcenter/infra/localTime';

export { isKnownTimeZone };

/**
 * An agent's working time: weekly shifts in local wall-clock time of an IANA
 * time zone, and holidays. Pure functions; validation names the field at
 * fault as `<prefix>.shifts[i].end`.
 *
 * @example
 *   const calendar = parseCalendar({ timeZone: 'Europe/Lisbon', shifts: [
 *     { day: 1, start: '09:00', end: '13:00', endsNextDay: false },  // split shift, morning
 *     { day: 1, start: '14:00', end: '18:00', endsNextDay: false },  // and afternoon
 *     { day: 5, start: '22:00', end: '06:00', endsNextDay: true },   // Friday night
 *   ], holidays: ['2026-12-25'] }, 'calendar');
 *   isOnShift(calendar, new Date('2026-11-23T10:00:00Z')); // Monday 10:00 in Lisbon: true
 */
export interface Shift {
  /** 1 = Monday … 7 = Sunday (ISO 8601). */
  day: number;
  /** Minutes after local midnight. */
  startMinute: number;
  /** Length in minutes, 1 … 1440. */
  durationMinutes: number;
}

export interface Calendar {
  timeZone: string;
  shifts: Shift[];
  holidays: Set<string>;
}

export interface CalendarInput {
  timeZone: string;
  shifts: { day: number; start: string; end: string; endsNextDay: boolean }[];
  holidays: string[];
}

const MINUTES_PER_DAY = 1_440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MAX_SHIFTS = 64;
const MAX_HOLIDAYS = 366;
const DAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];


const describe = (s: Shift) => {
  const hhmm = (minute: number) => `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return `${DAY_NAMES[s.day]} ${hhmm(s.startMinute)}-${hhmm((s.startMinute + s.durationMinutes) % MINUTES_PER_DAY)}`;
};

/**
 * Validates and normalises a calendar.
 * @throws ValidationError for an unknown time zone, a malformed time or date,
 *   an inverted shift (end not after start without `endsNextDay`), or two shifts that overlap.
 */
export function parseCalendar(input: CalendarInput, prefix: string): Calendar {
  if (!isKnownTimeZone(input.timeZone)) {
    throw new ValidationError(`${prefix}.time_zone`, `unknown IANA time zone ${JSON.stringify(input.timeZone)} (e.g. "Europe/Lisbon", "America/New_York", "UTC")`);
  }
  if (input.shifts.length > MAX_SHIFTS) throw new ValidationError(`${prefix}.shifts`, `at most ${MAX_SHIFTS} shifts`);
  const shifts = input.shifts.map((s, i): Shift => {
    const field = `${prefix}.shifts[${i}]`;
    if (!Number.isInteger(s.day) || s.day < 1 || s.day > 7) throw new ValidationError(`${field}.day`, 'must be a day of the week (Monday to Sunday)');
    const start = localMinuteOf(`${field}.start`, s.start);
    const end = localMinuteOf(`${field}.end`, s.end);
    if (s.endsNextDay) {
      if (end > start) throw new ValidationError(`${field}.end`, `an overnight shift (ends_next_day) must end the next day no later than its start time: ${s.start}-${s.end} would be longer than 24 hours`);
      return { day: s.day, startMinute: start, durationMinutes: MINUTES_PER_DAY - start + end || MINUTES_PER_DAY };
    }
    if (end <= start) throw new ValidationError(`${field}.end`, `must be after start (${s.start}-${s.end} is inverted; set ends_next_day for an overnight shift)`);
    return { day: s.day, startMinute: start, durationMinutes: end - start };
  });
  // Overlaps on the weekly circle: Sunday night runs into Monday morning.
  const spans = shifts.map((s, i) => ({ i, from: (s.day - 1) * MINUTES_PER_DAY + s.startMinute, to: (s.day - 1) * MINUTES_PER_DAY + s.startMinute + s.durationMinutes }));
  for (const a of spans) {
    for (const b of spans) {
      if (b.i <= a.i) continue;
      const overlaps = [0, MINUTES_PER_WEEK, -MINUTES_PER_WEEK].some((shift) => a.from < b.to + shift && b.from + shift < a.to);
      if (overlaps) {
        throw new ValidationError(`${prefix}.shifts[${b.i}]`, `overlaps shifts[${a.i}] (${describe(shifts[b.i]!)} and ${describe(shifts[a.i]!)})`);
      }
    }
  }
  if (input.holidays.length > MAX_HOLIDAYS) throw new ValidationError(`${prefix}.holidays`, `at most ${MAX_HOLIDAYS} dates`);
  input.holidays.forEach((h, i) => {
    if (!isIsoDate(h)) throw new ValidationError(`${prefix}.holidays[${i}]`, `must be a date "YYYY-MM-DD", got ${JSON.stringify(h)}`);
  });
  return { timeZone: input.timeZone, shifts, holidays: new Set(input.holidays) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (zone: string) => {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' });
    formatters.set(zone, f);
  }
  return f;
};
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Local wall-clock date ("YYYY-MM-DD"), ISO weekday and minute of the day of `at` in `zone`. */
export function localTime(zone: string, at: Date): { date: string; weekday: number; minute: number } {
  const parts = Object.fromEntries(formatter(zone).formatToParts(at).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: WEEKDAYS[parts.weekday!]!, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const previousDate = (date: string): string => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
};

/**
 * Whether the agent is on shift at `at`. A calendar without shifts is always
 * on shift. A shift belongs to the local date it starts on: a holiday cancels
 * the shifts starting that day, including an overnight one running into the next.
 * Wall-clock based, so a shift keeps its local hours across daylight-saving changes.
 */
export function isOnShift(calendar: Calendar, at: Date): boolean {
  if (calendar.shifts.length === 0) return true;
  const now = localTime(calendar.timeZone, at);
  const yesterday = previousDate(now.date);
  const yesterdayWeekday = now.weekday === 1 ? 7 : now.weekday - 1;
  return calendar.shifts.some((s) => {
    if (s.day === now.weekday && !calendar.holidays.has(now.date)) {
      if (now.minute >= s.startMinute && now.minute < s.startMinute + s.durationMinutes) return true;
    }
    if (s.day === yesterdayWeekday && !calendar.holidays.has(yesterday)) {
      const end = s.startMinute + s.durationMinutes - MINUTES_PER_DAY;
      if (end > 0 && now.minute < end) return true;
    }
    return false;
  });
}
