import { bucketing, isoWeekLabel, startOfLocalDay } from './buckets';
import { HOUR_MS, canonicalTimeZone, instantOfWall, instantsOfWall, offsetMs, parseDate } from './zonedTime';

const at = (iso: string) => Date.parse(iso);

describe('local days across DST', () => {
  it('a Europe/Berlin day on 2026-03-29 (spring forward) has 23 hours', () => {
    const start = startOfLocalDay({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin');
    const next = startOfLocalDay({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin');
    expect(new Date(start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect((next - start) / HOUR_MS).toBe(23);
  });

  it('a Europe/Berlin day on 2026-10-25 (fall back) has 25 hours', () => {
    const start = startOfLocalDay({ year: 2026, month: 10, day: 25 }, 'Europe/Berlin');
    const next = startOfLocalDay({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin');
    expect((next - start) / HOUR_MS).toBe(25);
  });

  it('events at 23:30 UTC on 2026-03-28 fall on the Berlin day 2026-03-29', () => {
    const days = bucketing('day', 'Europe/Berlin');
    expect(days.of(at('2026-03-28T23:30:00Z'))).toEqual({ startMs: at('2026-03-28T23:00:00Z'), label: '2026-03-29' });
    expect(days.of(at('2026-03-28T22:59:59Z')).label).toBe('2026-03-28');
    // The last instant of the short day is 21:59:59 UTC (23:59:59 CEST).
    expect(days.of(at('2026-03-29T21:59:59Z')).label).toBe('2026-03-29');
    expect(days.of(at('2026-03-29T22:00:00Z')).label).toBe('2026-03-30');
  });

  it('America/Sao_Paulo (UTC-3, no DST since 2019) cuts days at 03:00 UTC', () => {
    const days = bucketing('day', 'America/Sao_Paulo');
    expect(days.of(at('2026-03-10T02:59:00Z'))).toEqual({ startMs: at('2026-03-09T03:00:00Z'), label: '2026-03-09' });
    expect(days.of(at('2026-03-10T03:00:00Z')).label).toBe('2026-03-10');
    expect(offsetMs(at('2026-01-15T12:00:00Z'), 'America/Sao_Paulo')).toBe(-3 * HOUR_MS);
  });

  it('a day whose midnight falls in a DST gap starts when the clocks jump (Sao Paulo, 2018-11-04)', () => {
    // Brazil last moved its clocks at midnight: 00:00 became 01:00 on 2018-11-04.
    const start = startOfLocalDay({ year: 2018, month: 11, day: 4 }, 'America/Sao_Paulo');
    expect(new Date(start).toISOString()).toBe('2018-11-04T03:00:00.000Z');
    expect(bucketing('day', 'America/Sao_Paulo').of(at('2018-11-04T03:30:00Z')).label).toBe('2018-11-04');
    expect(bucketing('day', 'America/Sao_Paulo').of(at('2018-11-04T02:59:00Z')).label).toBe('2018-11-03');
  });
});

describe('hours', () => {
  it('labels local hours and skips the missing 02:00 of a spring-forward day', () => {
    const hours = bucketing('hour', 'Europe/Berlin');
    expect(hours.of(at('2026-03-29T00:59:00Z'))).toEqual({ startMs: at('2026-03-29T00:00:00Z'), label: '2026-03-29T01:00' });
    expect(hours.of(at('2026-03-29T01:00:00Z'))).toEqual({ startMs: at('2026-03-29T01:00:00Z'), label: '2026-03-29T03:00' });
  });

  it('tells the two 02:00 hours of a fall-back day apart by their offset', () => {
    const hours = bucketing('hour', 'Europe/Berlin');
    const first = hours.of(at('2026-10-25T00:30:00Z'));
    const second = hours.of(at('2026-10-25T01:30:00Z'));
    expect(first).toEqual({ startMs: at('2026-10-25T00:00:00Z'), label: '2026-10-25T02:00+02:00' });
    expect(second).toEqual({ startMs: at('2026-10-25T01:00:00Z'), label: '2026-10-25T02:00+01:00' });
    expect(hours.of(at('2026-10-25T02:30:00Z')).label).toBe('2026-10-25T03:00');
  });

  it('follows half-hour zones', () => {
    expect(bucketing('hour', 'Asia/Kolkata').of(at('2026-03-29T10:10:00Z'))).toEqual({ startMs: at('2026-03-29T09:30:00Z'), label: '2026-03-29T15:00' });
  });
});

describe('weeks', () => {
  it('start on the local Monday and carry the ISO week label', () => {
    const weeks = bucketing('week', 'Europe/Berlin');
    // Sunday 2026-03-29 belongs to the week of Monday 2026-03-23 (W13).
    expect(weeks.of(at('2026-03-29T12:00:00Z'))).toEqual({ startMs: at('2026-03-22T23:00:00Z'), label: '2026-W13' });
    // Monday 2026-03-30 00:30 CEST starts W14.
    expect(weeks.of(at('2026-03-29T22:30:00Z'))).toEqual({ startMs: at('2026-03-29T22:00:00Z'), label: '2026-W14' });
  });

  it('use the ISO week-year at year ends', () => {
    expect(isoWeekLabel({ year: 2024, month: 12, day: 30 })).toBe('2025-W01');
    expect(isoWeekLabel({ year: 2020, month: 12, day: 28 })).toBe('2020-W53');
    expect(bucketing('week', 'UTC').of(at('2027-01-01T10:00:00Z')).label).toBe('2026-W53');
  });
});

describe('zoned time', () => {
  it('finds no instant in a gap, two in an overlap', () => {
    expect(instantsOfWall(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin')).toEqual([]);
    expect(instantsOfWall(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin')).toEqual([at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z')]);
    expect(instantOfWall(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin')).toBe(at('2026-03-29T01:00:00Z'));
  });

  it('accepts IANA names only, canonically', () => {
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('America/Sao_Paulo')).toBe('America/Sao_Paulo');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('+02:00')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });

  it('parses real dates only', () => {
    expect(parseDate('2026-02-28')).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDate('2026-02-29')).toBeUndefined();
    expect(parseDate('2026-2-1')).toBeUndefined();
  });
});
