/**
 * A queue's opening hours: weekly windows in the queue's time zone, minus
 * holidays (whole local days). Response times "in business hours" count only
 * the part of a wait that falls inside the windows, so a question asked at
 * 17:55 on a Friday and answered at 09:05 on Monday waited 10 business minutes.
 *
 * @example
 *   const calendar = businessCalendar({ timeZone: 'Europe/Berlin', windows: [{ isoWeekday: 1, startMinute: 540, endMinute: 1020 }], holidays: [] });
 *   calendar.openMsBetween(Date.parse('2026-03-30T06:00:00Z'), Date.parse('2026-03-30T08:00:00Z')); // 3_600_000 (09:00-10:00 local)
 */
import { MINUTE_MS, addDays, formatDate, instantOfWall, isoWeekdayOf, localDateOf, wallOfDate, type LocalDate } from './zonedTime';

export interface OpeningWindow {
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
  /** Minutes after local midnight; `endMinute` may be 1440 (until midnight). */
  startMinute: number;
  endMinute: number;
}

export interface OpeningHours {
  timeZone: string;
  windows: OpeningWindow[];
  /** Closed local dates, "YYYY-MM-DD". */
  holidays: string[];
}

export interface BusinessCalendar {
  /** Milliseconds of [fromMs, toMs) that fall in an opening window. */
  openMsBetween(fromMs: number, toMs: number): number;
}

/** A wait longer than this is cut: no figure is helped by walking decades of calendar. */
const MAX_DAYS = 3_700;

export function businessCalendar(hours: OpeningHours): BusinessCalendar {
  const holidays = new Set(hours.holidays);
  const byWeekday = new Map<number, OpeningWindow[]>();
  for (const w of hours.windows) byWeekday.set(w.isoWeekday, [...(byWeekday.get(w.isoWeekday) ?? []), w]);
  // The open intervals of each local day, as instants, computed once per day.
  const intervalsByDay = new Map<number, [number, number][]>();
  const intervalsOf = (date: LocalDate): [number, number][] => {
    const dayWall = wallOfDate(date);
    let found = intervalsByDay.get(dayWall);
    if (!found) {
      const windows = holidays.has(formatDate(date)) ? [] : (byWeekday.get(isoWeekdayOf(date)) ?? []);
      found = windows.map((w) => [instantOfWall(dayWall + w.startMinute * MINUTE_MS, hours.timeZone), instantOfWall(dayWall + w.endMinute * MINUTE_MS, hours.timeZone)]);
      intervalsByDay.set(dayWall, found);
    }
    return found;
  };
  return {
    openMsBetween(fromMs, toMs) {
      if (!(toMs > fromMs)) return 0;
      let date = localDateOf(fromMs, hours.timeZone);
      const last = wallOfDate(localDateOf(toMs, hours.timeZone));
      let open = 0;
      for (let i = 0; wallOfDate(date) <= last && i < MAX_DAYS; i++, date = addDays(date, 1)) {
        for (const [start, end] of intervalsOf(date)) open += Math.max(0, Math.min(end, toMs) - Math.max(start, fromMs));
      }
      return open;
    },
  };
}

/** Open round the clock: what a queue without business hours is. */
export const alwaysOpen: BusinessCalendar = { openMsBetween: (fromMs, toMs) => Math.max(0, toMs - fromMs) };
