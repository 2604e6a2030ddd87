/**
 * The world set-up: tenant A with a real target behind every route (see
 * directoryOfA.ts and conversationsOfA.ts), tenant B with the same kinds of
 * credentials, and who may read which of A's secrets.
 */
import { createHmac } from 'node:crypto';
import type { Credential, GatewayClient } from '../../support/gatewayClient';
import type { TestStack } from '../../support/stack';
import { setUpConversationsOfA } from './conversationsOfA';
import { setUpDirectoryOfA } from './directoryOfA';
import { RUN, type TenantA, type TenantB, type World } from './world';

/** Tenant A with a real target behind every route, and tenant B with the same kinds of credentials. */
export async function buildWorld(stack: TestStack, api: GatewayClient, receiverUrl: string): Promise<World> {
  const idA = `iso-a-${RUN}`;
  const idB = `iso-b-${RUN}`;
  const agentId = 'desk-agent';
  const staff = (tenant: string, sub: string, role: string): Credential => ({ bearer: stack.token(tenant, sub, [role]) });
  const A = { admin: staff(idA, 'a-admin', 'admin'), supervisor: staff(idA, 'a-supervisor', 'supervisor'), agent: staff(idA, agentId, 'agent') };
  // B's agent has the same subject as A's: an agent id means nothing outside its tenant.
  const B = { admin: staff(idB, 'b-admin', 'admin'), supervisor: staff(idB, 'b-supervisor', 'supervisor'), agent: staff(idB, agentId, 'agent') };
  const secrets: string[] = [];

  const directory = await setUpDirectoryOfA(api, A.admin, agentId, receiverUrl, secrets);
  // A's own identity provider (an IP literal: stored, never fetched in this test; no DNS).
  await api.ok('PUT', '/v1/admin/identity-provider', A.admin, { jwksUrl: 'https://1.1.1.1/a-jwks', issuer: `https://login.${idA}.example` });
  // A's residency settings (the stack is one region, `local`).
  await api.ok('PUT', '/v1/admin/residency', A.admin, { homeRegion: 'local', rules: [{ countries: ['DE'], region: 'local' }] });
  const { widget, eventsKey, hooksKey, queueId, teamId, faqId, cannedId, privateQueueId } = directory;
  const { v1, v2, v1Own, fromV2, invitationId, c0, c1, c2, c3, surveyId, draftSurveyId, deliveryId } = await setUpConversationsOfA(api, A, directory, secrets);
  const v1Customer = v1.customerId;

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
    webhookId: directory.webhookId,
    channelEndpointId: directory.channelEndpointId,
    deliveryId,
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
