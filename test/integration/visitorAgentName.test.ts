/**
 * What a visitor learns of the agent who has their conversation, through the
 * gateway with the services as processes: the agent's public display name in
 * their own conversation (getVisitorConversation), and nothing else of the
 * agent's profile; no name while nobody is assigned, nor for an agent who
 * has none.
 */
import { randomUUID } from 'node:crypto';
import { gatewayClient, poll, type Credential, type GatewayClient } from '../support/gatewayClient';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

type VisitorView = { assignedAgentId?: string; agent?: Record<string, unknown> };

describe('the assigned agent in the visitor\'s conversation', () => {
  let stack: TestStack;
  let api: GatewayClient;
  const tenant = `vname-${randomUUID().slice(0, 8)}`;
  let admin: Credential;
  let priya: Credential;
  let bo: Credential;
  let beats: ReturnType<typeof setInterval> | undefined;

  const online = async (agent: Credential, connectionId: string) => {
    await api.ok('PUT', '/v1/agents/me/status', agent, { status: 'online' });
    await api.ok('POST', '/v1/agents/me/heartbeat', agent, { connectionId });
  };

  beforeAll(async () => {
    stack = await startTestStack();
    api = gatewayClient(stack.gatewayUrl);
    admin = { bearer: stack.token(tenant, 'root', ['admin']) };
    priya = { bearer: stack.token(tenant, 'priya') };
    bo = { bearer: stack.token(tenant, 'bo') };
    await api.ok('PUT', '/v1/admin/agents/priya', admin, { displayName: 'Priya Nair', languages: ['en'], capacity: { chat: 3 }, skills: [{ name: 'billing', level: 7 }], teamIds: ['billing'] });
    // An agent without a display name: the visitor must not see the id instead.
    await api.ok('PUT', '/v1/admin/agents/bo', admin, { languages: ['en'], capacity: { chat: 3 } });
    await api.ok('PUT', '/v1/admin/queues/front', admin, { name: 'Front', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', offerTimeoutSeconds: 0 });
    // Only Priya is online at first, so routing gives her the conversation.
    await online(priya, 'desk-priya');
    beats = setInterval(() => void api.call('POST', '/v1/agents/me/heartbeat', priya, { connectionId: 'desk-priya' }).catch(() => undefined), 5_000);
  });

  afterAll(async () => {
    if (beats) clearInterval(beats);
    await stack?.teardown();
  });

  it('shows the assigned agent\'s display name and nothing else of the agent; none while unassigned or for an agent without one', async () => {
    const { widgetKey } = await api.ok<{ widgetKey: string }>('POST', '/v1/admin/widget-keys', admin);
    const session = await api.ok<{ token: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey });
    const visitor = { bearer: session.token };
    const view = (id: string) => api.ok<VisitorView>('GET', `/v1/visitor/conversations/${id}`, visitor);

    // Not queued: nobody has it, so there is no agent to name.
    const unrouted = (await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', visitor, { language: 'en' })).conversationId;
    const waiting = await view(unrouted);
    expect(waiting.assignedAgentId).toBeUndefined();
    expect(waiting).not.toHaveProperty('agent');

    const id = (await api.ok<{ conversationId: string }>('POST', '/v1/visitor/conversations', visitor, { language: 'en', queueId: 'front' })).conversationId;
    const assigned = await poll(async () => {
      const v = await view(id);
      return v.assignedAgentId ? v : undefined;
    }, 20_000, 'the conversation assigned to Priya');
    expect(assigned.assignedAgentId).toBe('priya');
    expect(assigned.agent).toEqual({ displayName: 'Priya Nair' });
    // Skills, teams, languages, capacity and presence stay staff data.
    const body = JSON.stringify(assigned);
    for (const staffOnly of ['billing', 'capacity', 'skills', 'teamIds', 'languages', 'reservations', 'connections']) expect([staffOnly, body.includes(staffOnly)]).toEqual([staffOnly, false]);

    // Transferred to an agent without a display name: no name, and never the id in its place.
    await online(bo, 'desk-bo');
    await api.ok('POST', `/v1/conversations/${id}/transfer`, priya, { toAgentId: 'bo', reason: 'shift change' });
    const transferred = await poll(async () => {
      const v = await view(id);
      return v.assignedAgentId === 'bo' ? v : undefined;
    }, 20_000, 'the conversation transferred to Bo');
    expect(transferred).not.toHaveProperty('agent');
  });
});
