/**
 * Rows for the customer widget: other visitors (V2, B's, B's claiming V1's
 * customer id) at V1's conversation, forged identities, and staff tokens,
 * which are no visitor session.
 */
import { createHmac } from 'node:crypto';
import { asOtherVisitor, asStaffOnVisitorRoute, req } from '../attacks';
import type { Row } from '../routeRow';

export const visitorRoutes: Record<string, Row> = {
  'POST /v1/visitor/sessions': {
    requests: (w) => {
      const hashUnderA = createHmac('sha256', w.a.identitySecret).update(w.a.v1.customerId).digest('hex');
      return [
        // Claiming V1's customer id without the tenant's signature, or with A's signature on B's key.
        { who: 'anyone claiming V1\'s customer id unsigned', method: 'POST', path: '/v1/visitor/sessions', credential: undefined, body: { widgetKey: w.a.widgetKey, customerId: w.a.v1.customerId }, expect: 'denied' },
        { who: 'anyone claiming V1\'s customer id with a wrong hash', method: 'POST', path: '/v1/visitor/sessions', credential: undefined, body: { widgetKey: w.a.widgetKey, customerId: w.a.v1.customerId, identityHash: '0'.repeat(64) }, expect: 'denied' },
        { who: 'anyone with A\'s signature on B\'s widget key', method: 'POST', path: '/v1/visitor/sessions', credential: undefined, body: { widgetKey: w.b.widgetKey, customerId: w.a.v1.customerId, identityHash: hashUnderA }, expect: 'denied' },
      ];
    },
  },
  'POST /v1/visitor/conversations': {
    requests: (w) => [
      { who: 'tenant B visitor into A\'s queue', method: 'POST', path: '/v1/visitor/conversations', credential: w.b.visitor.token, body: { language: 'en', queueId: w.a.privateQueueId }, expect: 'denied' },
      ...asStaffOnVisitorRoute(w, req('POST', '/v1/visitor/conversations', { language: 'en' })),
    ],
  },
  'GET /v1/visitor/conversations/{conversationId}': {
    requests: (w) => [...asOtherVisitor(w, req('GET', `/v1/visitor/conversations/${w.a.c1}`)), ...asStaffOnVisitorRoute(w, req('GET', `/v1/visitor/conversations/${w.a.c1}`))],
  },
  'POST /v1/visitor/conversations/{conversationId}/messages': {
    requests: (w) => {
      const r = req('POST', `/v1/visitor/conversations/${w.a.c1}/messages`, { text: 'intruder message' });
      return [...asOtherVisitor(w, r), ...asStaffOnVisitorRoute(w, r)];
    },
  },
  'GET /v1/visitor/conversations/{conversationId}/queue-position': {
    requests: (w) => {
      const r = req('GET', `/v1/visitor/conversations/${w.a.c1}/queue-position`);
      return [...asOtherVisitor(w, r), ...asStaffOnVisitorRoute(w, r)];
    },
  },
  'POST /v1/visitor/activity': {
    requests: (w) => {
      // Matches A's rule: B's visitor must not get A's invitation, V2 gets one of its own at most.
      const r = req('POST', '/v1/visitor/activity', { url: 'https://a.example/pricing', timeOnPageSeconds: 120, language: 'en' });
      return [{ who: 'tenant B visitor on A\'s pages', ...r, credential: w.b.visitor.token, expect: 'own-scope' }, ...asStaffOnVisitorRoute(w, r)];
    },
  },
  'POST /v1/visitor/invitations/{invitationId}/accept': {
    requests: (w) => {
      const r = req('POST', `/v1/visitor/invitations/${w.a.invitationId}/accept`, {});
      return [...asOtherVisitor(w, r), ...asStaffOnVisitorRoute(w, r)];
    },
  },
};
