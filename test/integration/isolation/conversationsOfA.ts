/**
 * Tenant A's activity: its agent online at the desk; V1 (identity-verified)
 * with an invitation, an assigned conversation c1 (messages, a canned reply,
 * a note, tags, a priority), a conversation c0 started by the agent and a
 * resolved one c3 with a survey; V2 (anonymous) with c2 offered and waiting;
 * and four failed webhook deliveries.
 */
import { createHmac } from 'node:crypto';
import { poll, type Credential, type GatewayClient } from '../../support/gatewayClient';
import type { DirectoryOfA } from './directoryOfA';
import { surveyDefinition } from './surveyDefinition';
import { keeperOf, RUN, secret, type Visitor } from './world';

export interface ConversationsOfA {
  v1: Visitor;
  v2: Visitor;
  /** The secrets V1 may read: its own identity, invitation, conversations and what was said to it. */
  v1Own: string[];
  /** V2's message in c2 (V2 may read it). */
  fromV2: string;
  invitationId: string;
  c0: string;
  c1: string;
  c2: string;
  c3: string;
  surveyId: string;
  draftSurveyId: string;
  /** One of the webhook's failed deliveries. */
  deliveryId: string;
}

/** Every id and text made here is added to `secrets`, which must already hold the directory's. */
export async function setUpConversationsOfA(
  api: GatewayClient,
  A: { admin: Credential; agent: Credential },
  directory: DirectoryOfA,
  secrets: string[],
): Promise<ConversationsOfA> {
  const keep = keeperOf(secrets);
  const { widget, queueId, cannedId, cannedText, webhookId } = directory;

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
  // A's agent has c1: V1 sees their display name (and nothing else of them) in the conversation.
  v1Own.push(c1, subject, fromV1, reply, secrets.find((x) => x.startsWith('Agent name'))!);
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
    const { deliveries } = await api.ok<{ deliveries: { deliveryId: string }[] }>('GET', `/v1/webhooks/${webhookId}/deliveries?status=failed`, A.admin);
    return deliveries.length === 4 ? deliveries : undefined;
  }, 30_000, 'four failed webhook deliveries');
  for (const d of deliveries) keep(d.deliveryId);

  return { v1, v2, v1Own, fromV2, invitationId, c0, c1, c2, c3, surveyId, draftSurveyId, deliveryId: deliveries[0]!.deliveryId };
}
