import type { OfferRecord } from '../domain/offer';
import { NOW } from '../domain/routingFixtures';
import { conversationHolder } from './agentSlots';

const offer = (over: Partial<OfferRecord>): OfferRecord => ({
  tenantId: 't1', conversationId: 'c1', queueId: 'web', channel: 'chat', language: 'en', strategy: 'least_busy', state: 'idle',
  agentIds: [], reservedFor: '', acceptingAgent: '', declined: [], expiresAt: 0, queuedAt: NOW - 1_000, decision: null, by: 'eu-1',
  ...over,
});

describe('conversationHolder (what a home region answers another region checking a slot it holds)', () => {
  it("says the feed's assignee first", () => {
    expect(conversationHolder({ agentId: 'us-bob' }, undefined, NOW)).toBe('us-bob');
  });

  it('says the agent this region just assigned while the feed does not show it yet', () => {
    expect(conversationHolder({ agentId: '' }, offer({ state: 'assigned', acceptingAgent: 'us-bob' }), NOW)).toBe('us-bob');
  });

  it('cannot say while a claim is in flight (the assignment may be being written)', () => {
    expect(conversationHolder({ agentId: '' }, offer({ state: 'reserving', expiresAt: NOW + 5_000 }), NOW)).toBeUndefined();
  });

  it('says nobody once the claim expired, for an idle record, or for a conversation it does not know', () => {
    expect(conversationHolder({ agentId: '' }, offer({ state: 'reserving', expiresAt: NOW - 1 }), NOW)).toBe('');
    expect(conversationHolder({ agentId: '' }, offer({ state: 'idle' }), NOW)).toBe('');
    expect(conversationHolder(undefined, undefined, NOW)).toBe('');
  });
});
