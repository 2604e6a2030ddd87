/**
 * Rows for tenant administration: B's admin writes B's own records under A's
 * ids (or is refused on A's keys); A's agent and supervisor, and visitors, are
 * refused outright. A's channel endpoint (a WhatsApp number) carries secrets
 * that no answer may contain, A's admin's included.
 */
import { adminOwnTenant, asOtherTenant, asVisitor, asWrongRole, req, staffOwnTenant, supervisorOwnTenant } from '../attacks';
import type { Row } from '../routeRow';

export const adminRoutes: Record<string, Row> = {
  'PUT /v1/admin/agents/{agentId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/agents/${w.a.agentId}`, { displayName: 'B\'s agent', languages: ['en'], capacity: { chat: 1 } })) },
  'GET /v1/admin/agents': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/agents')) },
  'PUT /v1/admin/queues/{queueId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/queues/${w.a.queueId}`, { name: 'B queue', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY' })) },
  'GET /v1/admin/queues': { requests: (w) => supervisorOwnTenant(w, req('GET', '/v1/admin/queues')) },
  'PUT /v1/admin/teams/{teamId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/teams/${w.a.teamId}`, { name: 'B team', queueId: w.a.queueId })) },
  'GET /v1/admin/teams': { requests: (w) => supervisorOwnTenant(w, req('GET', '/v1/admin/teams')) },
  'PUT /v1/admin/faq/{entryId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/faq/${w.a.faqId}`, { language: 'en', question: 'B?', answer: 'B.' })) },
  'PUT /v1/admin/canned-responses/{cannedResponseId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/canned-responses/${w.a.cannedId}`, { title: 'B', versions: { en: 'B says hi' } })) },
  'GET /v1/canned-responses': { requests: (w) => staffOwnTenant(w, req('GET', '/v1/canned-responses')) },
  'PUT /v1/admin/translation': { requests: (w) => adminOwnTenant(w, req('PUT', '/v1/admin/translation', { enabled: false })) },
  'POST /v1/admin/widget-keys': { requests: (w) => adminOwnTenant(w, req('POST', '/v1/admin/widget-keys')) },
  'GET /v1/admin/widget-keys': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/widget-keys')) },
  'PATCH /v1/admin/widget-keys/{widgetKey}': {
    requests: (w) => {
      const r = req('PATCH', `/v1/admin/widget-keys/${w.a.widgetKey}`, { allowedOrigins: ['https://b.example'] });
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
  'DELETE /v1/admin/widget-keys/{widgetKey}': {
    requests: (w) => {
      const r = req('DELETE', `/v1/admin/widget-keys/${w.a.widgetKey}`);
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
  'PUT /v1/admin/identity-provider': {
    requests: (w) => adminOwnTenant(w, req('PUT', '/v1/admin/identity-provider', { jwksUrl: 'https://1.1.1.1/b-jwks', issuer: 'https://login.b.example' })),
  },
  'GET /v1/admin/identity-provider': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/identity-provider')) },
  // The isolation stack is one region, `local`: B's admin writes B's own settings; A's stay as they were.
  'PUT /v1/admin/residency': { requests: (w) => adminOwnTenant(w, req('PUT', '/v1/admin/residency', { homeRegion: 'local', rules: [{ countries: ['FR'], region: 'local' }] })) },
  'GET /v1/admin/residency': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/residency')) },
  'DELETE /v1/admin/identity-provider': { requests: (w) => adminOwnTenant(w, req('DELETE', '/v1/admin/identity-provider')) },
  'POST /v1/admin/api-keys': { requests: (w) => adminOwnTenant(w, req('POST', '/v1/admin/api-keys', { name: 'B key', scopes: ['events:read'] })) },
  'GET /v1/admin/api-keys': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/api-keys')) },
  'DELETE /v1/admin/api-keys/{apiKeyId}': {
    requests: (w) => {
      const r = req('DELETE', `/v1/admin/api-keys/${w.a.hooksKeyId}`);
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
  'PUT /v1/admin/invitation-rules': {
    requests: (w) => adminOwnTenant(w, req('PUT', '/v1/admin/invitation-rules', { rules: [{ ruleId: 'b-rule', urlPattern: 'https://a.example/*', messages: { en: 'B invites' } }] })),
  },
  'GET /v1/admin/invitation-rules': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/invitation-rules')) },
  'GET /v1/admin/channels': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/channels')) },
  // A number has one owner: B's admin putting A's is refused (409) without a word of A's settings.
  'PUT /v1/admin/channels/{channel}/{endpointId}': {
    requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/channels/whatsapp/${w.a.channelEndpointId}`, { queueId: 'b-queue', appSecret: 'b-app-secret', accessToken: 'b-access-token' })),
  },
  'GET /v1/admin/channels/{channel}/{endpointId}': {
    requests: (w) => {
      const r = req('GET', `/v1/admin/channels/whatsapp/${w.a.channelEndpointId}`);
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
  'DELETE /v1/admin/channels/{channel}/{endpointId}': {
    requests: (w) => {
      const r = req('DELETE', `/v1/admin/channels/whatsapp/${w.a.channelEndpointId}`);
      return [...asOtherTenant(w, r, 'denied', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];
    },
  },
};
