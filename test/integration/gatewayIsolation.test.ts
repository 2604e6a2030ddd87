/**
 * Authorization on every route of the gateway, on the whole stack (fresh NATS,
 * fresh PostgreSQL, the six services as processes): one tenant per request,
 * an agent sees only their tenant's conversations, a visitor only their own.
 *
 * Tenant A is set up with a real resource behind every route (agents, a
 * queue, a team, an FAQ entry, a canned response with V1's name in it,
 * translation settings, a widget key, API keys, invitation rules and an
 * invitation, a webhook with failed deliveries, surveys, two visitors V1 and
 * V2 each with a conversation, an offer, messages, a note, tags). Tenant B has
 * the same kinds of credentials, and an agent with the same id as A's.
 * Then every route is attacked: B's staff and keys against A's resources,
 * V2 (and a visitor of B claiming V1's customer id) against V1's
 * conversation, visitor tokens on staff routes, staff tokens on visitor
 * routes, agents and supervisors on admin routes, keys without the scope.
 * Each attack must be refused (403/404 problem JSON, or 401 where a JWT is no
 * API key) or answered within the caller's own tenant, and no answer may
 * contain anything of A's that the attacker did not already send. Afterwards
 * A's resources must read exactly as before.
 *
 * The routes come from the running gateway's /openapi.json: a route without
 * a row in ROUTES (or a reasoned entry in EXEMPT) fails the coverage test,
 * naming it; so does a row for a route no longer served. Routes the document
 * leaves out (the WebSocket) are listed in UNDOCUMENTED and probed instead.
 * ISOLATION_VERBOSE=1 prints every attack with its answer. To add a route: add a row, `'METHOD /openapi/{path}': { requests: (w) => [...] }`,
 * using the builders below (`asOtherTenant`, `asVisitor`, `asWrongRole`, …).
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import { TranslationServiceClient } from '@contactcenter/proto/translation/v1';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gatewayClient, poll, type Credential, type GatewayClient, type GatewayResponse, type TestSocket } from '../support/gatewayClient';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(300_000);

const RUN = randomUUID().slice(0, 8);
/** Marks every string of tenant A that nobody else may ever read. */
const secret = (what: string) => `${what} of A ${RUN}`;

interface Visitor {
  token: Credential;
  customerId: string;
}

interface TenantCredentials {
  id: string;
  admin: Credential;
  supervisor: Credential;
  agent: Credential;
  widgetKey: string;
  identitySecret: string;
}

/** Tenant A: a real target behind every route. */
interface TenantA extends TenantCredentials {
  agentId: string;
  /** API keys: one per scope, so that each scope can be missing. */
  eventsKey: Credential;
  hooksKey: Credential;
  hooksKeyId: string;
  queueId: string;
  teamId: string;
  faqId: string;
  cannedId: string;
  webhookId: string;
  deliveryId: string;
  invitationId: string;
  /** V1, identity-verified, and V2, anonymous; c1 is V1's conversation (assigned), c2 V2's (offered, waiting). */
  v1: Visitor;
  v2: Visitor;
  c1: string;
  c2: string;
  /** A's third conversation, started by its agent: B starts one with the same id (its own, not A's). */
  c0: string;
  /** A queue only A has: B's visitor tries to enter it. */
  privateQueueId: string;
  /** V1's resolved conversation with a survey sent in it; the survey, and a second one B writes its own under. */
  c3: string;
  surveyId: string;
  draftSurveyId: string;
}

interface TenantB extends TenantCredentials {
  key: Credential;
  visitor: Visitor;
  /** A verified visitor of B whose customer id is V1's: same id, other tenant. */
  sameCustomer: Visitor;
}

interface World {
  a: TenantA;
  b: TenantB;
  /** Everything of A's that must never reach anyone else. */
  secrets: string[];
  /** The secrets a credential's holder may read anyway (V2 its own conversation, B's visitor its own customer id). */
  known: Map<Credential, string[]>;
}

type Expectation =
  /** 403 or 404, as problem JSON. */
  | 'denied'
  /** 401 problem JSON: the credential is of the wrong kind for the route (a JWT where an API key is required). */
  | 'unauthenticated'
  /** Answered within the caller's own tenant (2xx or 4xx, never 5xx): nothing of A's in the body, nothing of A's changed. */
  | 'own-scope';

interface Attack {
  who: string;
  method: string;
  path: string;
  /** Undefined: no credential at all (a public route). */
  credential: Credential | undefined;
  body?: unknown;
  expect: Expectation;
  /** Secrets this attacker legitimately knows, beyond what `World.known` grants its credential. */
  knows?: string[];
}

interface StreamContext {
  api: GatewayClient;
  /** A's legitimate activity on V1's conversation while the attackers listen; returns the texts posted. */
  activityOfA(): Promise<string[]>;
}

interface Row {
  /** Requests that must be refused or kept to the caller's tenant. */
  requests?: (w: World) => Attack[];
  /** Long-lived routes (WebSocket, SSE): a check of its own, run after the request attacks. */
  stream?: (w: World, ctx: StreamContext) => Promise<void>;
}

// ---- attack builders: one call per kind of attacker --------------------------------------------

type Req = { method: string; path: string; body?: unknown };
const req = (method: string, path: string, body?: unknown): Req => ({ method, path, body });

/** Tenant B's staff (admin, agent, supervisor) at A's resource. */
const asOtherTenant = (w: World, r: Req, expect: Expectation = 'denied', roles: ('admin' | 'agent' | 'supervisor')[] = ['admin', 'agent']): Attack[] =>
  roles.map((role) => ({ who: `tenant B ${role}`, ...r, credential: w.b[role], expect }));

/** Visitors on a staff route: V1 (owner of the target) and V2. */
const asVisitor = (w: World, r: Req): Attack[] => [
  { who: 'visitor V1 on a staff route', ...r, credential: w.a.v1.token, expect: 'denied' },
  { who: 'visitor V2 on a staff route', ...r, credential: w.a.v2.token, expect: 'denied' },
];

/** A's own agent and supervisor on an admin route. */
const asWrongRole = (w: World, r: Req): Attack[] => [
  { who: 'tenant A agent on an admin route', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A supervisor on an admin route', ...r, credential: w.a.supervisor, expect: 'denied' },
];

/** A's staff on a visitor route: a staff token is no visitor session. */
const asStaffOnVisitorRoute = (w: World, r: Req): Attack[] => [
  { who: 'tenant A agent on a visitor route', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A admin on a visitor route', ...r, credential: w.a.admin, expect: 'denied' },
];

/** Other visitors at V1's conversation: V2 (same tenant), B's visitor, and B's visitor claiming V1's customer id. */
const asOtherVisitor = (w: World, r: Req): Attack[] => [
  { who: 'visitor V2 at V1\'s resource', ...r, credential: w.a.v2.token, expect: 'denied' },
  { who: 'tenant B visitor at V1\'s resource', ...r, credential: w.b.visitor.token, expect: 'denied' },
  { who: 'tenant B visitor with V1\'s customer id', ...r, credential: w.b.sameCustomer.token, expect: 'denied' },
];

/** Admin routes on the admin's own tenant: B's admin works on B only; everyone else is refused. */
const adminOwnTenant = (w: World, r: Req): Attack[] => [...asOtherTenant(w, r, 'own-scope', ['admin']), ...asWrongRole(w, r), ...asVisitor(w, r)];

/** Staff routes on the caller's own tenant (lists, "me"): B's staff see B only; visitors are refused. */
const staffOwnTenant = (w: World, r: Req): Attack[] => [...asOtherTenant(w, r, 'own-scope', ['agent', 'supervisor']), ...asVisitor(w, r)];

/** Staff routes on one of A's conversations. */
const staffOnConversation = (w: World, r: (id: string) => Req): Attack[] => [
  ...asOtherTenant(w, r(w.a.c1), 'denied', ['admin', 'agent', 'supervisor']),
  ...asOtherTenant(w, r(w.a.c2), 'denied', ['agent']),
  ...asVisitor(w, r(w.a.c1)),
];

/** Webhook routes: B's key and B's admin at A's webhook; A's agent; A's key without `webhooks:manage`; a visitor. */
const webhookAttacks = (w: World, r: Req, expectFromB: Expectation = 'denied'): Attack[] => [
  { who: 'tenant B API key', ...r, credential: w.b.key, expect: expectFromB },
  { who: 'tenant B admin', ...r, credential: w.b.admin, expect: expectFromB },
  { who: 'tenant A agent', ...r, credential: w.a.agent, expect: 'denied' },
  { who: 'tenant A API key without webhooks:manage', ...r, credential: w.a.eventsKey, expect: 'denied' },
  { who: 'visitor V1', ...r, credential: w.a.v1.token, expect: 'denied' },
];

// ---- the table: every route the gateway serves ---------------------------------------------------

/** Routes deliberately not attacked, with the reason. */
const EXEMPT: Record<string, string> = {
  'GET /healthz': 'liveness probe: no tenant, no data, no credentials',
  'GET /readyz': 'readiness probe: peer health only, no tenant data',
  'GET /asyncapi.json': 'the public description of the real-time and event APIs: the same for everyone, no tenant data',
  // Not in /openapi.json, listed for the record: /openapi.json and /docs (the public API description), /metrics (on the separate metrics port, never the public one).
};

/** Routes served but absent from /openapi.json, with the reason; the coverage test checks that each is still served. */
const UNDOCUMENTED: Record<string, string> = {
  'GET /v1/realtime': 'a WebSocket upgrade: @fastify/swagger leaves websocket routes out of the OpenAPI document',
};

const ROUTES: Record<string, Row> = {
  // conversations (agent desk)
  'POST /v1/conversations': {
    requests: (w) => [
      // Same id as one of A's conversations: B gets a conversation of its own (no 409 telling that the id is taken), A's stays untouched.
      ...asOtherTenant(w, req('POST', '/v1/conversations', { conversationId: w.a.c0, channel: 'chat', customerId: `b-cust-${RUN}`, language: 'en' }), 'own-scope', ['agent']),
      ...asVisitor(w, req('POST', '/v1/conversations', { channel: 'chat', customerId: w.a.v1.customerId, language: 'en' })),
    ],
  },
  'GET /v1/conversations': { requests: (w) => staffOwnTenant(w, req('GET', `/v1/conversations?queueId=${w.a.queueId}`)) },
  'GET /v1/conversations/{conversationId}': { requests: (w) => staffOnConversation(w, (id) => req('GET', `/v1/conversations/${id}`)) },
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

  // tenant administration: B's admin writes B's own records under A's ids
  'PUT /v1/admin/agents/{agentId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/agents/${w.a.agentId}`, { displayName: 'B\'s agent', languages: ['en'], capacity: { chat: 1 } })) },
  'GET /v1/admin/agents': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/agents')) },
  'PUT /v1/admin/queues/{queueId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/queues/${w.a.queueId}`, { name: 'B queue', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY' })) },
  'GET /v1/admin/queues': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/queues')) },
  'PUT /v1/admin/teams/{teamId}': { requests: (w) => adminOwnTenant(w, req('PUT', `/v1/admin/teams/${w.a.teamId}`, { name: 'B team', queueId: w.a.queueId })) },
  'GET /v1/admin/teams': { requests: (w) => adminOwnTenant(w, req('GET', '/v1/admin/teams')) },
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

  // the customer widget
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

  // surveys
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

  // integrators
  'GET /v1/events': {
    requests: (w) => [
      { who: 'tenant A admin JWT (no API key)', method: 'GET', path: '/v1/events', credential: w.a.admin, expect: 'unauthenticated' },
      { who: 'visitor V1', method: 'GET', path: '/v1/events', credential: w.a.v1.token, expect: 'unauthenticated' },
      { who: 'tenant A API key without events:read', method: 'GET', path: '/v1/events', credential: w.a.hooksKey, expect: 'denied' },
    ],
    stream: async (w, { api }) => {
      // History from the start: B's key reads B's events only; A's key (the control) reads A's.
      const [theirs, ours] = await Promise.all([api.readEvents('/v1/events?after=0', w.b.key, 2_500), api.readEvents('/v1/events?after=0', w.a.eventsKey, 2_500)]);
      expect([theirs.status, ours.status]).toEqual([200, 200]);
      expect(ours.text).toContain(w.a.c1);
      expect(leaksIn(theirs.text, w.secrets, w.known.get(w.b.key))).toEqual([]);
    },
  },
  'POST /v1/webhooks': {
    requests: (w) => webhookAttacks(w, req('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/b-hook', eventTypes: ['*'] }), 'own-scope'),
  },
  'GET /v1/webhooks': { requests: (w) => webhookAttacks(w, req('GET', '/v1/webhooks'), 'own-scope') },
  'DELETE /v1/webhooks/{id}': { requests: (w) => webhookAttacks(w, req('DELETE', `/v1/webhooks/${w.a.webhookId}`)) },
  'GET /v1/webhooks/{id}/deliveries': { requests: (w) => webhookAttacks(w, req('GET', `/v1/webhooks/${w.a.webhookId}/deliveries`)) },
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay': { requests: (w) => webhookAttacks(w, req('POST', `/v1/webhooks/${w.a.webhookId}/deliveries/${w.a.deliveryId}/replay`)) },
  'POST /v1/webhooks/{id}/replay-failed': { requests: (w) => webhookAttacks(w, req('POST', `/v1/webhooks/${w.a.webhookId}/replay-failed`)) },

  // the real-time channel
  'GET /v1/realtime': {
    stream: async (w, { api, activityOfA }) => {
      const bearer = (c: Credential) => ('bearer' in c ? c.bearer : '');
      const listen = async (who: string, credential: Credential, after = '') => ({ who, credential, socket: await api.openSocket(`/v1/realtime${after}`, bearer(credential)) });
      const listeners = [
        await listen('tenant B admin', w.b.admin),
        await listen('tenant B agent (same subject as A\'s agent)', w.b.agent),
        await listen('tenant B admin replaying from 0', w.b.admin, '?after=0'),
        await listen('tenant B visitor with V1\'s customer id, replaying from 0', w.b.sameCustomer.token, '?after=0'),
        await listen('visitor V2', w.a.v2.token),
        await listen('visitor V2 replaying from 0', w.a.v2.token, '?after=0'),
      ];
      // The controls: A's agent and V1 do receive A's activity, so silence elsewhere means something.
      const agentA = await api.openSocket('/v1/realtime', bearer(w.a.agent));
      const v1 = await api.openSocket('/v1/realtime', bearer(w.a.v1.token));
      const [bAdmin, , , , v2] = listeners.map((l) => l.socket) as [TestSocket, TestSocket, TestSocket, TestSocket, TestSocket];
      try {
        // Typing into V1's conversation: V2 is told it does not exist; B's staff typing stays in B.
        v2.send({ type: 'typing', conversationId: w.a.c1, typing: true });
        bAdmin.send({ type: 'typing', conversationId: w.a.c1, typing: true });
        const texts = await activityOfA();
        for (const text of texts) {
          await poll(async () => agentA.frames.some((f) => JSON.stringify(f).includes(text)), 20_000, `A's agent receiving "${text}"`);
        }
        await poll(async () => v1.frames.some((f) => JSON.stringify(f).includes(texts[0]!)), 20_000, 'V1 receiving the reply');
        await poll(async () => v2.frames.find((f) => f.type === 'error'), 5_000, 'V2 told off for typing');
        await new Promise((r) => setTimeout(r, 1_000));
        expect(v2.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'not_found' });
        expect(v1.frames.filter((f) => f.type === 'typing')).toEqual([]);
        expect(agentA.frames.filter((f) => f.type === 'typing')).toEqual([]);
        // Every listener was handed c1's id by the typing attack; what matters is that no event about c1 reached them.
        const leaks = listeners.flatMap(({ who, credential, socket }) =>
          socket.frames.flatMap((f) =>
            [...leaksIn(JSON.stringify(f), w.secrets, [...(w.known.get(credential) ?? []), w.a.c1]), ...(f.subject === w.a.c1 ? [`an event of ${w.a.c1}`] : [])].map(
              (l) => `${who} received ${JSON.stringify(l)} in ${JSON.stringify(f).slice(0, 300)}`,
            ),
          ),
        );
        expect(leaks).toEqual([]);
      } finally {
        for (const s of [...listeners.map((l) => l.socket), agentA, v1]) s.close();
      }
    },
  },
};

/** A survey definition (proto3 JSON of SurveyDefinition) sent only on request. */
function surveyDefinition(title: string, question = 'How satisfied are you?') {
  return {
    titles: { en: title },
    defaultLanguage: 'en',
    questions: [{ questionId: 'csat', kind: 'SURVEY_QUESTION_KIND_CSAT', required: true, texts: { en: question } }],
    sendOnResolveChannels: [],
    delaySeconds: 0,
    editWindowSeconds: 3600,
    enabled: true,
  };
}

/** The secrets found in `text`, minus those the attacker knows. */
function leaksIn(text: string, secrets: string[], known: string[] = []): string[] {
  return secrets.filter((s) => !known.includes(s) && text.includes(s));
}

/** What went wrong with one attack, if anything. */
function verdict(w: World, attack: Attack, res: GatewayResponse): string | undefined {
  const label = `${attack.method} ${attack.path} as ${attack.who} (expected ${attack.expect})`;
  const sent = `${attack.path} ${JSON.stringify(attack.body ?? '')}`;
  const known = [...(attack.knows ?? []), ...((attack.credential && w.known.get(attack.credential)) ?? []), ...w.secrets.filter((s) => sent.includes(s))];
  const leaked = leaksIn(res.text, w.secrets, known);
  if (leaked.length) return `${label}: answered ${res.status} leaking ${JSON.stringify(leaked)}: ${res.text.slice(0, 300)}`;
  const code = (res.json as { code?: unknown } | undefined)?.code;
  const problem = /application\/problem\+json/.test(res.contentType) && typeof code === 'string';
  // A wrong path or body would pass as "refused" without exercising the route: those are the table's bugs.
  if (code === 'route_not_found' || code === 'validation') return `${label}: the attack itself is malformed (${res.status} ${res.text.slice(0, 300)})`;
  switch (attack.expect) {
    case 'denied':
      return (res.status === 403 || res.status === 404) && problem ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
    case 'unauthenticated':
      return res.status === 401 && problem ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
    case 'own-scope':
      return res.status < 500 && (res.status < 400 || problem) ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
  }
}

describe('gateway isolation: tenants and visitors', () => {
  let stack: TestStack;
  let api: GatewayClient;
  let presence: PresenceServiceClient;
  let routing: RoutingServiceClient;
  let translation: TranslationServiceClient;
  let receiver: Server;
  let w: World;

  beforeAll(async () => {
    // Every webhook delivery fails, twice, quickly: A gets failed deliveries to target.
    receiver = createServer((r, res) => r.resume().on('end', () => res.writeHead(500).end()));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    stack = await startTestStack({
      extraEnv: {
        // Hundreds of attacks from one address within seconds: rate limits are not what this test is about.
        gateway: { WEBHOOKS_ALLOW_INSECURE: 'true', WEBHOOKS_RETRY_SCHEDULE_MS: '50', WEBHOOKS_TIMEOUT_MS: '1000', RATE_LIMIT_PER_KEY_PER_MINUTE: '100000', RATE_LIMIT_PER_IP_PER_MINUTE: '1000000' },
        // A's desk must stay online however long the attacks take.
        presence: { HEARTBEAT_TIMEOUT_MS: '600000' },
      },
    });
    api = gatewayClient(stack.gatewayUrl);
    const addr = (n: 'presence' | 'routing' | 'translation') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    routing = createGrpcClient(RoutingServiceClient, addr('routing'));
    translation = createGrpcClient(TranslationServiceClient, addr('translation'));
    w = await buildWorld(stack, api, receiverUrl);
  });

  afterAll(async () => {
    for (const c of [presence, routing, translation]) c?.close();
    await stack?.teardown();
    await new Promise((r) => receiver?.close(r));
  });

  const grpcAs = (tenantId: string): CallOptions => ({ tenantId, actorId: 'isolation-test', deadlineMs: 10_000 });

  /** Everything of A's that an attack could have changed, read as A. */
  async function snapshotOfA(): Promise<Record<string, unknown>> {
    const { a } = w;
    const get = (path: string, credential: Credential) => api.ok('GET', path, credential);
    const presenceOf = (await unary(presence, presence.getAgent, { agentId: a.agentId }, grpcAs(a.id))).agent!;
    return {
      c1: await get(`/v1/conversations/${a.c1}`, a.agent),
      c2: await get(`/v1/conversations/${a.c2}`, a.agent),
      c1AsV1: await get(`/v1/visitor/conversations/${a.c1}`, a.v1.token),
      c2AsV2: await get(`/v1/visitor/conversations/${a.c2}`, a.v2.token),
      c0: await get(`/v1/conversations/${a.c0}`, a.agent),
      c3: await get(`/v1/conversations/${a.c3}`, a.agent),
      c3Surveys: await get(`/v1/visitor/conversations/${a.c3}/surveys`, a.v1.token),
      surveys: await get('/v1/admin/surveys', a.admin),
      metricsSettings: await get('/v1/admin/metrics-settings', a.admin),
      conversations: await get('/v1/conversations', a.agent),
      mine: await get('/v1/agents/me/conversations', a.agent),
      offers: await get('/v1/agents/me/offers', a.agent),
      timeline: await get(`/v1/customers/${a.v1.customerId}/timeline`, a.agent),
      agents: await get('/v1/admin/agents', a.admin),
      presence: { profile: presenceOf.profile, status: presenceOf.status, customStatus: presenceOf.customStatus, load: presenceOf.load },
      queues: await get('/v1/admin/queues', a.admin),
      teams: await get('/v1/admin/teams', a.admin),
      faq: await unary(routing, routing.listFaqEntries, { language: '' }, grpcAs(a.id)),
      canned: await get('/v1/canned-responses', a.agent),
      translation: await unary(translation, translation.getTenantSettings, {}, grpcAs(a.id)),
      widgetKeys: await get('/v1/admin/widget-keys', a.admin),
      apiKeys: await get('/v1/admin/api-keys', a.admin),
      invitationRules: await get('/v1/admin/invitation-rules', a.admin),
      webhooks: await get('/v1/webhooks', a.admin),
      deliveries: await get(`/v1/webhooks/${a.webhookId}/deliveries`, a.admin),
    };
  }

  it('has a row for every route the gateway serves, and none for a route it does not', async () => {
    const doc = await api.ok<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    const served = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missing = served.filter((r) => !(r in ROUTES) && !(r in EXEMPT)).map((r) => `${r}: no isolation case; add a row to ROUTES (or a reasoned entry to EXEMPT)`);
    const stale = [...Object.keys(ROUTES), ...Object.keys(EXEMPT)].filter((r) => !served.includes(r) && !(r in UNDOCUMENTED)).map((r) => `${r}: not served by the gateway; remove its row`);
    expect([...missing, ...stale]).toEqual([]);
    for (const route of Object.keys(UNDOCUMENTED)) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await api.call(method, path);
      expect([route, (res.json as { code?: string } | undefined)?.code]).not.toEqual([route, 'route_not_found']);
    }
    const empty = Object.entries(ROUTES).filter(([, row]) => !row.stream && (row.requests?.(w).length ?? 0) === 0).map(([r]) => r);
    expect(empty).toEqual([]);
  });

  it('refuses cross-tenant, cross-visitor and wrong-role requests on every route, leaking and changing nothing', async () => {
    const before = await snapshotOfA();
    const failures: string[] = [];
    for (const [route, row] of Object.entries(ROUTES)) {
      for (const attack of row.requests?.(w) ?? []) {
        const res = await api.call(attack.method, attack.path, attack.credential, attack.body);
        const wrong = verdict(w, attack, res);
        if (process.env.ISOLATION_VERBOSE) process.stdout.write(`${route} | ${attack.who} | ${res.status} ${(res.json as { code?: string } | undefined)?.code ?? ''}\n`);
        if (wrong) failures.push(`[${route}] ${wrong}`);
      }
    }
    expect(failures).toEqual([]);
    // A's widget key and API keys still work.
    expect((await api.call('POST', '/v1/visitor/sessions', undefined, { widgetKey: w.a.widgetKey })).status).toBe(201);
    expect((await api.call('GET', '/v1/webhooks', w.a.hooksKey)).status).toBe(200);
    expect(await snapshotOfA()).toEqual(before);
  });

  it('shows a visitor their own conversation without the staff-only fields (notes, tags, priority, team)', async () => {
    const own = await api.call('GET', `/v1/visitor/conversations/${w.a.c1}`, w.a.v1.token);
    expect(own.status).toBe(200);
    expect(own.text).toContain(w.a.c1);
    expect(leaksIn(own.text, w.secrets, w.known.get(w.a.v1.token))).toEqual([]);
    expect(Object.keys(own.json as object)).not.toEqual(expect.arrayContaining(['tags']));
    expect(Object.keys(own.json as object)).not.toEqual(expect.arrayContaining(['priority']));
  });

  it('carries nothing across tenants or visitors on the long-lived routes (WebSocket, Server-Sent Events)', async () => {
    const { a } = w;
    const activityOfA = async (): Promise<string[]> => {
      const fromV1 = secret('live message from V1');
      const reply = secret('live reply to V1');
      const note = secret('live internal note');
      await api.ok('POST', `/v1/visitor/conversations/${a.c1}/messages`, a.v1.token, { text: fromV1 });
      await api.ok('POST', `/v1/conversations/${a.c1}/messages`, a.agent, { text: reply });
      await api.ok('POST', `/v1/conversations/${a.c1}/notes`, a.agent, { text: note });
      w.secrets.push(fromV1, reply, note);
      return [reply, fromV1, note];
    };
    for (const [route, row] of Object.entries(ROUTES)) {
      if (!row.stream) continue;
      try {
        await row.stream(w, { api, activityOfA });
      } catch (err) {
        throw new Error(`[${route}] ${(err as Error).message}`, { cause: err });
      }
    }
  });
});

/** Tenant A with a real target behind every route, and tenant B with the same kinds of credentials. */
async function buildWorld(stack: TestStack, api: GatewayClient, receiverUrl: string): Promise<World> {
  const idA = `iso-a-${RUN}`;
  const idB = `iso-b-${RUN}`;
  const agentId = 'desk-agent';
  const staff = (tenant: string, sub: string, role: string): Credential => ({ bearer: stack.token(tenant, sub, [role]) });
  const A = { admin: staff(idA, 'a-admin', 'admin'), supervisor: staff(idA, 'a-supervisor', 'supervisor'), agent: staff(idA, agentId, 'agent') };
  // B's agent has the same subject as A's: an agent id means nothing outside its tenant.
  const B = { admin: staff(idB, 'b-admin', 'admin'), supervisor: staff(idB, 'b-supervisor', 'supervisor'), agent: staff(idB, agentId, 'agent') };
  const secrets: string[] = [];
  const keep = <T extends string>(s: T): T => (secrets.push(s), s);

  // Tenant A's directory.
  await api.ok('PUT', `/v1/admin/agents/${agentId}`, A.admin, { displayName: keep(secret('Agent name')), languages: ['en'], capacity: { chat: 3 } });
  const queueId = 'a-queue';
  await api.ok('PUT', `/v1/admin/queues/${queueId}`, A.admin, { name: keep(secret('Queue name')), channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 600, averageHandleSeconds: 60 });
  const privateQueueId = 'a-private-queue';
  await api.ok('PUT', `/v1/admin/queues/${privateQueueId}`, A.admin, { name: keep(secret('Private queue name')), channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY' });
  const teamId = 'a-team';
  await api.ok('PUT', `/v1/admin/teams/${teamId}`, A.admin, { name: keep(secret('Team name')), queueId });
  const faqId = 'a-faq';
  await api.ok('PUT', `/v1/admin/faq/${faqId}`, A.admin, { language: 'en', question: keep(secret('FAQ question')), answer: keep(secret('FAQ answer')) });
  const cannedId = 'a-canned';
  const cannedText = keep(secret('Canned text'));
  await api.ok('PUT', `/v1/admin/canned-responses/${cannedId}`, A.admin, { title: keep(secret('Canned title')), versions: { en: `${cannedText}, {{customer.name}}` } });
  await api.ok('PUT', '/v1/admin/translation', A.admin, { enabled: true, glossary: [keep(secret('Glossary term'))] });
  const widget = await api.ok<{ widgetKey: string; identitySecret: string }>('POST', '/v1/admin/widget-keys', A.admin);
  keep(widget.widgetKey);
  keep(widget.identitySecret);
  const apiKey = async (name: string, scopes: string[]) => {
    const k = await api.ok<{ key: string; apiKeyId: string }>('POST', '/v1/admin/api-keys', A.admin, { name: keep(secret(name)), scopes });
    keep(k.key);
    keep(k.apiKeyId);
    return k;
  };
  const eventsKey = await apiKey('events key', ['events:read']);
  const hooksKey = await apiKey('webhooks key', ['webhooks:manage']);
  await api.ok('PUT', '/v1/admin/invitation-rules', A.admin, { rules: [{ ruleId: 'a-rule', urlPattern: 'https://a.example/*', minTimeOnPageSeconds: 10, messages: { en: keep(secret('Invitation')) } }] });
  const webhook = await api.ok<{ webhookId: string; secret: string }>('POST', '/v1/webhooks', A.admin, {
    url: keep(`${receiverUrl}/a-hook-${RUN}`),
    eventTypes: ['contactcenter.conversation.v1.ConversationStarted'],
    description: keep(secret('Webhook description')),
  });
  keep(webhook.webhookId);
  keep(webhook.secret);

  // A's agent at the desk.
  await api.ok('PUT', '/v1/agents/me/status', A.agent, { status: 'online' });
  await api.ok('POST', '/v1/agents/me/heartbeat', A.agent, { connectionId: 'desk' });

  // V1 is identity-verified (the tenant's server signed the id); V2 is anonymous.
  const v1Customer = keep(`a-cust-${RUN}`);
  // Names are letters only: spell the run id in letters.
  const v1Name = keep(`Vera ${RUN.replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)} Secret`);
  const v1Session = await api.ok<{ token: string }>('POST', '/v1/visitor/sessions', undefined, {
    widgetKey: widget.widgetKey,
    customerId: v1Customer,
    identityHash: createHmac('sha256', widget.identitySecret).update(v1Customer).digest('hex'),
    name: v1Name,
  });
  const v2Session = await api.ok<{ token: string; customerId: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey: widget.widgetKey });
  keep(v2Session.customerId);
  const v1: Visitor = { token: { bearer: v1Session.token }, customerId: v1Customer };
  const v2: Visitor = { token: { bearer: v2Session.token }, customerId: v2Session.customerId };

  const invited = await api.ok<{ invitation: { invitationId: string } | null }>('POST', '/v1/visitor/activity', v1.token, { url: 'https://a.example/pricing', timeOnPageSeconds: 60, language: 'en' });
  const invitationId = keep(invited.invitation!.invitationId);
  const v1Own = [...secrets.filter((x) => x === v1Customer || x === v1Name || x.startsWith('Invitation of A')), invitationId];

  const subject = keep(secret('Subject'));
  const c1 = keep((await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', v1.token, { language: 'en', queueId, subject })).conversationId);
  const fromV1 = keep(secret('Message from V1'));
  await api.ok('POST', `/v1/visitor/conversations/${c1}/messages`, v1.token, { text: fromV1 });
  await poll(async () => ((await api.ok<{ offers: { conversationId: string }[] }>('GET', '/v1/agents/me/offers', A.agent)).offers.some((o) => o.conversationId === c1)), 20_000, 'the offer of c1');
  await api.ok('POST', `/v1/offers/${c1}/accept`, A.agent);
  const reply = keep(secret('Reply to V1'));
  await api.ok('POST', `/v1/conversations/${c1}/messages`, A.agent, { text: reply });
  await api.ok('POST', `/v1/conversations/${c1}/messages`, A.agent, { cannedResponseId: cannedId });
  v1Own.push(cannedText);
  // Staff-only from here: a note, a tag and a priority that even V1 must not see.
  await api.ok('POST', `/v1/conversations/${c1}/notes`, A.agent, { text: keep(secret('Internal note')) });
  await api.ok('POST', `/v1/conversations/${c1}/tags`, A.agent, { add: [keep(`a-tag-${RUN}`)] });
  await api.ok('PUT', `/v1/conversations/${c1}/priority`, A.agent, { priority: 'urgent' });
  v1Own.push(c1, subject, fromV1, reply);
  // A conversation of V1's started by A's agent, whose id B will try to take.
  const c0 = keep(`a-conv-${RUN}`);
  await api.ok('POST', '/v1/conversations', A.agent, { conversationId: c0, channel: 'email', customerId: v1Customer, language: 'en' });
  v1Own.push(c0);

  const c2 = keep((await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', v2.token, { language: 'en', queueId })).conversationId);
  const fromV2 = keep(secret('Message from V2'));
  await api.ok('POST', `/v1/visitor/conversations/${c2}/messages`, v2.token, { text: fromV2 });
  await poll(async () => ((await api.ok<{ offers: { conversationId: string }[] }>('GET', '/v1/agents/me/offers', A.agent)).offers.some((o) => o.conversationId === c2)), 20_000, 'the offer of c2');

  // A survey sent in V1's resolved conversation c3; a draft survey B will write its own under.
  const surveyId = 'a-survey';
  const draftSurveyId = 'a-survey-draft';
  await api.ok('PUT', `/v1/admin/surveys/${surveyId}`, A.admin, surveyDefinition(keep(secret('Survey title')), keep(secret('Survey question'))));
  await api.ok('PUT', `/v1/admin/surveys/${draftSurveyId}`, A.admin, surveyDefinition(keep(secret('Draft survey title'))));
  const c3 = keep((await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', v1.token, { language: 'en' })).conversationId);
  await api.ok('POST', `/v1/conversations/${c3}/resolve`, A.agent);
  await api.ok('POST', `/v1/conversations/${c3}/surveys`, A.agent, { surveyId });
  await poll(async () => (await api.ok<{ surveys: unknown[] }>('GET', `/v1/visitor/conversations/${c3}/surveys`, v1.token)).surveys.length === 1, 20_000, 'the survey in c3');
  v1Own.push(c3, secrets.find((x) => x.startsWith('Survey title'))!, secrets.find((x) => x.startsWith('Survey question'))!);

  // The four ConversationStarted deliveries (c0 to c3) fail for good (two attempts each).
  const deliveries = await poll(async () => {
    const { deliveries } = await api.ok<{ deliveries: { deliveryId: string }[] }>('GET', `/v1/webhooks/${webhook.webhookId}/deliveries?status=failed`, A.admin);
    return deliveries.length === 4 ? deliveries : undefined;
  }, 30_000, 'four failed webhook deliveries');
  for (const d of deliveries) keep(d.deliveryId);

  // Tenant B: the same kinds of credentials, and an agent with the same id as A's, online at its own desk.
  await api.ok('PUT', `/v1/admin/agents/${agentId}`, B.admin, { displayName: 'B\'s own agent', languages: ['en'], capacity: { chat: 1 } });
  const widgetB = await api.ok<{ widgetKey: string; identitySecret: string }>('POST', '/v1/admin/widget-keys', B.admin);
  const keyB = await api.ok<{ key: string }>('POST', '/v1/admin/api-keys', B.admin, { name: 'B integrator', scopes: ['events:read', 'webhooks:manage'] });
  const bVisitor = await api.ok<{ token: string; customerId: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey: widgetB.widgetKey });
  const bSame = await api.ok<{ token: string }>('POST', '/v1/visitor/sessions', undefined, {
    widgetKey: widgetB.widgetKey,
    customerId: v1Customer,
    identityHash: createHmac('sha256', widgetB.identitySecret).update(v1Customer).digest('hex'),
  });

  const a: TenantA = {
    id: idA,
    ...A,
    widgetKey: widget.widgetKey,
    identitySecret: widget.identitySecret,
    agentId,
    eventsKey: { apiKey: eventsKey.key },
    hooksKey: { apiKey: hooksKey.key },
    hooksKeyId: hooksKey.apiKeyId,
    queueId,
    teamId,
    faqId,
    cannedId,
    webhookId: webhook.webhookId,
    deliveryId: deliveries[0]!.deliveryId,
    invitationId,
    v1,
    v2,
    c1,
    c2,
    c0,
    privateQueueId,
    c3,
    surveyId,
    draftSurveyId,
  };
  const b: TenantB = {
    id: idB,
    ...B,
    widgetKey: widgetB.widgetKey,
    identitySecret: widgetB.identitySecret,
    key: { apiKey: keyB.key },
    visitor: { token: { bearer: bVisitor.token }, customerId: bVisitor.customerId },
    sameCustomer: { token: { bearer: bSame.token }, customerId: v1Customer },
  };
  // B starts a conversation under c0's id: from then on that id is also B's own.
  const known = new Map<Credential, string[]>([
    [v1.token, v1Own],
    [v2.token, [v2.customerId, c2, fromV2]],
    [b.sameCustomer.token, [c0, v1Customer]],
    ...[b.admin, b.agent, b.supervisor, b.key, b.visitor.token].map((c) => [c, [c0]] as [Credential, string[]]),
  ]);
  return { a, b, secrets, known };
}
