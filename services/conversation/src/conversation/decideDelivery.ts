import { DeliveryStatus } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { RecordMessageDelivery } from './commands';
import { eventFrom, occurredAt, requireStarted } from './commandGuards';
import type { ConversationEvent } from './events';
import { deliveryKey, type ConversationState } from './state';
import { optionalLine, optionalReason, requireId, requireInstant } from './validation';

/** How far each status is along sent → delivered → read; failures stand apart. */
const progress: Record<DeliveryStatus, number> = {
  [DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED]: -1,
  [DeliveryStatus.DELIVERY_STATUS_SENT]: 1,
  [DeliveryStatus.DELIVERY_STATUS_DELIVERED]: 2,
  [DeliveryStatus.DELIVERY_STATUS_READ]: 3,
  [DeliveryStatus.DELIVERY_STATUS_FAILED]: 0,
  [DeliveryStatus.DELIVERY_STATUS_BOUNCED]: 0,
  [DeliveryStatus.UNRECOGNIZED]: -1,
};

const MAX_PROVIDER_ID_CHARS = 998; // an email header line's limit

/**
 * Records a provider's receipt for a message of this conversation. Receipts
 * arrive late, twice and out of order (a "delivered" after the "read"), so a
 * status the message already has, or one behind a status it has, changes
 * nothing. A failure the channel will retry can be followed by "sent"; a
 * failure recorded as final, or a bounce, is recorded each time it is new.
 */
export function decideRecordMessageDelivery(command: RecordMessageDelivery, state: ConversationState): ConversationEvent[] {
  const { data } = command;
  requireId('message_id', data.messageId);
  if (progress[data.status] === undefined || progress[data.status] < 0) {
    throw new ValidationError('status', 'must be one of sent, delivered, read, failed, bounced');
  }
  optionalLine('provider_message_id', data.providerMessageId, MAX_PROVIDER_ID_CHARS);
  const detail = optionalReason('detail', data.detail);
  if (data.occurredAt !== undefined) requireInstant('occurred_at', data.occurredAt);
  const conversation = requireStarted(command, state);
  const { messageLanguages, deliveries = new Map<string, string>() } = conversation.details;
  if (!messageLanguages.has(data.messageId)) {
    throw new IllegalStateError(`conversation "${data.conversationId}" has no message "${data.messageId}"`);
  }
  const has = (status: DeliveryStatus): boolean => deliveries.has(deliveryKey(data.messageId, status));
  const reached = Math.max(
    ...[DeliveryStatus.DELIVERY_STATUS_SENT, DeliveryStatus.DELIVERY_STATUS_DELIVERED, DeliveryStatus.DELIVERY_STATUS_READ].filter(has).map((s) => progress[s]),
    0,
  );
  const isFailure = progress[data.status] === 0;
  // A retried failure is recorded once per attempt's detail; a final failure or a bounce once.
  if (isFailure && (has(DeliveryStatus.DELIVERY_STATUS_BOUNCED) || (has(data.status) && !data.willRetry))) return [];
  if (!isFailure && progress[data.status] <= reached) return [];
  return [
    eventFrom(command, 'MessageDeliveryUpdated', {
      conversationId: data.conversationId,
      messageId: data.messageId,
      status: data.status,
      providerMessageId: data.providerMessageId,
      detail,
      willRetry: isFailure && data.willRetry,
      occurredAt: data.occurredAt ?? occurredAt(command),
    }),
  ];
}
