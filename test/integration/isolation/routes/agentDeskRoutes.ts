/**
 * Rows for the agent desk: A's conversations (B's staff and visitors at them)
 * and the desk's presence and offers, where B's agent has the same subject as
 * A's agent.
 */
import { asOtherTenant, asVisitor, req, staffOnConversation, staffOwnTenant, supervisorOwnTenant } from '../attacks';
import type { Row } from '../routeRow';
import { RUN } from '../world';

export const agentDeskRoutes: Record<string, Row> = {
  // supervisors' live view of their own tenant's agents; agents and visitors are refused
  'GET /v1/supervisor/agents': { requests: (w) => supervisorOwnTenant(w, req('GET', '/v1/supervisor/agents')) },
  // the live overview (queue depth, longest waits, agents by status), this region's and every region's
  'GET /v1/supervisor/overview': {
    requests: (w) => [...supervisorOwnTenant(w, req('GET', '/v1/supervisor/overview')), ...supervisorOwnTenant(w, req('GET', '/v1/supervisor/overview?scope=all-regions'))],
  },
  // conversations (agent desk)
  'POST /v1/conversations': {
    requests: (w) => [
      // Same id as one of A's conversations: B gets a conversation of its own (no 409 telling that the id is taken), A's stays untouched.
      ...asOtherTenant(w, req('POST', '/v1/conversations', { conversationId: w.a.c0, channel: 'chat', customerId: `b-cust-${RUN}`, language: 'en' }), 'own-scope', ['agent']),
      ...asVisitor(w, req('POST', '/v1/conversations', { channel: 'chat', customerId: w.a.v1.customerId, language: 'en' })),
    ],
  },
  'GET /v1/conversations': { requests: (w) => staffOwnTenant(w, req('GET', `/v1/conversations?queueId=${w.a.queueId}`)) },
  'GET /v1/conversations/{conversationId}': {
    requests: (w) => [
      ...staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}`)),
      // As it stood then, folded from the event store rather than read from the read model: the same boundary.
      ...staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}?atRevision=0`)),
      ...staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}?asOf=${encodeURIComponent(new Date().toISOString())}`)),
    ],
  },
  'GET /v1/conversations/{conversationId}/history': {
    requests: (w) => [
      ...staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}/history`)),
      ...staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}/history?fromRevision=1&pageSize=5`)),
    ],
  },
  'POST /v1/conversations/{conversationId}/messages': {
    requests: (w) => [
      ...staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/messages`, { text: 'intruder reply' })),
      // A's canned response, which would fill in V1's name, into A's conversation.
      ...asOtherTenant(w, req('POST', `/v1/conversations/${w.a.c1}/messages`, { cannedResponseId: w.a.cannedId })),
    ],
  },
  'GET /v1/conversations/{conversationId}/queue-position': {
    requests: (w) => staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}/queue-position`)),
  },
  'POST /v1/conversations/{conversationId}/notes': { requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/notes`, { text: 'intruder note' })) },
  'POST /v1/conversations/{conversationId}/tags': { requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/tags`, { add: ['intruder'], remove: [] })) },
  'PUT /v1/conversations/{conversationId}/priority': { requests: (w) => staffOnConversation(w, (id) => req('PUT', `/v1/conversations/${id}/priority`, { priority: 'urgent' })) },
  'POST /v1/conversations/{conversationId}/transfer': {
    requests: (w) => [
      ...staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/transfer`, { toTeamId: w.a.teamId, reason: 'intruder' })),
      ...asOtherTenant(w, req('POST', `/v1/conversations/${w.a.c1}/transfer`, { toAgentId: w.a.agentId })),
    ],
  },
  'POST /v1/conversations/{conversationId}/resolve': { requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/resolve`)) },
  'POST /v1/conversations/{conversationId}/reopen': { requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/reopen`, { reason: 'intruder' })) },
  'POST /v1/conversations/{conversationId}/ticket': { requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/ticket`, { status: 'open' })) },
  'POST /v1/conversations/{conversationId}/identities': {
    requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/identities`, { customerId: `b-cust-${RUN}`, reason: 'intruder' })),
  },
  'POST /v1/conversations/{conversationId}/identities/unlink': {
    requests: (w) => staffOnConversation(w, (id) => req('POST', `/v1/conversations/${id}/identities/unlink`, { customerId: `b-cust-${RUN}`, reason: 'intruder' })),
  },
  // A file under A's conversation: B's staff are refused at the conversation, before any file is looked up.
  'GET /v1/conversations/{conversationId}/attachments/{attachmentId}/{fileName}': {
    requests: (w) => staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}/attachments/a1b2c3/label.png`)),
  },
  'GET /v1/customers/{customerId}/timeline': {
    requests: (w) => [
      ...asOtherTenant(w, req('GET', `/v1/customers/${w.a.v1.customerId}/timeline`), 'own-scope', ['agent', 'admin']),
      ...asVisitor(w, req('GET', `/v1/customers/${w.a.v1.customerId}/timeline`)),
    ],
  },
  'GET /v1/agents/me/conversations': { requests: (w) => staffOwnTenant(w, req('GET', '/v1/agents/me/conversations')) },

  // presence and routing for the agent desk: B's agent has the same subject as A's agent
  'POST /v1/agents/me/heartbeat': { requests: (w) => staffOwnTenant(w, req('POST', '/v1/agents/me/heartbeat', { connectionId: 'desk' })) },
  'DELETE /v1/agents/me/connections/{connectionId}': { requests: (w) => staffOwnTenant(w, req('DELETE', '/v1/agents/me/connections/desk')) },
  'PUT /v1/agents/me/status': { requests: (w) => staffOwnTenant(w, req('PUT', '/v1/agents/me/status', { status: 'offline' })) },
  'GET /v1/agents/me/offers': { requests: (w) => staffOwnTenant(w, req('GET', '/v1/agents/me/offers')) },
  'POST /v1/offers/{conversationId}/accept': { requests: (w) => [...asOtherTenant(w, req('POST', `/v1/offers/${w.a.c2}/accept`), 'denied', ['agent', 'admin']), ...asVisitor(w, req('POST', `/v1/offers/${w.a.c2}/accept`))] },
  'POST /v1/offers/{conversationId}/decline': { requests: (w) => [...asOtherTenant(w, req('POST', `/v1/offers/${w.a.c2}/decline`), 'denied', ['agent', 'admin']), ...asVisitor(w, req('POST', `/v1/offers/${w.a.c2}/decline`))] },
};
