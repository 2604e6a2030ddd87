import { ValidationError } from '@contactcenter/infra/errors';
import { addBusinessSeconds, parseBusinessHours, type BusinessHours, type BusinessHoursInput } from './businessHours';

/**
 * What a queue promises its customers: the first agent reply within a target,
 * counted in the queue's business hours when it has them (email: "within 4
 * business hours"), around the clock otherwise (chat: "within 60 seconds").
 */
export interface ServiceLevel {
  firstReplyTargetSeconds: number;
  businessHours?: BusinessHoursInput;
}

/** 30 days: beyond that a promise means nothing to a customer. */
const MAX_TARGET_SECONDS = 30 * 86_400;

/** @throws ValidationError naming the first bad field (`<prefix>.first_reply_target_seconds`, `<prefix>.business_hours.time_zone`, …). */
export function validateServiceLevel(sl: ServiceLevel, prefix: string): ServiceLevel {
  const target = sl.firstReplyTargetSeconds;
  if (!Number.isInteger(target) || target < 1 || target > MAX_TARGET_SECONDS) {
    throw new ValidationError(`${prefix}.first_reply_target_seconds`, `must be 1 to ${MAX_TARGET_SECONDS} seconds, got ${target}`);
  }
  if (!sl.businessHours) return { firstReplyTargetSeconds: target };
  parseBusinessHours(sl.businessHours, `${prefix}.business_hours`);
  const { timeZone, intervals, holidays } = sl.businessHours;
  return { firstReplyTargetSeconds: target, businessHours: { timeZone, intervals: intervals.map(({ day, start, end, endsNextDay }) => ({ day, start, end, endsNextDay })), holidays: [...holidays] } };
}

// Parsed once per stored definition: queues are read far more often than they change.
const parsed = new WeakMap<BusinessHoursInput, BusinessHours>();
const hoursOf = (input: BusinessHoursInput): BusinessHours => {
  let hours = parsed.get(input);
  if (!hours) parsed.set(input, (hours = parseBusinessHours(input, 'service_level.business_hours')));
  return hours;
};

/**
 * When the first agent reply is due for a conversation queued at `queuedAt`;
 * undefined when the queue promises nothing.
 *
 * @example firstReplyDueAt({ firstReplyTargetSeconds: 60 }, new Date('2025-01-06T10:00:00Z')) // 10:01:00Z
 */
export function firstReplyDueAt(sl: ServiceLevel | undefined, queuedAt: Date): Date | undefined {
  if (!sl || sl.firstReplyTargetSeconds <= 0) return undefined;
  if (!sl.businessHours) return new Date(queuedAt.getTime() + sl.firstReplyTargetSeconds * 1000);
  return addBusinessSeconds(queuedAt, sl.firstReplyTargetSeconds, hoursOf(sl.businessHours));
}
