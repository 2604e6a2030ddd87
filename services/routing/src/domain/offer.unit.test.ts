import { IllegalStateError } from '@contactcenter/infra/errors';
import { isActive, requireAcceptable, withdraw, type OfferRecord } from './offer';

const NOW = Date.parse('2025-01-06T10:00:00Z');

const offer = (over: Partial<OfferRecord> = {}): OfferRecord => ({
  tenantId: 't1',
  conversationId: 'c1',
  queueId: 'support',
  channel: 'chat',
  language: 'en',
  strategy: 'least_busy',
  state: 'offered',
  agentIds: ['a1'],
  reservedFor: 'a1',
  acceptingAgent: '',
  declined: [],
  expiresAt: NOW + 30_000,
  queuedAt: NOW - 60_000,
  decision: { strategy: 'least_busy' },
  by: 'replica-1',
  ...over,
});

/** The IllegalStateError message `fn` throws; fails the test on anything else. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IllegalStateError);
    expect((err as IllegalStateError).code).toBe('illegal_state');
    return (err as Error).message;
  }
  throw new Error('expected an IllegalStateError, nothing was thrown');
}

describe('requireAcceptable', () => {
  it('returns the offer when the agent may accept it now', () => {
    const o = offer();
    expect(requireAcceptable(o, 'c1', 'a1', NOW)).toBe(o);
    expect(requireAcceptable(offer({ agentIds: ['a1', 'a2', 'a3'], reservedFor: '' }), 'c1', 'a3', NOW).state).toBe('offered');
  });

  it('refuses when there is no offer, or no open one', () => {
    expect(refusal(() => requireAcceptable(undefined, 'c1', 'a1', NOW))).toBe('conversation "c1" has no open offer: it was taken or withdrawn');
    expect(refusal(() => requireAcceptable(offer({ state: 'idle', agentIds: [] }), 'c1', 'a1', NOW))).toBe('conversation "c1" has no open offer: it was taken or withdrawn');
  });

  it('refuses an agent the offer did not go to', () => {
    expect(refusal(() => requireAcceptable(offer(), 'c1', 'a2', NOW))).toBe('the offer of conversation "c1" went to another agent');
  });

  it('refuses an expired offer, the moment it expires', () => {
    expect(refusal(() => requireAcceptable(offer({ expiresAt: NOW }), 'c1', 'a1', NOW))).toBe('the offer of conversation "c1" to agent "a1" expired');
    expect(requireAcceptable(offer({ expiresAt: NOW + 1 }), 'c1', 'a1', NOW).state).toBe('offered');
  });

  it('refuses an offer being accepted, saying whether by this agent or another', () => {
    const accepting = offer({ state: 'accepting', agentIds: ['a1', 'a2'], acceptingAgent: 'a1' });
    expect(refusal(() => requireAcceptable(accepting, 'c1', 'a1', NOW))).toBe('agent "a1" is already accepting conversation "c1"');
    expect(refusal(() => requireAcceptable(accepting, 'c1', 'a2', NOW))).toBe('conversation "c1" was accepted by another agent');
  });

  it('refuses an offer still being reserved, saying it is not open yet', () => {
    expect(refusal(() => requireAcceptable(offer({ state: 'reserving' }), 'c1', 'a1', NOW))).toContain('is not open yet');
  });

  it('gives a distinct reason for each refusal', () => {
    const messages = [
      refusal(() => requireAcceptable(undefined, 'c1', 'a1', NOW)),
      refusal(() => requireAcceptable(offer(), 'c1', 'a2', NOW)),
      refusal(() => requireAcceptable(offer({ expiresAt: NOW - 1 }), 'c1', 'a1', NOW)),
      refusal(() => requireAcceptable(offer({ state: 'accepting', acceptingAgent: 'a1' }), 'c1', 'a1', NOW)),
      refusal(() => requireAcceptable(offer({ state: 'accepting', agentIds: ['a1', 'a2'], acceptingAgent: 'a2' }), 'c1', 'a1', NOW)),
    ];
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('changes nothing when it refuses', () => {
    const o = offer({ state: 'accepting', acceptingAgent: 'a1' });
    const before = structuredClone(o);
    refusal(() => requireAcceptable(o, 'c1', 'a1', NOW));
    expect(o).toEqual(before);
  });
});

describe('withdraw', () => {
  it('frees the conversation, passes over the decliners and names the reservation to release', () => {
    const o = offer({ declined: ['a0'], agentIds: ['a1'], reservedFor: 'a1', state: 'offered' });
    const { next, release } = withdraw(o, 'replica-2', ['a1']);
    expect(release).toBe('a1');
    expect(next).toEqual({ ...o, state: 'idle', agentIds: [], reservedFor: '', acceptingAgent: '', declined: ['a0', 'a1'], expiresAt: 0, decision: null, by: 'replica-2' });
  });

  it('lists each decliner once', () => {
    expect(withdraw(offer({ declined: ['a1', 'a2'] }), 'r', ['a2', 'a3', 'a3']).next.declined).toEqual(['a1', 'a2', 'a3']);
  });

  it('releases nothing for a manual-pick broadcast nobody accepted', () => {
    const { next, release } = withdraw(offer({ strategy: 'manual_pick', agentIds: ['a1', 'a2', 'a3'], reservedFor: '' }), 'r', ['a1', 'a2', 'a3']);
    expect(release).toBe('');
    expect(next.declined).toEqual(['a1', 'a2', 'a3']);
  });

  it('releases the reservation of an accepting agent whose replica died', () => {
    const { next, release } = withdraw(offer({ state: 'accepting', acceptingAgent: 'a1', reservedFor: 'a1' }), 'r', []);
    expect(release).toBe('a1');
    expect(next).toMatchObject({ state: 'idle', acceptingAgent: '', declined: [] });
  });

  it('leaves the original record alone', () => {
    const o = offer({ declined: ['a0'] });
    const before = structuredClone(o);
    withdraw(o, 'r', ['a1']);
    expect(o).toEqual(before);
  });

  it('yields a record no agent may accept', () => {
    const { next } = withdraw(offer(), 'r', ['a1']);
    expect(isActive(next, NOW)).toBe(false);
    refusal(() => requireAcceptable(next, 'c1', 'a1', NOW));
  });
});

describe('isActive', () => {
  it('is true for an offer out, being reserved or accepted, until it expires', () => {
    expect(isActive(offer({ state: 'offered' }), NOW)).toBe(true);
    expect(isActive(offer({ state: 'reserving' }), NOW)).toBe(true);
    expect(isActive(offer({ state: 'accepting' }), NOW)).toBe(true);
    expect(isActive(offer({ expiresAt: NOW }), NOW)).toBe(false);
  });

  it('is false for no record or an idle one', () => {
    expect(isActive(undefined, NOW)).toBe(false);
    expect(isActive(offer({ state: 'idle' }), NOW)).toBe(false);
  });
});

describe('an assigned offer', () => {
  it('stays active, whatever its expiry, and refuses every accept', () => {
    const settled = offer({ state: 'assigned', acceptingAgent: 'a1', expiresAt: NOW - 1 });
    expect(isActive(settled, NOW)).toBe(true);
    expect(refusal(() => requireAcceptable(settled, 'c1', 'a1', NOW))).toBe('conversation "c1" is already yours');
    expect(refusal(() => requireAcceptable(settled, 'c1', 'a2', NOW))).toBe('conversation "c1" went to another agent');
  });
});
