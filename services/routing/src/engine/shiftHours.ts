import { isDomainError } from '@contactcenter/infra/errors';
import type { ShiftCalendar } from '@contactcenter/proto/presence/v1';
import { parseBusinessHours, type BusinessHours } from '../domain/businessHours';

/**
 * An agent's shift calendar (presence's) as hours routing can read at any
 * instant. Undefined for a calendar without shifts (always on shift) and for
 * one routing cannot read (a zone such as "CET" that business hours refuse):
 * then presence's `on_shift` at the last read is taken instead.
 */
export function shiftHoursOf(calendar: ShiftCalendar | undefined): BusinessHours | undefined {
  if (!calendar || calendar.shifts.length === 0) return undefined;
  // Every re-read of an agent comes here, and most teams share a handful of calendars: parse each once.
  const key = JSON.stringify(calendar);
  if (parsed.has(key)) return parsed.get(key);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  const hours = parse(calendar);
  parsed.set(key, hours);
  return hours;
}

const MAX_PARSED = 1_000;
const parsed = new Map<string, BusinessHours | undefined>();

function parse(calendar: ShiftCalendar): BusinessHours | undefined {
  try {
    return parseBusinessHours(
      { timeZone: calendar.timeZone, holidays: calendar.holidays, intervals: calendar.shifts.map((s) => ({ day: s.day, start: s.start, end: s.end, endsNextDay: s.endsNextDay })) },
      'calendar',
    );
  } catch (err) {
    if (isDomainError(err)) return undefined;
    throw err;
  }
}
