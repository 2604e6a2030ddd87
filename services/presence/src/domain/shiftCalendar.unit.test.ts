import { validationFieldOf } from '../../../../test/support/validation';
import { isKnownTimeZone, isOnShift, localTime, parseCalendar, type CalendarInput } from './shiftCalendar';

const MON = 1;
const TUE = 2;
const FRI = 5;
const SUN = 7;
const shift = (day: number, start: string, end: string, endsNextDay = false) => ({ day, start, end, endsNextDay });
const calendar = (shifts: CalendarInput['shifts'], holidays: string[] = [], timeZone = 'Europe/Lisbon') => parseCalendar({ timeZone, shifts, holidays }, 'calendar');
const fieldOf = validationFieldOf;

describe('shift calendar validation', () => {
  it('knows IANA zones and refuses made-up ones', () => {
    expect(isKnownTimeZone('Europe/Lisbon')).toBe(true);
    expect(isKnownTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
    expect(fieldOf(() => calendar([], [], 'Europe/Atlantis'))).toBe('calendar.time_zone');
  });

  it('accepts split shifts, an overnight shift and a 24-hour shift', () => {
    const c = calendar([shift(MON, '09:00', '13:00'), shift(MON, '14:00', '18:00'), shift(FRI, '22:00', '06:00', true), shift(TUE, '08:00', '08:00', true)]);
    expect(c.shifts.map((s) => s.durationMinutes)).toEqual([240, 240, 480, 1440]);
  });

  it('refuses an inverted shift, naming its end', () => {
    expect(fieldOf(() => calendar([shift(MON, '18:00', '09:00')]))).toBe('calendar.shifts[0].end');
    expect(fieldOf(() => calendar([shift(MON, '09:00', '09:00')]))).toBe('calendar.shifts[0].end');
    expect(fieldOf(() => calendar([shift(MON, '09:00', '10:00', true)]))).toBe('calendar.shifts[0].end');
  });

  it('refuses overlapping shifts, also across midnight and across the end of the week', () => {
    expect(fieldOf(() => calendar([shift(MON, '09:00', '13:00'), shift(MON, '12:30', '18:00')]))).toBe('calendar.shifts[1]');
    expect(fieldOf(() => calendar([shift(MON, '22:00', '06:00', true), shift(TUE, '05:00', '09:00')]))).toBe('calendar.shifts[1]');
    expect(fieldOf(() => calendar([shift(MON, '00:00', '02:00'), shift(SUN, '23:00', '01:00', true)]))).toBe('calendar.shifts[1]');
    // Touching is not overlapping.
    expect(fieldOf(() => calendar([shift(MON, '09:00', '13:00'), shift(MON, '13:00', '17:00')]))).toBeUndefined();
  });

  it('refuses malformed times, days and dates', () => {
    expect(fieldOf(() => calendar([shift(MON, '9:00', '13:00')]))).toBe('calendar.shifts[0].start');
    expect(fieldOf(() => calendar([shift(MON, '09:00', '24:00')]))).toBe('calendar.shifts[0].end');
    expect(fieldOf(() => calendar([shift(0, '09:00', '13:00')]))).toBe('calendar.shifts[0].day');
    expect(fieldOf(() => calendar([], ['2026-02-30']))).toBe('calendar.holidays[0]');
    expect(fieldOf(() => calendar([], ['25/12/2026']))).toBe('calendar.holidays[0]');
  });
});

describe('isOnShift', () => {
  it('is always on shift without shifts', () => {
    expect(isOnShift(calendar([]), new Date())).toBe(true);
  });

  it('follows split shifts in the agent\'s own time zone', () => {
    const c = calendar([shift(MON, '09:00', '13:00'), shift(MON, '14:00', '18:00')], [], 'America/New_York');
    // Monday 2026-11-23: New York is UTC-5.
    expect(isOnShift(c, new Date('2026-11-23T14:30:00Z'))).toBe(true); // 09:30
    expect(isOnShift(c, new Date('2026-11-23T18:30:00Z'))).toBe(false); // 13:30, the break
    expect(isOnShift(c, new Date('2026-11-23T19:00:00Z'))).toBe(true); // 14:00
    expect(isOnShift(c, new Date('2026-11-23T23:00:00Z'))).toBe(false); // 18:00, end is exclusive
  });

  it('runs an overnight shift into the next day, and a holiday cancels the shift starting that day', () => {
    const c = calendar([shift(FRI, '22:00', '06:00', true)], ['2026-12-25'], 'UTC');
    expect(isOnShift(c, new Date('2026-11-27T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(isOnShift(c, new Date('2026-11-28T05:59:00Z'))).toBe(true); // Saturday 05:59
    expect(isOnShift(c, new Date('2026-11-28T06:00:00Z'))).toBe(false);
    expect(isOnShift(c, new Date('2026-12-25T23:00:00Z'))).toBe(false); // Christmas Friday
    expect(isOnShift(c, new Date('2026-12-26T03:00:00Z'))).toBe(false); // its overnight tail too
  });

  it('keeps local hours across a daylight-saving change', () => {
    const c = calendar([shift(SUN, '09:00', '17:00')], [], 'Europe/Lisbon');
    // Lisbon: UTC+1 until 2026-10-25 01:00 UTC, then UTC+0.
    expect(isOnShift(c, new Date('2026-10-18T08:00:00Z'))).toBe(true); // 09:00 WEST
    expect(isOnShift(c, new Date('2026-10-25T08:00:00Z'))).toBe(false); // 08:00 WET
    expect(isOnShift(c, new Date('2026-10-25T09:00:00Z'))).toBe(true); // 09:00 WET
    expect(localTime('Europe/Lisbon', new Date('2026-10-25T09:00:00Z'))).toEqual({ date: '2026-10-25', weekday: SUN, minute: 540 });
  });
});
