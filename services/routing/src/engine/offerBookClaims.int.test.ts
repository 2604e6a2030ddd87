/**
 * OfferBook.whileClaimed on a real nats-server's KV, as the sweep of unused
 * reservations uses it: with other replicas alive, the work runs under a
 * `reserving` claim that holds nobody's slot, which keeps another replica's
 * claim out and is deleted afterwards (also when the work fails); a
 * conversation another replica holds is left alone; a replica alone writes
 * no record.
 */
import { createLogger } from '@contactcenter/infra';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import type { OfferRecord } from '../domain/offer';
import { RoutingStore } from '../store/routingStore';
import type { AgentDirectory } from './agentDirectory';
import type { ConversationFacts } from './conversationFeed';
import { OfferBook } from './offerBook';
import type { Peers } from './peers';
import type { RoutingEvents } from './routingEvents';

jest.setTimeout(30_000);

const nats = natsForThisFile('offer-book-claims-test');
const logger = createLogger('offer-book-claims-test', 'silent');
const TENANT = 'acme';

const facts = (conversationId: string): ConversationFacts => ({
  tenantId: TENANT, conversationId, channel: 'chat', language: 'en', priority: 0, status: 'queued', queueId: 'support', teamId: '',
  queuedAt: 1_000, agentId: '', agentRegion: '', ticketOpen: false, botSpoke: false,
});

/** Another replica's claim on the conversation, as reserveAndAct writes it. */
const othersClaim = (conversationId: string): OfferRecord => ({
  tenantId: TENANT, conversationId, queueId: 'support', channel: 'chat', language: 'en', strategy: 'least_busy', state: 'reserving',
  agentIds: ['ana'], reservedFor: 'ana', acceptingAgent: '', declined: [], expiresAt: Date.now() + 30_000, queuedAt: 1_000, decision: null, by: 'other',
});

async function book(alone: boolean) {
  const store = await RoutingStore.open(await nats.connect(), `offer_claims_${randomUUID().slice(0, 8)}`);
  // whileClaimed uses the store alone: no peer, directory or event is touched.
  const unused = {} as Peers & AgentDirectory & RoutingEvents;
  const offers = new OfferBook({ store, peers: unused, directory: unused, events: unused, logger, replica: 'sweeper', claimTtlMs: 10_000, now: Date.now, alone: () => alone });
  return { store, offers };
}

it('with other replicas alive, runs the work under a claim that holds nobody, keeps other claims out meanwhile, and deletes it after', async () => {
  const { store, offers } = await book(false);
  let during: OfferRecord | undefined;
  let othersClaimDuring: number | undefined;
  const result = await offers.whileClaimed(facts('c1'), async () => {
    during = (await store.getOffer(TENANT, 'c1'))?.value;
    othersClaimDuring = await store.createOffer(othersClaim('c1'));
    return 'done';
  });
  expect(result).toBe('done');
  expect(during).toMatchObject({ state: 'reserving', reservedFor: '', agentIds: [], by: 'sweeper', queuedAt: 1_000 });
  expect(othersClaimDuring).toBeUndefined();
  expect(await store.getOffer(TENANT, 'c1')).toBeUndefined();
  // Once it is gone, another replica claims as usual.
  expect(await store.createOffer(othersClaim('c1'))).toBeGreaterThan(0);
});

it('deletes its claim when the work fails', async () => {
  const { store, offers } = await book(false);
  await expect(offers.whileClaimed(facts('c2'), async () => Promise.reject(new Error('presence unreachable')))).rejects.toThrow('presence unreachable');
  expect(await store.getOffer(TENANT, 'c2')).toBeUndefined();
});

it('leaves a conversation another replica holds alone: the work does not run and that claim stays', async () => {
  const { store, offers } = await book(false);
  await store.createOffer(othersClaim('c3'));
  let ran = false;
  expect(await offers.whileClaimed(facts('c3'), async () => (ran = true))).toBeUndefined();
  expect(ran).toBe(false);
  expect((await store.getOffer(TENANT, 'c3'))?.value).toMatchObject({ by: 'other', reservedFor: 'ana' });
});

it('alone, runs the work at once and writes no record', async () => {
  const { store, offers } = await book(true);
  let seen: unknown = 'not run';
  expect(await offers.whileClaimed(facts('c4'), async () => (seen = await store.getOffer(TENANT, 'c4')))).toBeUndefined();
  expect(seen).toBeUndefined();
  expect(await store.getOffer(TENANT, 'c4')).toBeUndefined();
});
