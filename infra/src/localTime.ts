import { ValidationError } from './errors';

/**
 * Checks shared by every calendar the backend keeps in local time (agents'
 * shifts, queues' business hours): an IANA time zone the runtime knows, a
 * local time of day "HH:MM", and a calendar date "YYYY-MM-DD". Pure (no
 * runtime kit), so domain code may import it.
 *
 * @example
 *   isKnownTimeZone('Europe/Lisbon'); // true
 *   localMinuteOf('shifts[0].start', '09:30'); // 570
 *   isIsoDate('2026-02-30'); // false
 */

const HH_MM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `zone` is a time zone this runtime knows ("Europe/Lisbon", "UTC"). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes after midnight of a local time "HH:MM" (00:00-23:59); a ValidationError naming `field` otherwise. */
export function localMinuteOf(field: string, value: string): number {
  const m = HH_MM.exec(value);
  if (!m) throw new ValidationError(field, `must be a local time "HH:MM" (00:00-23:59), got ${JSON.stringify(value)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `value` is a real calendar date "YYYY-MM-DD" (no 30 February). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
