import { ValidationError } from '@contactcenter/infra/errors';
import { addBusinessSeconds, businessSecondsBetween, isKnownTimeZone, parseBusinessHours, type BusinessHoursInput } from './businessHours';
import { validationFieldOf as fieldOf } from '../../../../test/support/validationField';

const HOUR = 3_600;
const at = (iso: string) => new Date(iso);
const weekdays = (start: string, end: string) => [1, 2, 3, 4, 5].map((day) => ({ day, start, end, endsNextDay: false }));
const hours = (over: Partial<BusinessHoursInput> = {}) => parseBusinessHours({ timeZone: 'Europe/Berlin', intervals: weekdays('09:00', '17:00'), holidays: [], ...over }, 'business_hours');

describe('business hours validation', () => {
  it('knows IANA zones and refuses made-up ones and bare offsets', () => {
    expect(['Europe/Berlin', 'America/New_York', 'UTC', 'America/Argentina/Buenos_Aires'].map(isKnownTimeZone)).toEqual([true, true, true, true]);
    expect(['Mars/Olympus', '', '+01:00', 'Berlin', 'x'.repeat(70)].map(isKnownTimeZone)).toEqual([false, false, false, false, false]);
    expect(fieldOf(() => hours({ timeZone: 'Europe/Atlantis' }))).toBe('business_hours.time_zone');
  });

  it('names the bad interval field', () => {
    expect(fieldOf(() => hours({ intervals: [] }))).toBe('business_hours.intervals');
    expect(fieldOf(() => hours({ intervals: [{ day: 0, start: '09:00', end: '17:00', endsNextDay: false }] }))).toBe('business_hours.intervals[0].day');
    expect(fieldOf(() => hours({ intervals: [{ day: 8, start: '09:00', end: '17:00', endsNextDay: false }] }))).toBe('business_hours.intervals[0].day');
    expect(fieldOf(() => hours({ intervals: [{ day: 1, start: '9:00', end: '17:00', endsNextDay: false }] }))).toBe('business_hours.intervals[0].start');
    expect(fieldOf(() => hours({ intervals: [{ day: 1, start: '09:00', end: '24:00', endsNextDay: false }] }))).toBe('business_hours.intervals[0].end');
    expect(fieldOf(() => hours({ holidays: ['2025-02-30'] }))).toBe('business_hours.holidays[0]');
    expect(fieldOf(() => hours({ holidays: ['25-12-2025'] }))).toBe('business_hours.holidays[0]');
  });

  it('refuses an inverted interval, and one past midnight longer than a day', () => {
    expect(() => hours({ intervals: [{ day: 1, start: '17:00', end: '09:00', endsNextDay: false }] })).toThrow(/inverted; set ends_next_day/);
    expect(() => hours({ intervals: [{ day: 1, start: '09:00', end: '09:00', endsNextDay: false }] })).toThrow(ValidationError);
    expect(fieldOf(() => hours({ intervals: [{ day: 1, start: '22:00', end: '23:00', endsNextDay: true }] }))).toBe('business_hours.intervals[0].end');
    // 00:00 to 00:00 the next day: a whole day.
    expect(hours({ intervals: [{ day: 1, start: '00:00', end: '00:00', endsNextDay: true }] }).intervals[0]!.durationMinutes).toBe(1_440);
  });

  it('refuses overlapping intervals, also past midnight and across the end of the week; touching ones are fine', () => {
    const overlap = (intervals: BusinessHoursInput['intervals']) => fieldOf(() => hours({ intervals }));
    expect(overlap([{ day: 1, start: '09:00', end: '13:00', endsNextDay: false }, { day: 1, start: '12:00', end: '17:00', endsNextDay: false }])).toBe('business_hours.intervals[1]');
    expect(overlap([{ day: 2, start: '22:00', end: '06:00', endsNextDay: true }, { day: 3, start: '05:00', end: '09:00', endsNextDay: false }])).toBe('business_hours.intervals[1]');
    expect(overlap([{ day: 1, start: '01:00', end: '09:00', endsNextDay: false }, { day: 7, start: '22:00', end: '02:00', endsNextDay: true }])).toBe('business_hours.intervals[1]');
    expect(() => hours({ intervals: [{ day: 1, start: '09:00', end: '13:00', endsNextDay: false }, { day: 1, start: '13:00', end: '17:00', endsNextDay: false }] })).not.toThrow();
  });
});

describe('addBusinessSeconds', () => {
  it('counts within the day, and from the next opening when started outside hours', () => {
    const h = hours(); // Berlin is UTC+1 in January
    expect(addBusinessSeconds(at('2025-01-06T09:00:00Z'), 2 * HOUR, h)).toEqual(at('2025-01-06T11:00:00Z')); // Mon 10:00 → 12:00
    expect(addBusinessSeconds(at('2025-01-06T05:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-01-06T12:00:00Z')); // Mon 06:00 → opens 09:00 → 13:00
    expect(addBusinessSeconds(at('2025-01-06T18:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-01-07T12:00:00Z')); // Mon 19:00 → Tue 13:00
    expect(addBusinessSeconds(at('2025-01-06T15:00:00Z'), 1 * HOUR, h)).toEqual(at('2025-01-06T16:00:00Z')); // ends exactly at closing
    expect(addBusinessSeconds(at('2025-01-06T10:00:00Z'), 0, h)).toEqual(at('2025-01-06T10:00:00Z'));
    expect(() => addBusinessSeconds(at('2025-01-06T10:00:00Z'), -1, h)).toThrow(RangeError);
  });

  it('skips the weekend and spans several days', () => {
    const h = hours();
    expect(addBusinessSeconds(at('2025-01-10T15:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-01-13T11:00:00Z')); // Fri 16:00 → Mon 12:00
    expect(addBusinessSeconds(at('2025-01-11T10:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-01-13T12:00:00Z')); // Sat → Mon 13:00
    expect(addBusinessSeconds(at('2025-01-06T08:00:00Z'), 20 * HOUR, h)).toEqual(at('2025-01-08T12:00:00Z')); // Mon 09:00 + 2.5 days → Wed 13:00
    expect(addBusinessSeconds(at('2025-01-06T08:00:00Z'), 40 * HOUR, h)).toEqual(at('2025-01-10T16:00:00Z')); // a whole week → Fri 17:00
  });

  it('skips holidays', () => {
    const h = hours({ holidays: ['2025-12-25', '2025-12-26'] });
    // Wed 24 Dec 16:00 + 4h: one hour on Wednesday, Thursday and Friday are holidays, then Monday 12:00.
    expect(addBusinessSeconds(at('2025-12-24T15:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-12-29T11:00:00Z'));
  });

  it('runs intervals past midnight, and a holiday cancels the interval starting that day', () => {
    const nights = { timeZone: 'UTC', intervals: [{ day: 5, start: '22:00', end: '06:00', endsNextDay: true }], holidays: [] as string[] };
    expect(addBusinessSeconds(at('2025-01-10T23:00:00Z'), 4 * HOUR, parseBusinessHours(nights, 'h'))).toEqual(at('2025-01-11T03:00:00Z')); // Fri 23:00 → Sat 03:00
    expect(addBusinessSeconds(at('2025-01-11T05:00:00Z'), 2 * HOUR, parseBusinessHours(nights, 'h'))).toEqual(at('2025-01-17T23:00:00Z')); // Sat 05:00: one hour left, then next Fri
    const offFriday = parseBusinessHours({ ...nights, holidays: ['2025-01-10'] }, 'h');
    expect(addBusinessSeconds(at('2025-01-11T01:00:00Z'), 1 * HOUR, offFriday)).toEqual(at('2025-01-17T23:00:00Z'));
  });

  it('keeps local hours across the spring daylight-saving change in Europe/Berlin', () => {
    const h = hours();
    // Fri 28 Mar 2025 16:00 CET (15:00Z) + 4h → Mon 31 Mar 12:00 CEST (10:00Z), clocks went forward on Sunday.
    expect(addBusinessSeconds(at('2025-03-28T15:00:00Z'), 4 * HOUR, h)).toEqual(at('2025-03-31T10:00:00Z'));
    // A day that has 23 hours: Sunday 30 March, open all day.
    const sunday = hours({ intervals: [{ day: 7, start: '00:00', end: '00:00', endsNextDay: true }] });
    expect(businessSecondsBetween(at('2025-03-29T00:00:00Z'), at('2025-04-01T00:00:00Z'), sunday)).toBe(23 * HOUR);
    // 02:30 does not exist that day: read as 03:30 CEST, the time an hour's gap moves it to (as Temporal's "compatible").
    const gap = hours({ intervals: [{ day: 7, start: '02:30', end: '04:00', endsNextDay: false }] });
    expect(addBusinessSeconds(at('2025-03-29T12:00:00Z'), 60, gap)).toEqual(at('2025-03-30T01:31:00Z'));
  });

  it('keeps local hours across the autumn change in Europe/Berlin and both changes in America/New_York', () => {
    // Sunday 26 Oct 2025 has 25 hours in Berlin.
    const sunday = hours({ intervals: [{ day: 7, start: '00:00', end: '00:00', endsNextDay: true }] });
    expect(businessSecondsBetween(at('2025-10-25T00:00:00Z'), at('2025-10-28T00:00:00Z'), sunday)).toBe(25 * HOUR);
    const ny = hours({ timeZone: 'America/New_York' });
    // Fri 7 Mar 2025 16:00 EST (21:00Z) + 4h → Mon 10 Mar 12:00 EDT (16:00Z).
    expect(addBusinessSeconds(at('2025-03-07T21:00:00Z'), 4 * HOUR, ny)).toEqual(at('2025-03-10T16:00:00Z'));
    // Fri 31 Oct 2025 16:00 EDT (20:00Z) + 4h → Mon 3 Nov 12:00 EST (17:00Z).
    expect(addBusinessSeconds(at('2025-10-31T20:00:00Z'), 4 * HOUR, ny)).toEqual(at('2025-11-03T17:00:00Z'));
  });
});

describe('businessSecondsBetween', () => {
  it('counts only business time, and is the inverse of addBusinessSeconds', () => {
    const h = hours({ holidays: ['2025-01-08'] });
    expect(businessSecondsBetween(at('2025-01-10T15:00:00Z'), at('2025-01-13T11:00:00Z'), h)).toBe(4 * HOUR);
    expect(businessSecondsBetween(at('2025-01-11T00:00:00Z'), at('2025-01-12T23:00:00Z'), h)).toBe(0);
    expect(businessSecondsBetween(at('2025-01-13T11:00:00Z'), at('2025-01-10T15:00:00Z'), h)).toBe(-4 * HOUR);
    expect(businessSecondsBetween(at('2025-01-07T10:00:00Z'), at('2025-01-07T10:00:00Z'), h)).toBe(0);
    for (const [start, seconds] of [['2025-01-07T15:30:00Z', 3 * HOUR], ['2025-01-03T07:00:00Z', 30 * HOUR + 17], ['2025-03-27T12:00:00Z', 17 * HOUR]] as const) {
      expect(businessSecondsBetween(at(start), addBusinessSeconds(at(start), seconds, h), h)).toBe(seconds);
    }
  });
});
