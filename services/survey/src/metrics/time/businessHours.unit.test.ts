import { alwaysOpen, businessCalendar, type OpeningWindow } from './businessHours';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const weekdays9to17 = (): OpeningWindow[] => [1, 2, 3, 4, 5].map((isoWeekday) => ({ isoWeekday, startMinute: 9 * 60, endMinute: 17 * 60 }));

describe('business hours', () => {
  const berlin = businessCalendar({ timeZone: 'Europe/Berlin', windows: weekdays9to17(), holidays: ['2026-04-03'] });

  it('counts a wait inside one window in full', () => {
    // Tuesday 2026-03-31, 10:00-10:20 CEST.
    expect(berlin.openMsBetween(at('2026-03-31T08:00:00Z'), at('2026-03-31T08:20:00Z'))).toBe(20 * MIN);
  });

  it('leaves out the night', () => {
    // Tuesday 16:50 CEST → Wednesday 09:10 CEST: 10 + 10 minutes.
    expect(berlin.openMsBetween(at('2026-03-31T14:50:00Z'), at('2026-04-01T07:10:00Z'))).toBe(20 * MIN);
  });

  it('leaves out the weekend', () => {
    // Friday 2026-03-27 16:55 CET → Monday 2026-03-30 09:05 CEST (DST began on the Sunday).
    expect(berlin.openMsBetween(at('2026-03-27T15:55:00Z'), at('2026-03-30T07:05:00Z'))).toBe(10 * MIN);
  });

  it('leaves out holidays', () => {
    // Thursday 2026-04-02 16:00 → Monday 2026-04-06 10:00 with Good Friday closed: 60 + 60 minutes.
    expect(berlin.openMsBetween(at('2026-04-02T14:00:00Z'), at('2026-04-06T08:00:00Z'))).toBe(120 * MIN);
  });

  it('is zero entirely outside the windows, and for empty spans', () => {
    expect(berlin.openMsBetween(at('2026-03-28T10:00:00Z'), at('2026-03-28T12:00:00Z'))).toBe(0);
    expect(berlin.openMsBetween(at('2026-03-31T08:00:00Z'), at('2026-03-31T08:00:00Z'))).toBe(0);
    expect(berlin.openMsBetween(at('2026-03-31T09:00:00Z'), at('2026-03-31T08:00:00Z'))).toBe(0);
  });

  it('reads windows in the queue’s own time zone', () => {
    const saoPaulo = businessCalendar({ timeZone: 'America/Sao_Paulo', windows: weekdays9to17(), holidays: [] });
    // 11:00-13:00 UTC is 08:00-10:00 in São Paulo: one open hour.
    expect(saoPaulo.openMsBetween(at('2026-03-31T11:00:00Z'), at('2026-03-31T13:00:00Z'))).toBe(60 * MIN);
  });

  it('counts several windows a day and windows until midnight', () => {
    const split = businessCalendar({
      timeZone: 'UTC',
      windows: [
        { isoWeekday: 2, startMinute: 8 * 60, endMinute: 12 * 60 },
        { isoWeekday: 2, startMinute: 13 * 60, endMinute: 24 * 60 },
      ],
      holidays: [],
    });
    expect(split.openMsBetween(at('2026-03-31T11:00:00Z'), at('2026-04-01T01:00:00Z'))).toBe((60 + 11 * 60) * MIN);
  });

  it('without business hours a queue is always open', () => {
    expect(alwaysOpen.openMsBetween(at('2026-03-28T10:00:00Z'), at('2026-03-28T12:00:00Z'))).toBe(120 * MIN);
  });
});
