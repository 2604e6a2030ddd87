/**
 * Router.onOffer: a claim that reaches this replica after its feed showed
 * where it led is deleted (nobody else would clear it); one that may still be
 * in flight, or that led elsewhere, is left to the paths that own it.
 */
import { createLogger } from '@contactcenter/infra';
import type { OfferRecord } from '../domain/offer';
import type { AgentDirectory } from './agentDirectory';
import type { ConversationFacts, ConversationFeed } from './conversationFeed';
import type { OfferBook } from './offerBook';
import type { Peers } from './peers';
import { Router } from './router';
import type { RoutingStore } from '../store/routingStore';

const TENANT = 't1';
const QUEUED_AT = 1_000;

function facts(over: Partial<ConversationFacts>): ConversationFacts {
  return {
    tenantId: TENANT, conversationId: 'c1', channel: 'chat', language: 'en', priority: 0, status: 'queued', queueId: 'q1', teamId: '',
    queuedAt: QUEUED_AT, agentId: '', agentRegion: '', ticketOpen: false, botSpoke: false, ...over,
  };
}

function record(over: Partial<OfferRecord>): OfferRecord {
  return {
    tenantId: TENANT, conversationId: 'c1', queueId: 'q1', channel: 'chat', language: 'en', strategy: 'longest_idle', state: 'reserving',
    agentIds: ['ana'], reservedFor: 'ana', acceptingAgent: '', declined: [], expiresAt: Date.now() + 10_000, queuedAt: QUEUED_AT, decision: null, by: 'other-replica', ...over,
  };
}

function routerSeeing(seen: ConversationFacts | undefined) {
  const forgotten: OfferRecord[] = [];
  const offers = { forget: async (read: { value: OfferRecord }) => void forgotten.push(read.value) } as unknown as OfferBook;
  const directory = { reserveLocally: () => undefined, settleLocally: () => undefined, pool: () => undefined, apply: () => undefined } as unknown as AgentDirectory;
  const feed = { get: () => seen, placeAgent: () => undefined } as unknown as ConversationFeed;
  const router = new Router(
    { store: {} as RoutingStore, peers: {} as Peers, directory, offers, logger: createLogger('router-test', 'silent'), replica: 'this-replica', now: Date.now, maxInFlight: 8 },
    feed,
  );
  const arrive = async (offer: OfferRecord) => {
    router.onOffer(TENANT, offer.conversationId, { value: offer, revision: 7 });
    await new Promise((r) => setImmediate(r));
    return forgotten.length > 0;
  };
  return { arrive };
}

describe('a claim that arrives after the feed showed the assignment', () => {
  it('is deleted when the conversation went to the agent it reserved, in its waiting spell', async () => {
    expect(await routerSeeing(facts({ status: 'assigned', agentId: 'ana' })).arrive(record({}))).toBe(true);
  });

  it('is left alone while the conversation still waits (its replica may be reserving right now)', async () => {
    expect(await routerSeeing(facts({ status: 'queued' })).arrive(record({}))).toBe(false);
  });

  it('is left alone when the conversation went to someone else (its reservation must be released, not kept)', async () => {
    expect(await routerSeeing(facts({ status: 'assigned', agentId: 'bo' })).arrive(record({}))).toBe(false);
  });

  it('is left alone when it belongs to another waiting spell', async () => {
    expect(await routerSeeing(facts({ status: 'assigned', agentId: 'ana', queuedAt: QUEUED_AT + 5 })).arrive(record({}))).toBe(false);
  });

  it('is left alone when the feed has not seen the conversation', async () => {
    expect(await routerSeeing(undefined).arrive(record({}))).toBe(false);
  });

  it('an assigned record is deleted once its waiting spell is over, whoever has the conversation', async () => {
    expect(await routerSeeing(facts({ status: 'resolved' })).arrive(record({ state: 'assigned', acceptingAgent: 'ana' }))).toBe(true);
    expect(await routerSeeing(facts({ status: 'queued' })).arrive(record({ state: 'assigned', acceptingAgent: 'ana' }))).toBe(false);
  });

  it('an offer out to agents is never deleted here', async () => {
    expect(await routerSeeing(facts({ status: 'assigned', agentId: 'ana' })).arrive(record({ state: 'offered' }))).toBe(false);
  });
});

describe("a conversation's slot work, in the order of its events", () => {
  it('releases the slot of a conversation that ended only after the hold of its assignment is done', async () => {
    const calls: string[] = [];
    // A batched reservation waits for its batch; the release goes at once: without ordering, the release arrives first.
    const peers = {
      reserve: async (_t: string, agentId: string, conversationId: string) => {
        calls.push(`reserve ${agentId}/${conversationId} sent`);
        await new Promise((r) => setTimeout(r, 30));
        calls.push(`reserve ${agentId}/${conversationId} done`);
        return undefined;
      },
      release: async (_t: string, agentId: string, conversationId: string) => {
        calls.push(`release ${agentId}/${conversationId}`);
        return undefined;
      },
    } as unknown as Peers;
    // This replica did not route it and its directory does not show the agent holding it: the assignment is held here.
    const directory = { get: () => undefined, apply: () => undefined, pool: () => undefined, reserveLocally: () => undefined, settleLocally: () => undefined } as unknown as AgentDirectory;
    const router = new Router(
      { store: {} as RoutingStore, peers, directory, offers: {} as OfferBook, logger: createLogger('router-test', 'silent'), replica: 'this-replica', now: Date.now, maxInFlight: 8 },
      { get: () => undefined, placeAgent: () => undefined } as unknown as ConversationFeed,
    );
    const assigned = facts({ status: 'assigned', agentId: 'ana' });
    router.onFeed({ kind: 'assigned', facts: assigned, previousAgentId: '', previousAgentRegion: '', revision: 2, at: Date.now(), queueId: '' });
    router.onFeed({ kind: 'closed', facts: facts({ status: 'resolved' }), agentId: 'ana', agentRegion: '' });
    for (let waited = 0; calls.length < 3 && waited < 2_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual(['reserve ana/c1 sent', 'reserve ana/c1 done', 'release ana/c1']);
  });
});
