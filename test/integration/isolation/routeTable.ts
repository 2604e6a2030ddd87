/**
 * The table: every route the gateway serves, with how it is attacked. The
 * coverage test compares it with the running gateway's /openapi.json, so a
 * new route fails until it has a row here (in its area's file under routes/)
 * or a reasoned entry in EXEMPT.
 */
import type { Row } from './routeRow';
import { adminRoutes } from './routes/adminRoutes';
import { agentDeskRoutes } from './routes/agentDeskRoutes';
import { integratorRoutes } from './routes/integratorRoutes';
import { realtimeRoutes } from './routes/realtimeRoutes';
import { surveyRoutes } from './routes/surveyRoutes';
import { visitorRoutes } from './routes/visitorRoutes';

/** Routes deliberately not attacked, with the reason. */
export const EXEMPT: Record<string, string> = {
  'GET /healthz': 'liveness probe: no tenant, no data, no credentials',
  'GET /readyz': 'readiness probe: peer health only, no tenant data',
  'GET /asyncapi.json': 'the public description of the real-time and event APIs: the same for everyone, no tenant data',
  // Not in /openapi.json, listed for the record: /openapi.json and /docs (the public API description), /metrics (on the separate metrics port, never the public one).
};

/** Routes served but absent from /openapi.json, with the reason; the coverage test checks that each is still served. */
export const UNDOCUMENTED: Record<string, string> = {
  'GET /v1/realtime': 'a WebSocket upgrade: @fastify/swagger leaves websocket routes out of the OpenAPI document',
};

/**
 * One row per route, grouped by area. The attacks run in this order, and some
 * leave state behind that later answers may show (B's agent starts its own
 * conversation under c0's id first), so a new area goes at the end.
 */
export const ROUTES: Record<string, Row> = byArea(agentDeskRoutes, adminRoutes, visitorRoutes, surveyRoutes, integratorRoutes, realtimeRoutes);

/** The areas' rows in one table; a route with rows in two areas would silently lose one, so it throws. */
function byArea(...areas: Record<string, Row>[]): Record<string, Row> {
  const table: Record<string, Row> = {};
  for (const area of areas) {
    for (const [route, row] of Object.entries(area)) {
      if (route in table) throw new Error(`${route}: two rows in the route table`);
      table[route] = row;
    }
  }
  return table;
}
