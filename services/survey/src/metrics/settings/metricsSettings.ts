/**
 * A tenant's metrics settings: validated and normalised on the way in, and
 * turned into the policy a query applies (settings are never baked into the
 * projected facts, so changing them recomputes history).
 */
import { ValidationError } from '@contactcenter/infra/errors';
import type { BusinessHours, MetricsSettings } from '@contactcenter/proto/survey/v1';
import type { MetricsPolicy } from '../figures/metricsTable';
import { alwaysOpen, businessCalendar, type BusinessCalendar, type OpeningWindow } from '../time/businessHours';
import { DAY_MS, canonicalTimeZone, parseDate } from '../time/zonedTime';

export const DEFAULT_METRICS_SETTINGS: MetricsSettings = Object.freeze({ timeZone: 'UTC', fcrWindowDays: 7, conversionTags: [], businessHours: [] });

export const SETTINGS_LIMITS = { fcrWindowDays: [1, 90], conversionTags: 50, tagChars: 64, queues: 200, windowsPerQueue: 50, holidaysPerQueue: 400, idChars: 128 } as const;

/** The conversation service's tag format: a lower-case slug. */
const TAG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** An IANA zone name, canonical; `field` is named when it is not one. */
export function requireTimeZone(field: string, name: string): string {
  const zone = canonicalTimeZone(name);
  if (!zone) throw new ValidationError(field, `must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(name)}`);
  return zone;
}

/** Minutes after midnight of "HH:MM"; "24:00" is allowed as an end (until midnight). */
function minutesOf(field: string, text: string, isEnd: boolean): number {
  if (isEnd && text === '24:00') return 1440;
  const m = CLOCK.exec(text);
  if (!m) throw new ValidationError(field, `must be a 24-hour time "HH:MM"${isEnd ? ' (or "24:00")' : ''}, got ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function requireId(field: string, value: string): string {
  if (!value || value.length > SETTINGS_LIMITS.idChars || !ID.test(value)) {
    throw new ValidationError(field, `must be 1-${SETTINGS_LIMITS.idChars} characters of letters, digits and . _ : @ -, got ${JSON.stringify(value)}`);
  }
  return value;
}

function validateBusinessHours(hours: BusinessHours, at: string, tenantZone: string): BusinessHours {
  const queueId = requireId(`${at}.queue_id`, hours.queueId);
  const timeZone = hours.timeZone ? requireTimeZone(`${at}.time_zone`, hours.timeZone) : tenantZone;
  if (hours.windows.length === 0) throw new ValidationError(`${at}.windows`, 'must hold at least one opening window');
  if (hours.windows.length > SETTINGS_LIMITS.windowsPerQueue) throw new ValidationError(`${at}.windows`, `must hold at most ${SETTINGS_LIMITS.windowsPerQueue} windows`);
  const parsed = hours.windows.map((w, i) => {
    const f = `${at}.windows[${i}]`;
    if (!Number.isInteger(w.isoWeekday) || w.isoWeekday < 1 || w.isoWeekday > 7) throw new ValidationError(`${f}.iso_weekday`, `must be 1 (Monday) to 7 (Sunday), got ${w.isoWeekday}`);
    const startMinute = minutesOf(`${f}.start`, w.start, false);
    const endMinute = minutesOf(`${f}.end`, w.end, true);
    if (endMinute <= startMinute) throw new ValidationError(`${f}.end`, `must be after start (${w.start}), got ${w.end}`);
    return { isoWeekday: w.isoWeekday, startMinute, endMinute, index: i };
  });
  // Overlapping windows would count the same minutes twice.
  const sorted = [...parsed].sort((a, b) => a.isoWeekday - b.isoWeekday || a.startMinute - b.startMinute);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!, cur = sorted[i]!;
    if (cur.isoWeekday === prev.isoWeekday && cur.startMinute < prev.endMinute) {
      throw new ValidationError(`${at}.windows[${cur.index}]`, `overlaps window ${prev.index} on weekday ${cur.isoWeekday}`);
    }
  }
  if (hours.holidays.length > SETTINGS_LIMITS.holidaysPerQueue) throw new ValidationError(`${at}.holidays`, `must hold at most ${SETTINGS_LIMITS.holidaysPerQueue} dates`);
  hours.holidays.forEach((d, i) => {
    if (!parseDate(d)) throw new ValidationError(`${at}.holidays[${i}]`, `must be a date "YYYY-MM-DD", got ${JSON.stringify(d)}`);
  });
  return {
    queueId,
    timeZone,
    windows: sorted.map((w) => ({ isoWeekday: w.isoWeekday, start: hours.windows[w.index]!.start, end: hours.windows[w.index]!.end })),
    holidays: [...new Set(hours.holidays)].sort(),
  };
}

/**
 * Checks and normalises settings: zone names canonical, tags and holidays
 * deduplicated and sorted, windows in weekday order. Zero values mean
 * "default": time zone '' → UTC, FCR window 0 → 7 days; a queue's time zone
 * '' → the tenant's.
 * @throws ValidationError naming the first field at fault.
 */
export function validateMetricsSettings(settings: MetricsSettings | undefined): MetricsSettings {
  if (!settings) throw new ValidationError('settings', 'is required');
  const timeZone = settings.timeZone ? requireTimeZone('settings.time_zone', settings.timeZone) : DEFAULT_METRICS_SETTINGS.timeZone;
  const [minDays, maxDays] = SETTINGS_LIMITS.fcrWindowDays;
  const fcrWindowDays = settings.fcrWindowDays === 0 ? DEFAULT_METRICS_SETTINGS.fcrWindowDays : settings.fcrWindowDays;
  if (!Number.isInteger(fcrWindowDays) || fcrWindowDays < minDays || fcrWindowDays > maxDays) {
    throw new ValidationError('settings.fcr_window_days', `must be ${minDays}-${maxDays} days, got ${settings.fcrWindowDays}`);
  }
  if (settings.conversionTags.length > SETTINGS_LIMITS.conversionTags) throw new ValidationError('settings.conversion_tags', `must hold at most ${SETTINGS_LIMITS.conversionTags} tags`);
  settings.conversionTags.forEach((tag, i) => {
    if (tag.length > SETTINGS_LIMITS.tagChars || !TAG.test(tag)) {
      throw new ValidationError(`settings.conversion_tags[${i}]`, `must be a lower-case slug such as "sale" or "demo-booked" (at most ${SETTINGS_LIMITS.tagChars} characters), got ${JSON.stringify(tag)}`);
    }
  });
  if (settings.businessHours.length > SETTINGS_LIMITS.queues) throw new ValidationError('settings.business_hours', `must hold at most ${SETTINGS_LIMITS.queues} queues`);
  const businessHours = settings.businessHours.map((h, i) => validateBusinessHours(h, `settings.business_hours[${i}]`, timeZone));
  const queues = new Set<string>();
  businessHours.forEach((h, i) => {
    if (queues.has(h.queueId)) throw new ValidationError(`settings.business_hours[${i}].queue_id`, `queue ${JSON.stringify(h.queueId)} appears twice`);
    queues.add(h.queueId);
  });
  return { timeZone, fcrWindowDays, conversionTags: [...new Set(settings.conversionTags)].sort(), businessHours };
}

/** What a query applies: the FCR window, the conversion tags and each queue's calendar (built once per query, then cached per day). */
export function policyOf(settings: MetricsSettings): MetricsPolicy {
  const calendars = new Map<string, BusinessCalendar>();
  for (const h of settings.businessHours) {
    const windows: OpeningWindow[] = h.windows.map((w) => ({ isoWeekday: w.isoWeekday, startMinute: minutesOf('start', w.start, false), endMinute: minutesOf('end', w.end, true) }));
    calendars.set(h.queueId, businessCalendar({ timeZone: h.timeZone || settings.timeZone, windows, holidays: h.holidays }));
  }
  return {
    fcrWindowMs: settings.fcrWindowDays * DAY_MS,
    conversionTags: new Set(settings.conversionTags),
    calendarOf: (queueId) => calendars.get(queueId) ?? alwaysOpen,
  };
}
