/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl`: the offset
 * at an instant, and the instant(s) of a local wall time (none in a DST gap,
 * two in a DST overlap). Pure and cached, because a metrics query converts
 * hundreds of thousands of instants.
 *
 * "Wall" values are local times encoded as if they were UTC epoch
 * milliseconds (`Date.UTC(y, m - 1, d, h, mi)`), so that calendar arithmetic
 * on them is plain integer arithmetic.
 *
 * @example
 *   offsetMs(Date.parse('2026-03-29T12:00:00Z'), 'Europe/Berlin'); // 7_200_000
 *   instantOfWall(Date.UTC(2026, 2, 29), 'Europe/Berlin');          // 2026-03-28T23:00:00Z
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Offsets are cached per 15-minute slot: every DST rule in use changes on a quarter hour. */
const SLOT_MS = 15 * MINUTE_MS;
const MAX_CACHED_SLOTS = 500_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const slotOffsets = new Map<string, Map<number, number>>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of an IANA zone Intl knows ("utc" → "UTC"), or undefined. */
export function canonicalTimeZone(name: string): string | undefined {
  // Offsets like "+02:00" are not zones: they have no DST and no holidays' local days.
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(name) || name.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function exactOffsetMs(ms: number, timeZone: string): number {
  const parts = formatterOf(timeZone).formatToParts(new Date(ms));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
    }
  }
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  return wall - (ms - mod(ms, 1000));
}

/** Milliseconds to add to the instant `ms` to get the wall time in `timeZone`. */
export function offsetMs(ms: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  let cache = slotOffsets.get(timeZone);
  if (!cache) slotOffsets.set(timeZone, (cache = new Map()));
  const slot = Math.floor(ms / SLOT_MS);
  const cached = cache.get(slot);
  if (cached !== undefined) return cached;
  const atStart = exactOffsetMs(slot * SLOT_MS, timeZone);
  const atEnd = exactOffsetMs(slot * SLOT_MS + SLOT_MS - 1000, timeZone);
  // A slot with a change inside it (historic odd offsets) is never cached.
  if (atStart !== atEnd) return exactOffsetMs(ms, timeZone);
  if (cache.size > MAX_CACHED_SLOTS) cache.clear();
  cache.set(slot, atStart);
  return atStart;
}

/** The wall time of the instant `ms` in `timeZone`. */
export const wallOf = (ms: number, timeZone: string): number => ms + offsetMs(ms, timeZone);

/**
 * Every instant whose wall time in `timeZone` is `wall`: one normally, none
 * in a spring-forward gap, two (earlier first) in a fall-back overlap.
 */
export function instantsOfWall(wall: number, timeZone: string): number[] {
  // Zone offsets stay within ±14 h and change at most once a day or so: the
  // offsets a day before and after bracket every candidate.
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const out: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    const t = wall - o;
    if (offsetMs(t, timeZone) === o && !out.includes(t)) out.push(t);
  }
  if (out.length === 0 && before === after) {
    // The offset changed and changed back within two days: ask the exact offset.
    const t = wall - offsetMs(wall - offsetMs(wall, timeZone), timeZone);
    if (wallOf(t, timeZone) === wall) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The first instant at or after the wall time `wall`: the instant itself,
 * the earlier of two in an overlap, or in a gap the moment the clocks jump
 * (a window opening at 02:30 on a day without 02:30 opens at 03:00).
 */
export function instantOfWall(wall: number, timeZone: string): number {
  const found = instantsOfWall(wall, timeZone);
  if (found.length > 0) return found[0]!;
  // In a gap: the transition lies between `wall - later offset` and `wall - earlier offset`.
  let lo = wall - Math.max(offsetMs(wall - DAY_MS, timeZone), offsetMs(wall + DAY_MS, timeZone));
  let hi = wall - Math.min(offsetMs(wall - DAY_MS, timeZone), offsetMs(wall + DAY_MS, timeZone));
  const startOffset = offsetMs(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetMs(mid, timeZone) === startOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A local calendar date. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export const wallOfDate = (d: LocalDate): number => Date.UTC(d.year, d.month - 1, d.day);

export function dateOfWall(wall: number): LocalDate {
  const d = new Date(wall - mod(wall, DAY_MS));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The local date of the instant `ms` in `timeZone`. */
export const localDateOf = (ms: number, timeZone: string): LocalDate => dateOfWall(wallOf(ms, timeZone));

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekdayOf(d: LocalDate): number {
  const dow = new Date(wallOfDate(d)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

export const addDays = (d: LocalDate, days: number): LocalDate => dateOfWall(wallOfDate(d) + days * DAY_MS);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2026-03-29" */
export const formatDate = (d: LocalDate): string => `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;

/** "2026-03-29" → the date, or undefined when it is no real date. */
export function parseDate(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return formatDate(dateOfWall(wallOfDate(d))) === text ? d : undefined;
}

/** "+02:00", "-03:00", "+05:30" */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(Math.round(offset / MINUTE_MS));
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Euclidean modulo: never negative, also for instants before 1970. */
export const mod = (a: number, b: number): number => ((a % b) + b) % b;
