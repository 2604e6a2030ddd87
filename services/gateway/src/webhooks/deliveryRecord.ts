import type { AttemptOutcome } from './httpDelivery';
import type { DeliveryJob } from './deliveryQueue';
import type { DeliveryRecord } from './webhookStore';

/**
 * The kept record of a delivery after `attempts` more attempts ended in
 * `outcome`, on top of what was kept before (a replay) if anything.
 */
export function nextDeliveryRecord(
  job: Pick<DeliveryJob, 'tenantId' | 'webhookId' | 'deliveryId' | 'event' | 'enqueuedAt'>,
  previous: DeliveryRecord | undefined,
  attempts: number,
  outcome: AttemptOutcome,
): DeliveryRecord {
  return {
    deliveryId: job.deliveryId,
    webhookId: job.webhookId,
    tenantId: job.tenantId,
    eventId: job.event.id,
    eventType: job.event.type,
    status: outcome.ok ? 'succeeded' : 'failed',
    attempts: (previous?.attempts ?? 0) + attempts,
    ...(outcome.statusCode !== undefined ? { lastStatusCode: outcome.statusCode } : {}),
    ...(outcome.error !== undefined ? { lastError: outcome.error } : {}),
    firstAttemptAt: previous?.firstAttemptAt ?? job.enqueuedAt,
    lastAttemptAt: outcome.at,
    event: job.event,
  };
}
