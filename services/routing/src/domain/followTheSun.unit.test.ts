import { parseBusinessHours, type BusinessHours } from './businessHours';
import { chooseRegion, followTheSun, nobodyOnShift, regionStanding, type RegionAgents, type RegionStanding, type ShiftedAgent } from './followTheSun';

const MIN = 60_000;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

const hours = (timeZone: string, start = '08:00', end = '17:00', holidays: string[] = []): BusinessHours =>
  parseBusinessHours({ timeZone, holidays, intervals: EVERY_DAY.map((day) => ({ day, start, end, endsNextDay: false })) }, 'calendar');

const BERLIN = hours('Europe/Berlin');
const NEW_YORK = hours('America/New_York');

const agents = (prefix: string, h: BusinessHours | undefined, spares: number[]): ShiftedAgent[] =>
  spares.map((spare, i) => ({ agentId: `${prefix}${i + 1}`, hours: h, spare }));

const REGIONS: RegionAgents[] = [
  { region: 'eu', agents: agents('eu-', BERLIN, [1, 0]) },
  { region: 'us', agents: agents('us-', NEW_YORK, [2, 1, 0]) },
];

/** The region chosen at each 15-minute step of a UTC day, as the instants ("HH:MMZ") where it changes. */
function handovers(home: string, utcDay: string, regions = REGIONS): [string, string][] {
  const start = Date.parse(`${utcDay}T00:00:00Z`);
  const changes: [string, string][] = [];
  for (let now = start; now < start + 24 * 60 * MIN; now += 15 * MIN) {
    const region = followTheSun({ home, now, regions })?.region ?? 'none';
    if (changes.at(-1)?.[1] !== region) changes.push([new Date(now).toISOString().slice(11, 16) + 'Z', region]);
  }
  return changes;
}

describe('followTheSun over a full day (virtual clock, 15-minute steps)', () => {
  // Summer: Berlin is UTC+2 (08:00-17:00 = 06:00Z-15:00Z), New York UTC-4 (12:00Z-21:00Z).
  it('stays home while anyone eligible there is on shift, hands over to the region on shift, and has nobody in the gap', () => {
    expect(handovers('eu', '2026-06-10')).toEqual([
      ['00:00Z', 'none'],
      ['06:00Z', 'eu'],
      ['15:00Z', 'us'],
      ['21:00Z', 'none'],
    ]);
    expect(handovers('us', '2026-06-10')).toEqual([
      ['00:00Z', 'none'],
      ['06:00Z', 'eu'],
      ['12:00Z', 'us'],
      ['21:00Z', 'none'],
    ]);
  });

  it('says which region and why, in the home region local time', () => {
    const now = Date.parse('2026-06-10T20:30:00Z');
    expect(followTheSun({ home: 'eu', now, regions: REGIONS })).toEqual({
      region: 'us',
      home: false,
      reason: 'no eligible agent on shift in eu (22:30 Europe/Berlin); us has 3 on shift with 3 free slots (16:30 America/New_York)',
    });
    expect(followTheSun({ home: 'eu', now: Date.parse('2026-06-10T13:00:00Z'), regions: REGIONS })).toEqual({
      region: 'eu',
      home: true,
      reason: '2 eligible on shift in eu (15:00 Europe/Berlin) with 1 free slot',
    });
    expect(followTheSun({ home: 'eu', now: Date.parse('2026-06-10T23:00:00Z'), regions: REGIONS })).toBeUndefined();
  });
});

describe('followTheSun across daylight-saving changes', () => {
  // Shifts keep their local hours, so each handover moves by an hour in UTC on the day its zone changes.
  it.each([
    // Both on standard time: Berlin UTC+1 (07:00Z-16:00Z), New York UTC-5 (13:00Z-22:00Z).
    ['2026-03-07', 'before the US change', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['22:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['13:00Z', 'us'], ['22:00Z', 'none']]],
    // New York springs forward (UTC-4: 12:00Z-21:00Z); Berlin not yet.
    ['2026-03-08', 'the US change', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    ['2026-03-28', 'between the changes', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    // Berlin springs forward at 01:00Z (UTC+2: 06:00Z-15:00Z).
    ['2026-03-29', 'the EU change', [['00:00Z', 'none'], ['06:00Z', 'eu'], ['15:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['06:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    ['2026-10-24', 'before the EU autumn change', [['00:00Z', 'none'], ['06:00Z', 'eu'], ['15:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['06:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    // Berlin falls back at 01:00Z (UTC+1 again).
    ['2026-10-25', 'the EU autumn change', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    ['2026-10-31', 'before the US autumn change', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['21:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['12:00Z', 'us'], ['21:00Z', 'none']]],
    // New York falls back at 06:00Z (UTC-5 again).
    ['2026-11-01', 'the US autumn change', [['00:00Z', 'none'], ['07:00Z', 'eu'], ['16:00Z', 'us'], ['22:00Z', 'none']], [['00:00Z', 'none'], ['07:00Z', 'eu'], ['13:00Z', 'us'], ['22:00Z', 'none']]],
  ])('%s (%s): home eu and home us', (day, _what, homeEu, homeUs) => {
    expect(handovers('eu', day)).toEqual(homeEu);
    expect(handovers('us', day)).toEqual(homeUs);
  });

  const instantOf = (home: string, day: string, region: string) => handovers(home, day).find(([, r]) => r === region)![0];
  /** Hours from one "HH:MMZ" instant of a day to the same kind of instant of another day, days apart not counted. */
  const hoursBetween = (a: string, b: string) => (Date.parse(`2026-01-01T${b.slice(0, 5)}:00Z`) - Date.parse(`2026-01-01T${a.slice(0, 5)}:00Z`)) / (60 * MIN);

  it('moves each handover by exactly one hour in UTC, earlier in spring and later in autumn', () => {
    // eu → us hand over when Berlin's shift ends; us takes over from eu (home us) when New York's starts.
    expect(hoursBetween(instantOf('eu', '2026-03-28', 'us'), instantOf('eu', '2026-03-29', 'us'))).toBe(-1);
    expect(hoursBetween(instantOf('us', '2026-03-07', 'us'), instantOf('us', '2026-03-08', 'us'))).toBe(-1);
    expect(hoursBetween(instantOf('eu', '2026-10-24', 'us'), instantOf('eu', '2026-10-25', 'us'))).toBe(1);
    expect(hoursBetween(instantOf('us', '2026-10-31', 'us'), instantOf('us', '2026-11-01', 'us'))).toBe(1);
  });

  it('tells local time on both sides of a change', () => {
    // 20:30Z is 22:30 in Berlin (CEST) the day before its autumn change and 21:30 (CET) on it; New York stays on EDT.
    const before = followTheSun({ home: 'eu', now: Date.parse('2026-10-24T20:30:00Z'), regions: REGIONS });
    const after = followTheSun({ home: 'eu', now: Date.parse('2026-10-25T20:30:00Z'), regions: REGIONS });
    expect(before?.reason).toContain('(22:30 Europe/Berlin)');
    expect(before?.reason).toContain('(16:30 America/New_York)');
    expect(after?.reason).toContain('(21:30 Europe/Berlin)');
    expect(after?.reason).toContain('(16:30 America/New_York)');
  });
});

describe('chooseRegion', () => {
  const standing = (region: string, onShift: number, free: number): RegionStanding => ({ region, timeZone: 'UTC', localTime: '03:00', onShift, free });

  it('prefers home while anyone eligible there is on shift, even with no free slot', () => {
    expect(chooseRegion('eu', [standing('eu', 1, 0), standing('us', 5, 9)])?.region).toBe('eu');
  });

  it('takes the other region with the most free slots, ties by name', () => {
    expect(chooseRegion('eu', [standing('eu', 0, 0), standing('us', 2, 1), standing('ap', 1, 4)])?.region).toBe('ap');
    expect(chooseRegion('eu', [standing('us', 2, 3), standing('ap', 1, 3), standing('eu', 0, 0)])?.region).toBe('ap');
    expect(chooseRegion('eu', [standing('us', 2, 3), standing('ap', 0, 0)])).toMatchObject({ region: 'us', reason: 'no eligible agent on shift in eu; us has 2 on shift with 3 free slots (03:00 UTC)' });
  });

  it('chooses no region when nobody eligible is on shift anywhere, and says so', () => {
    const all = [standing('eu', 0, 0), standing('us', 0, 0)];
    expect(chooseRegion('eu', all)).toBeUndefined();
    expect(nobodyOnShift('eu', all)).toBe('no eligible agent on shift in eu or any other region (eu 03:00 UTC, us 03:00 UTC)');
  });
});

describe('regionStanding', () => {
  const at = Date.parse('2026-12-24T10:00:00Z'); // 11:00 in Berlin

  it('counts only agents on shift, and their free slots', () => {
    const late = hours('Europe/Berlin', '14:00', '22:00');
    const s = regionStanding({ region: 'eu', agents: [...agents('a', BERLIN, [2, -1]), ...agents('b', late, [5])] }, at);
    expect(s).toEqual({ region: 'eu', timeZone: 'Europe/Berlin', localTime: '11:00', onShift: 2, free: 2 });
  });

  it('leaves out agents on a holiday', () => {
    const off = hours('Europe/Berlin', '08:00', '17:00', ['2026-12-24']);
    expect(regionStanding({ region: 'eu', agents: agents('a', off, [2]) }, at).onShift).toBe(0);
  });

  it("takes presence's word for an agent without hours, and the region's own zone when given", () => {
    const s = regionStanding({ region: 'eu', timeZone: 'Europe/Lisbon', agents: [{ agentId: 'x', hours: undefined, spare: 1 }, { agentId: 'y', hours: undefined, onShift: false, spare: 1 }] }, at);
    expect(s).toEqual({ region: 'eu', timeZone: 'Europe/Lisbon', localTime: '10:00', onShift: 1, free: 1 });
  });
});
