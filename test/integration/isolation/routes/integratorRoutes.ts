/** Rows for integrators: the event feed (API keys with `events:read`) and webhooks (`webhooks:manage`). */
import { req, webhookAttacks } from '../attacks';
import type { Row } from '../routeRow';
import { eventHistoryStaysInTenant } from '../streamChecks';

export const integratorRoutes: Record<string, Row> = {
  'GET /v1/events': {
    requests: (w) => [
      { who: 'tenant A admin JWT (no API key)', method: 'GET', path: '/v1/events', credential: w.a.admin, expect: 'unauthenticated' },
      { who: 'visitor V1', method: 'GET', path: '/v1/events', credential: w.a.v1.token, expect: 'unauthenticated' },
      { who: 'tenant A API key without events:read', method: 'GET', path: '/v1/events', credential: w.a.hooksKey, expect: 'denied' },
    ],
    stream: eventHistoryStaysInTenant,
  },
  'POST /v1/webhooks': {
    requests: (w) => webhookAttacks(w, req('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/b-hook', eventTypes: ['*'] }), 'own-scope'),
  },
  'GET /v1/webhooks': { requests: (w) => webhookAttacks(w, req('GET', '/v1/webhooks'), 'own-scope') },
  'DELETE /v1/webhooks/{id}': { requests: (w) => webhookAttacks(w, req('DELETE', `/v1/webhooks/${w.a.webhookId}`)) },
  'GET /v1/webhooks/{id}/deliveries': { requests: (w) => webhookAttacks(w, req('GET', `/v1/webhooks/${w.a.webhookId}/deliveries`)) },
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay': { requests: (w) => webhookAttacks(w, req('POST', `/v1/webhooks/${w.a.webhookId}/deliveries/${w.a.deliveryId}/replay`)) },
  'POST /v1/webhooks/{id}/replay-failed': { requests: (w) => webhookAttacks(w, req('POST', `/v1/webhooks/${w.a.webhookId}/replay-failed`)) },
  'POST /v1/webhooks/{id}/rotate-secret': { requests: (w) => webhookAttacks(w, req('POST', `/v1/webhooks/${w.a.webhookId}/rotate-secret`)) },
};
