import type { GetQueuePositionResponse } from '@contactcenter/proto/routing/v1';

export const queuePositionSchema = {
  type: 'object',
  properties: {
    queueId: { type: 'string' },
    position: { type: 'integer' },
    queueLength: { type: 'integer' },
    estimatedWaitSeconds: { type: ['integer', 'null'] },
    waitingSince: { type: 'string', format: 'date-time' },
    waitingReason: { type: 'string' },
  },
} as const;

export const queuePositionView = (res: GetQueuePositionResponse) => ({
  queueId: res.queueId,
  position: res.position,
  queueLength: res.queueLength,
  estimatedWaitSeconds: res.estimatedWaitSeconds ?? null,
  waitingSince: res.waitingSince?.toISOString(),
  waitingReason: res.waitingReason,
});
