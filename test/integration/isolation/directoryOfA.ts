/**
 * Tenant A's directory, made by its admin: the agent, queues (one B's visitor
 * may not enter), a team, an FAQ entry, a canned response that fills in the
 * customer's name, translation settings, a widget key, API keys (one per
 * scope), invitation rules, a webhook whose deliveries all fail and a
 * WhatsApp number whose app secret and access token nobody may read back.
 */
import type { Credential, GatewayClient } from '../../support/gatewayClient';
import { keeperOf, RUN, secret } from './world';

export interface DirectoryOfA {
  queueId: string;
  privateQueueId: string;
  teamId: string;
  faqId: string;
  cannedId: string;
  /** The canned response's text: V1 reads it once the agent has sent it. */
  cannedText: string;
  widget: { widgetKey: string; identitySecret: string };
  eventsKey: { key: string; apiKeyId: string };
  hooksKey: { key: string; apiKeyId: string };
  webhookId: string;
  channelEndpointId: string;
}

/** Every name, key and id made here is added to `secrets`. */
export async function setUpDirectoryOfA(api: GatewayClient, admin: Credential, agentId: string, receiverUrl: string, secrets: string[]): Promise<DirectoryOfA> {
  const keep = keeperOf(secrets);
  await api.ok('PUT', `/v1/admin/agents/${agentId}`, admin, { displayName: keep(secret('Agent name')), languages: ['en'], capacity: { chat: 3 } });
  const queueId = 'a-queue';
  await api.ok('PUT', `/v1/admin/queues/${queueId}`, admin, { name: keep(secret('Queue name')), channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 600, averageHandleSeconds: 60 });
  const privateQueueId = 'a-private-queue';
  await api.ok('PUT', `/v1/admin/queues/${privateQueueId}`, admin, { name: keep(secret('Private queue name')), channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY' });
  const teamId = 'a-team';
  await api.ok('PUT', `/v1/admin/teams/${teamId}`, admin, { name: keep(secret('Team name')), queueId });
  const faqId = 'a-faq';
  await api.ok('PUT', `/v1/admin/faq/${faqId}`, admin, { language: 'en', question: keep(secret('FAQ question')), answer: keep(secret('FAQ answer')) });
  const cannedId = 'a-canned';
  const cannedText = keep(secret('Canned text'));
  await api.ok('PUT', `/v1/admin/canned-responses/${cannedId}`, admin, { title: keep(secret('Canned title')), versions: { en: `${cannedText}, {{customer.name}}` } });
  await api.ok('PUT', '/v1/admin/translation', admin, { enabled: true, glossary: [keep(secret('Glossary term'))] });
  const widget = await api.ok<{ widgetKey: string; identitySecret: string }>('POST', '/v1/admin/widget-keys', admin);
  keep(widget.widgetKey);
  keep(widget.identitySecret);
  const apiKey = async (name: string, scopes: string[]) => {
    const k = await api.ok<{ key: string; apiKeyId: string }>('POST', '/v1/admin/api-keys', admin, { name: keep(secret(name)), scopes });
    keep(k.key);
    keep(k.apiKeyId);
    return k;
  };
  const eventsKey = await apiKey('events key', ['events:read']);
  const hooksKey = await apiKey('webhooks key', ['webhooks:manage']);
  await api.ok('PUT', '/v1/admin/invitation-rules', admin, { rules: [{ ruleId: 'a-rule', urlPattern: 'https://a.example/*', minTimeOnPageSeconds: 10, messages: { en: keep(secret('Invitation')) } }] });
  const webhook = await api.ok<{ webhookId: string; secret: string }>('POST', '/v1/webhooks', admin, {
    url: keep(`${receiverUrl}/a-hook-${RUN}`),
    eventTypes: ['contactcenter.conversation.v1.ConversationStarted'],
    description: keep(secret('Webhook description')),
  });
  keep(webhook.webhookId);
  keep(webhook.secret);
  // Meta's ids are digits; secrets have no spaces. Answers say only that they are set.
  const channelEndpointId = String(parseInt(RUN, 16));
  await api.ok('PUT', `/v1/admin/channels/whatsapp/${channelEndpointId}`, admin, { queueId, appSecret: keep(`a-app-secret-${RUN}`), accessToken: keep(`a-access-token-${RUN}`) });
  return { queueId, privateQueueId, teamId, faqId, cannedId, cannedText, widget, eventsKey, hooksKey, webhookId: webhook.webhookId, channelEndpointId };
}
