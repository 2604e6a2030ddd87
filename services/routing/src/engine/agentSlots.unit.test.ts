import { createLogger } from '@contactcenter/infra';
import { NotFoundError, UnavailableError } from '@contactcenter/infra/errors';
import { Agent } from '@contactcenter/proto/presence/v1';
import type { OfferRecord } from '../domain/offer';
import { NOW } from '../domain/routingFixtures';
import { AgentSlots, conversationHolder } from './agentSlots';

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

describe('AgentSlots.release', () => {
  const logger = createLogger('agent-slots-test', 'silent');
  const agent = (agentId: string): Agent => Agent.fromPartial({ profile: { agentId } });
  /** Presence answering each release with the next of `answers` (an Error is thrown), and what it was asked. */
  const presenceAnswering = (answers: (Agent | Error)[]) => {
    const asked: string[] = [];
    return {
      asked,
      reserve: () => Promise.reject(new Error('not in this test')),
      release: async (_tenantId: string, agentId: string, conversationId: string) => {
        asked.push(`${agentId}/${conversationId}`);
        const next = answers.shift() ?? new UnavailableError('presence is down');
        if (next instanceof Error) throw next;
        return next;
      },
    };
  };
  const slotsWith = (presence: ReturnType<typeof presenceAnswering>, applied: (Agent | undefined)[]) =>
    new AgentSlots({ presence, apply: (_t, a) => applied.push(a), placed: () => undefined, logger });

  it('asks again when presence did not answer, until it does: the slot is not lost', async () => {
    const presence = presenceAnswering([new UnavailableError('connection reset'), new UnavailableError('restarting'), agent('ana')]);
    const applied: (Agent | undefined)[] = [];
    await slotsWith(presence, applied).release('t1', 'ana', 'c1');
    expect(presence.asked).toEqual(['ana/c1', 'ana/c1', 'ana/c1']);
    expect(applied.map((a) => a?.profile?.agentId)).toEqual(['ana']);
  });

  it('stops at a refusal (an agent deleted since): asking again would be refused again', async () => {
    const presence = presenceAnswering([new NotFoundError('agent', 'ana')]);
    const applied: (Agent | undefined)[] = [];
    await slotsWith(presence, applied).release('t1', 'ana', 'c1');
    expect(presence.asked).toEqual(['ana/c1']);
    expect(applied).toEqual([]);
  });

  it('ends its retries at once when routing stops', async () => {
    const presence = presenceAnswering([]); // never answers
    const slots = slotsWith(presence, []);
    const releasing = slots.release('t1', 'ana', 'c1');
    await new Promise((r) => setTimeout(r, 50));
    slots.stop();
    // Without the stop this waits out two minutes of backoff, past the test's timeout.
    await releasing;
    const askedWhenStopped = presence.asked.length;
    expect(askedWhenStopped).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(presence.asked).toHaveLength(askedWhenStopped);
  });
});
