/**
 * RoutingStore's watches on a real nats-server: each replica's offers view
 * sees every claim and its deletion, and the definitions watch sees queue,
 * team and FAQ changes and nothing else (offer claims come and go twice per
 * assignment; they are not definition changes).
 */
import { createLogger } from '@contactcenter/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import type { OfferRecord } from '../domain/offer';
import { RoutingStore } from './routingStore';

jest.setTimeout(30_000);

const nats = natsForThisFile('routing-store-test');
const logger = createLogger('routing-store-test', 'silent');

async function until(what: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !what(); ) {
    if (Date.now() > deadline) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const offer = (tenantId: string, conversationId: string): OfferRecord => ({
  tenantId,
  conversationId,
  queueId: 'support',
  channel: 'chat',
  language: 'en',
  strategy: 'least_busy',
  state: 'reserving',
  agentIds: ['a1'],
  reservedFor: 'a1',
  acceptingAgent: '',
  declined: [],
  expiresAt: Date.now() + 30_000,
  queuedAt: Date.now(),
  decision: null,
  by: 'test',
});

it('tells definition changes from offer claims: each watch sees its own keys', async () => {
  const nc = await nats.connect();
  const bucket = `routing_store_${randomUUID().slice(0, 8)}`;
  const store = await RoutingStore.open(nc, bucket);
  const changedTenants: string[] = [];
  const offers: string[] = [];
  const stopDefinitions = await store.watchDefinitions((t) => changedTenants.push(t), logger);
  const stopOffers = await store.watchOffers((t, c, o) => offers.push(`${t}/${c}:${o ? o.value.state : 'deleted'}`), logger);
  try {
    // Offer claims first: the offers watch sees the claim and its deletion, the definitions watch nothing.
    const revision = await store.createOffer(offer('acme', 'c-1'));
    expect(revision).toBeGreaterThan(0);
    expect(await store.deleteOffer('acme', 'c-1', revision!)).toBe(true);
    await until(() => offers.length === 2, 'offer claim and deletion seen');
    expect(offers).toEqual(['acme/c-1:reserving', 'acme/c-1:deleted']);

    await store.putQueue('acme', { queueId: 'support', name: 'Support', channel: 'chat', requiredSkills: [], language: '', priority: 0, strategy: 'least_busy', offerTimeoutSeconds: 0, agingSeconds: 0, overflow: { afterSeconds: 0, widen: false, toQueueId: '' }, averageHandleSeconds: 120, teamId: '' });
    await store.putTeam('globex', { teamId: 'tier-2', name: 'Tier 2', queueId: '' });
    await store.putFaq('initech', { entryId: 'hours', language: 'en', question: 'When are you open?', answer: 'Always.', keywords: ['hours'] });
    await until(() => changedTenants.length === 3, 'three definition changes seen');
    // In order, and the offers written before them never reached this watch.
    expect(changedTenants).toEqual(['acme', 'globex', 'initech']);
    expect(offers).toHaveLength(2);
    // What the server delivered to the definition watches: the three definitions, not the two offer writes as well.
    const consumers = await (await jetstreamManager(nc)).consumers.list(`KV_${bucket}`).next();
    const definitionWatches = consumers.filter((c) => !c.config.filter_subject?.includes('.offer.'));
    expect(definitionWatches.length).toBeGreaterThan(0);
    expect(definitionWatches.reduce((n, c) => n + c.delivered.consumer_seq, 0)).toBe(3);
  } finally {
    stopDefinitions();
    stopOffers();
  }
});
