import { DeliveryStatus } from '@contactcenter/proto/conversation/v1';
import type { DeliveryUpdate } from '../channel/adapter';

const statuses: Record<DeliveryUpdate['status'], DeliveryStatus> = {
  sent: DeliveryStatus.DELIVERY_STATUS_SENT,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  read: DeliveryStatus.DELIVERY_STATUS_READ,
  failed: DeliveryStatus.DELIVERY_STATUS_FAILED,
  bounced: DeliveryStatus.DELIVERY_STATUS_BOUNCED,
};

export const deliveryStatusOf = (status: DeliveryUpdate['status']): DeliveryStatus => statuses[status];
