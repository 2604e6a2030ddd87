import { candidateKeys, Interest, type HubEvent } from './interest';

let seq = 0;
const ev = (context: string, type: string, conversationId: string | undefined, data: Record<string, unknown> = {}): HubEvent => ({
  seq: ++seq,
  tenantId: 'acme',
  context,
  type,
  ...(conversationId ? { conversationId } : {}),
  data,
  event: { id: `e-${seq}`, type: `contactcenter.${context}.v1.${type}`, source: '/test', specversion: '1.0' } as HubEvent['event'],
});

describe('Interest', () => {
  it("follows a visitor's conversations, and each new one they start, nobody else's", () => {
    const alice = Interest.visitor('alice', ['c-old']);
    expect(alice.wants(ev('conversation', 'MessagePosted', 'c-old')).wanted).toBe(true);
    expect(alice.wants(ev('conversation', 'MessagePosted', 'c-bob')).wanted).toBe(false);
    const started = alice.wants({ ...ev('conversation', 'ConversationStarted', 'c-new', { customerId: 'alice' }), customerId: 'alice' });
    expect(started).toEqual({ wanted: true, changes: { added: ['conversation:c-new'], removed: [] } });
    expect(alice.wants(ev('conversation', 'MessagePosted', 'c-new')).wanted).toBe(true);
    expect(alice.wants({ ...ev('conversation', 'ConversationStarted', 'c-b2', { customerId: 'bob' }), customerId: 'bob' }).wanted).toBe(false);
    expect(alice.keys().sort()).toEqual(['conversation:c-new', 'conversation:c-old', 'customer:alice']);
  });

  it("gives an agent what names them and, once assigned or transferred to them, the conversation's events", () => {
    const agent = Interest.staff('a-1');
    expect(agent.wants(ev('conversation', 'MessagePosted', 'c-1')).wanted).toBe(false);
    expect(agent.wants(ev('routing', 'OfferMade', 'c-1', { agentIds: ['a-2', 'a-1'] })).wanted).toBe(true);
    expect(agent.wants(ev('routing', 'OfferMade', 'c-9', { agentIds: ['a-2'] })).wanted).toBe(false);
    expect(agent.wants(ev('conversation', 'AgentAssigned', 'c-1', { agentId: 'a-1' }))).toEqual({ wanted: true, changes: { added: ['conversation:c-1'], removed: [] } });
    expect(agent.wants(ev('conversation', 'MessagePosted', 'c-1')).wanted).toBe(true);
    expect(agent.wants(ev('conversation', 'ConversationTransferred', 'c-7', { fromAgentId: 'a-3', toAgentId: 'a-1' })).changes?.added).toEqual(['conversation:c-7']);
    expect(agent.wants(ev('presence', 'AgentStatusChanged', undefined, { agentId: 'a-1' })).wanted).toBe(false);
  });

  it('adds and removes conversations, queues, teams and the tenant, reporting only real changes', () => {
    const agent = Interest.staff('a-1', ['c-1']);
    expect(agent.subscribe({ conversations: ['c-1', 'c-2'], queues: ['billing'], teams: ['t2'], tenant: true })).toEqual({
      added: ['conversation:c-2', 'queue:billing', 'team:t2', 'tenant'],
      removed: [],
    });
    expect(agent.wants(ev('conversation', 'ConversationQueued', 'c-q', { queueId: 'billing' })).wanted).toBe(true);
    expect(agent.unsubscribe({ conversations: ['c-2', 'c-3'], tenant: true })).toEqual({ added: [], removed: ['conversation:c-2', 'tenant'] });
    expect(agent.wants(ev('conversation', 'ConversationTransferred', 'c-t', { toTeamId: 't2' })).wanted).toBe(true);
    expect(agent.wants(ev('conversation', 'MessagePosted', 'c-2')).wanted).toBe(false);
    expect(agent.describe()).toEqual({ conversations: ['c-1'], queues: ['billing'], teams: ['t2'], tenant: false });
  });

  it('gives an integration every event of the tenant, of every context', () => {
    const integration = Interest.integration();
    expect(integration.wants(ev('presence', 'AgentStatusChanged', undefined)).wanted).toBe(true);
    expect(integration.keys()).toEqual(['tenant']);
  });
});

describe('candidateKeys', () => {
  it('names the conversation, the customer starting it, the agents, queue and team an event names', () => {
    expect(candidateKeys({ ...ev('conversation', 'ConversationStarted', 'c-1', { customerId: 'alice' }), customerId: 'alice' })).toEqual(['tenant', 'conversation:c-1', 'customer:alice']);
    expect(candidateKeys(ev('routing', 'OfferMade', 'c-1', { agentIds: ['a-1', 'a-2'], queueId: 'billing' }))).toEqual(['tenant', 'conversation:c-1', 'agent:a-1', 'agent:a-2', 'queue:billing']);
    expect(candidateKeys(ev('conversation', 'ConversationTransferred', 'c-1', { fromAgentId: 'a-1', toTeamId: 't2' }))).toEqual(['tenant', 'conversation:c-1', 'agent:a-1', 'team:t2']);
    expect(candidateKeys(ev('presence', 'AgentStatusChanged', undefined, { agentId: 'a-1' }))).toEqual(['tenant']);
  });
});
