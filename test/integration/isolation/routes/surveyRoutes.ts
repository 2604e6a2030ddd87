/** Rows for surveys and metrics: A's surveys, B's own reports, and A's agent kept out of the reports. */
import { adminOwnTenant, asOtherTenant, asOtherVisitor, asStaffOnVisitorRoute, asVisitor, asWrongRole, req } from '../attacks';
import type { Row } from '../routeRow';
import { surveyDefinition } from '../surveyDefinition';

export const surveyRoutes: Record<string, Row> = {
  'PUT /v1/admin/surveys/{surveyId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/surveys/${w.a.draftSurveyId}`, surveyDefinition('B survey'))) },
  'GET /v1/metrics': {
    requests: (w) => {
      const day = 86_400_000;
      const r = req('GET', `/v1/metrics?from=${new Date(Date.now() - 30 * day).toISOString()}&to=${new Date(Date.now() + day).toISOString()}&bucket=none&groupBy=agent`);
      return [...asOtherTenant(w, r, 'own-scope', ['admin', 'supervisor']), { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' }, ...asVisitor(w, r)];
    },
  },
  'GET /v1/admin/metrics-settings': {
    requests: (w) => {
      const r = req('GET', '/v1/admin/metrics-settings');
      return [...asOtherTenant(w, r, 'own-scope', ['admin', 'supervisor']), { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' }, ...asVisitor(w, r)];
    },
  },
  // A what-if over the last seconds: B's supervisors and admins find no traffic of their own in it, whatever A's was
  // (or, should the stream be younger than the window, that it starts before the events kept).
  'POST /v1/simulations': {
    requests: (w) => {
      const r = req('POST', '/v1/simulations', { windowStart: new Date(Date.now() - 5_000).toISOString(), windowEnd: new Date().toISOString() });
      return [...asOtherTenant(w, r, { nothingOwn: ['window', 'window.start'] }, ['admin', 'supervisor']), { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' }, ...asVisitor(w, r)];
    },
  },
  'PUT /v1/admin/metrics-settings': { requests: (w) => adminOwnTenant(w, req('PUT', '/v1/admin/metrics-settings', { timeZone: 'Asia/Tokyo', fcrWindowDays: 3 })) },
  'GET /v1/admin/surveys': {
    requests: (w) => {
      const r = req('GET', '/v1/admin/surveys');
      return [...asOtherTenant(w, r, 'own-scope', ['admin', 'supervisor']), { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' }, ...asVisitor(w, r)];
    },
  },
  'GET /v1/admin/surveys/{surveyId}': {
    requests: (w) => {
      const r = req('GET', `/v1/admin/surveys/${w.a.surveyId}`);
      return [...asOtherTenant(w, r, 'denied', ['admin', 'supervisor']), { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' }, ...asVisitor(w, r)];
    },
  },
  'DELETE /v1/admin/surveys/{surveyId}': {
    requests: (w) => {
      const r = req('DELETE', `/v1/admin/surveys/${w.a.surveyId}`);
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
  'POST /v1/conversations/{conversationId}/surveys': {
    requests: (w) => [...asOtherTenant(w, req('POST', `/v1/conversations/${w.a.c3}/surveys`, { surveyId: w.a.surveyId }), 'denied', ['admin', 'agent']), ...asVisitor(w, req('POST', `/v1/conversations/${w.a.c3}/surveys`, { surveyId: w.a.surveyId }))],
  },
  'GET /v1/visitor/conversations/{conversationId}/surveys': {
    requests: (w) => {
      const r = req('GET', `/v1/visitor/conversations/${w.a.c3}/surveys`);
      return [...asOtherVisitor(w, r), ...asStaffOnVisitorRoute(w, r)];
    },
  },
  'PUT /v1/visitor/conversations/{conversationId}/surveys/{surveyId}/response': {
    requests: (w) => {
      const r = req('PUT', `/v1/visitor/conversations/${w.a.c3}/surveys/${w.a.surveyId}/response`, { answers: [{ questionId: 'csat', score: 1 }] });
      return [...asOtherVisitor(w, r), ...asStaffOnVisitorRoute(w, r)];
    },
  },
};
