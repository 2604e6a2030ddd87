/**
 * UnusedReservations: a slot held for a conversation that is not the agent's
 * is released only after it stayed so for the grace period and the
 * conversation service confirms someone else (or nobody) holds it; slots in
 * use, under a claim, in flight here, or for conversations the events do not
 * know are never touched.
 */
import { createLogger } from '@contactcenter/infra';
import type { AgentView } from '../domain/agentView';
import type { ConversationFacts } from './conversationFeed';
import { UnusedReservations } from './unusedReservations';

const TENANT = 't1';
const GRACE_MS = 10_000;

function facts(conversationId: string, over: Partial<ConversationFacts>): ConversationFacts {
  return {
    tenantId: TENANT, conversationId, channel: 'chat', language: 'en', priority: 0, status: 'queued', queueId: 'q1', teamId: '',
    queuedAt: 1_000, agentId: '', agentRegion: '', ticketOpen: false, botSpoke: false, ...over,
  };
}

const agent = (agentId: string, holds: string[]): AgentView =>
  ({ agentId, holds: new Set(holds), skills: new Map(), languages: [], capacity: { chat: 3 }, load: { chat: holds.length }, idleSince: 0, lastAssignedAt: 0, translationEnabled: false, teamIds: [] }) as unknown as AgentView;

function world(setup: {
  agents: AgentView[];
  facts: ConversationFacts[];
  holders?: Record<string, string | undefined>;
  claimed?: string[];
  busy?: string[];
  takenUp?: string[];
  /** Another replica claimed these after the sweep looked (its claim is refused). */
  claimedElsewhere?: string[];
  failHolder?: boolean;
}) {
  let clock = 0;
  const released: string[] = [];
  const asked: string[] = [];
  /** The conversations whose claim the sweep holds right now, and what it did while holding each. */
  const underClaim = new Set<string>();
  const doneUnderClaim: string[] = [];
  const known = new Map(setup.facts.map((f) => [f.conversationId, f]));
  const sweep = new UnusedReservations({
    tenants: () => [TENANT],
    agents: () => setup.agents,
    facts: (_t, c) => known.get(c),
    claimed: (_t, c) => setup.claimed?.includes(c) ?? false,
    busy: (_t, c) => setup.busy?.includes(c) ?? false,
    // `takenUp`: this replica began acting on it after the sweep looked (the exclusive section is refused).
    exclusively: async (_t, c, work) => (setup.takenUp?.includes(c) ? undefined : work()),
    whileClaimed: async (_t, c, work) => {
      if (setup.claimedElsewhere?.includes(c)) return undefined;
      underClaim.add(c);
      try {
        return await work();
      } finally {
        underClaim.delete(c);
      }
    },
    holderOf: async (_t, c) => {
      asked.push(c);
      if (underClaim.has(c)) doneUnderClaim.push(`asked ${c}`);
      if (setup.failHolder) throw new Error('conversation service unavailable');
      return setup.holders && c in setup.holders ? setup.holders[c] : '';
    },
    release: async (_t, a, c) => {
      if (underClaim.has(c)) doneUnderClaim.push(`released ${a}/${c}`);
      released.push(`${a}/${c}`);
    },
    graceMs: GRACE_MS,
    now: () => clock,
    logger: createLogger('unused-reservations-test', 'silent'),
  });
  const at = async (ms: number) => {
    clock = ms;
    return sweep.sweep();
  };
  return { at, released, asked, known, doneUnderClaim };
}

describe('UnusedReservations', () => {
  it('releases a slot held for a conversation that still waits, once it stayed unused for the grace period', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })] });
    expect(await w.at(0)).toBe(0); // noted
    expect(await w.at(GRACE_MS - 1)).toBe(0); // not yet
    expect(w.released).toEqual([]);
    expect(await w.at(GRACE_MS)).toBe(1);
    expect(w.released).toEqual(['ana/c1']);
    expect(w.asked).toEqual(['c1']);
    // The question and the release both ran under the conversation's claim.
    expect(w.doneUnderClaim).toEqual(['asked c1', 'released ana/c1']);
  });

  it('does not ask or release while another replica holds the conversation, and looks again later', async () => {
    const claimedElsewhere = ['c1'];
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })], claimedElsewhere });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(0);
    expect(w.asked).toEqual([]);
    expect(w.released).toEqual([]);
    claimedElsewhere.pop(); // its claim is gone (and with it, here, nobody used the slot)
    expect(await w.at(GRACE_MS + 1)).toBe(1);
    expect(w.released).toEqual(['ana/c1']);
  });

  it('releases a slot held for a conversation that went to someone else, or is over', async () => {
    const w = world({
      agents: [agent('ana', ['c1', 'c2'])],
      facts: [facts('c1', { status: 'assigned', agentId: 'bo' }), facts('c2', { status: 'resolved', agentId: '' })],
      holders: { c1: 'bo', c2: '' },
    });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(2);
    expect(w.released.sort()).toEqual(['ana/c1', 'ana/c2']);
  });

  it('never touches a slot the conversation uses', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'assigned', agentId: 'ana' })] });
    await w.at(0);
    expect(await w.at(GRACE_MS * 3)).toBe(0);
    expect(w.asked).toEqual([]);
  });

  it('keeps the slot when the conversation service says the agent holds it (the events lag)', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })], holders: { c1: 'ana' } });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(0);
    expect(w.asked).toEqual(['c1']);
    expect(w.released).toEqual([]);
  });

  it('keeps the slot when the conversation service does not know the conversation', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })], holders: { c1: undefined } });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(0);
    expect(w.released).toEqual([]);
  });

  it('leaves slots under a claim, in flight here, or for conversations the events do not know', async () => {
    const w = world({
      agents: [agent('ana', ['claimed', 'busy', 'elsewhere'])],
      facts: [facts('claimed', {}), facts('busy', {})],
      claimed: ['claimed'],
      busy: ['busy'],
    });
    await w.at(0);
    expect(await w.at(GRACE_MS * 2)).toBe(0);
    expect(w.asked).toEqual([]);
  });

  it('does not release when this replica took the conversation up after the sweep looked', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })], takenUp: ['c1'] });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(0);
    expect(w.asked).toEqual([]); // not even asked: the check and the release run only while nothing else acts on it
    expect(w.released).toEqual([]);
  });

  it('starts the grace period again when the slot was in use in between', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })] });
    await w.at(0);
    w.known.set('c1', facts('c1', { status: 'assigned', agentId: 'ana' }));
    await w.at(GRACE_MS / 2);
    w.known.set('c1', facts('c1', { status: 'queued', queuedAt: 2_000 })); // back in a queue, the slot not yet released
    expect(await w.at(GRACE_MS)).toBe(0); // first seen unused again at GRACE_MS: noted, not released
    expect(await w.at(GRACE_MS * 2)).toBe(1);
  });

  it('keeps the slot and tries again later when the conversation service does not answer', async () => {
    const w = world({ agents: [agent('ana', ['c1'])], facts: [facts('c1', { status: 'queued' })], failHolder: true });
    await w.at(0);
    expect(await w.at(GRACE_MS)).toBe(0);
    expect(await w.at(GRACE_MS + 1)).toBe(0);
    expect(w.asked).toEqual(['c1', 'c1']);
    expect(w.released).toEqual([]);
  });
});
