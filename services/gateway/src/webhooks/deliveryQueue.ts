import { JETSTREAM_REQUEST_TIMEOUT_MS, jetStreamReplicas } from '@contactcenter/infra';
import { UnavailableError } from '@contactcenter/infra';
import type { CloudEvent } from '@contactcenter/infra/events';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

export const DEFAULT_DELIVERY_STREAM = 'CC_WEBHOOK_DELIVERIES';
/** Outside `cc.>`, so that delivery jobs never land in the events stream. */
export const DELIVERY_SUBJECT_PREFIX = 'ccwebhooks.delivery';

/** One event for one webhook: a message of the delivery work queue, naked with a delay between attempts. */
export interface DeliveryJob {
  tenantId: string;
  webhookId: string;
  deliveryId: string;
  event: CloudEvent;
  enqueuedAt: string;
  /** A replay of a kept failed delivery: its record is updated with the outcome. */
  replay?: boolean;
}

/**
 * The webhook delivery work queue: a JetStream stream with work-queue
 * retention, one message per (event, webhook). Fan-out publishes with
 * `Nats-Msg-Id` = delivery id, so an event fanned out twice (a redelivery
 * after a crash) within the duplicate window makes one job.
 */
export class DeliveryQueue {
  private constructor(
    private readonly js: JetStreamClient,
    readonly stream: string,
  ) {}

  /** Creates the stream if missing (file storage, jobs dropped after a day). */
  static async open(nc: NatsConnection, stream = DEFAULT_DELIVERY_STREAM): Promise<DeliveryQueue> {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(stream);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw new UnavailableError(`cannot reach the stream ${stream}`, { cause: err });
      await jsm.streams
        .add({
          name: stream,
          subjects: [`${DELIVERY_SUBJECT_PREFIX}.${stream}.>`],
          storage: StorageType.File,
          retention: RetentionPolicy.Workqueue,
          discard: DiscardPolicy.Old,
          max_age: nanos(24 * 3600_000),
          duplicate_window: nanos(2 * 60_000),
          num_replicas: jetStreamReplicas(),
        })
        .catch(async (addErr: unknown) => {
          // Another replica created it at the same moment.
          await jsm.streams.info(stream).catch(() => {
            throw new UnavailableError(`cannot create the stream ${stream}`, { cause: addErr });
          });
        });
    }
    return new DeliveryQueue(jetstream(nc, { timeout: JETSTREAM_REQUEST_TIMEOUT_MS }), stream);
  }

  async enqueue(job: DeliveryJob): Promise<void> {
    const subject = `${DELIVERY_SUBJECT_PREFIX}.${this.stream}.${job.tenantId}`;
    // Replays are deliberate repeats: no deduplication id.
    await this.js.publish(subject, JSON.stringify(job), job.replay ? {} : { msgID: job.deliveryId });
  }
}
