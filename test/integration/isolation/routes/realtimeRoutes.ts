/** Rows for the real-time channel: the WebSocket carries nothing across tenants or visitors. */
import type { Row } from '../routeRow';
import { realtimeStaysInTenant } from '../streamChecks';

export const realtimeRoutes: Record<string, Row> = {
  'GET /v1/realtime': { stream: realtimeStaysInTenant },
};
