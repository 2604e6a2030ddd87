/**
 * Everything of A's that an attack could have changed, read as A (through the
 * gateway, or over gRPC where the gateway shows nothing): taken before and
 * after the attacks, the two must be equal.
 */
import { unary, type CallOptions } from '@contactcenter/infra';
import type { Credential, GatewayClient } from '../../support/gatewayClient';
import type { ServiceClients } from './isolationStack';
import type { World } from './world';

const grpcAs = (tenantId: string): CallOptions => ({ tenantId, actorId: 'isolation-test', deadlineMs: 10_000 });

export async function snapshotOfA(api: GatewayClient, { presence, routing, translation }: ServiceClients, w: World): Promise<Record<string, unknown>> {
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
    identityProvider: await get('/v1/admin/identity-provider', a.admin),
    residency: await get('/v1/admin/residency', a.admin),
    apiKeys: await get('/v1/admin/api-keys', a.admin),
    invitationRules: await get('/v1/admin/invitation-rules', a.admin),
    channels: await get('/v1/admin/channels', a.admin),
    webhooks: await get('/v1/webhooks', a.admin),
    deliveries: await get(`/v1/webhooks/${a.webhookId}/deliveries`, a.admin),
  };
}
