/**
 * One row of the route table: how a route is attacked. Most rows list
 * requests; long-lived routes (WebSocket, SSE) add a check of their own.
 *
 * @example
 * 'GET /v1/admin/teams': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/teams')) },
 */
import type { GatewayClient } from '../../support/gatewayClient';
import type { Attack } from './attacks';
import type { World } from './world';

export interface StreamContext {
  api: GatewayClient;
  /** A's legitimate activity on V1's conversation while the attackers listen; returns the texts posted. */
  activityOfA(): Promise<string[]>;
}

export interface Row {
  /** Requests that must be refused or kept to the caller's tenant. */
  requests?: (w: World) => Attack[];
  /** Long-lived routes (WebSocket, SSE): a check of its own, run after the request attacks. */
  stream?: (w: World, ctx: StreamContext) => Promise<void>;
}
