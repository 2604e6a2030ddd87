/**
 * Translation memory in NATS KV, shared by two cache instances on two
 * connections (two replicas), on a fresh NATS server.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { LruTranslationCache } from './lruTranslationCache';
import { NatsKvTranslationCache } from './natsKvTranslationCache';
import { translationCacheKey } from './translationCache';
import { translate } from '../translator';
import type { TranslationProvider } from '../providers/translationProvider';

jest.setTimeout(60_000);

describe('NatsKvTranslationCache', () => {
  let nats: TestNats;
  const connections: NatsConnection[] = [];
  let replicaA: NatsKvTranslationCache;
  let replicaB: NatsKvTranslationCache;
  const bucket = `translation_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    nats = await freshNats();
    for (let i = 0; i < 2; i++) connections.push(await connect({ servers: nats.url }));
    replicaA = await NatsKvTranslationCache.open(connections[0]!, bucket);
    replicaB = await NatsKvTranslationCache.open(connections[1]!, bucket);
  });
  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await nats?.stop();
  });

  it('serves on one replica what the other stored', async () => {
    const key = translationCacheKey({ text: `Hello ${randomUUID()}`, source: 'en', target: 'es' });
    expect(await replicaB.get(key)).toBeUndefined();
    await replicaA.set(key, { text: 'Hola', provider: 'apertium' });
    expect(await replicaB.get(key)).toEqual({ text: 'Hola', provider: 'apertium' });
    await replicaB.set(key, { text: '¡Hola!', provider: 'deepl' });
    expect(await replicaA.get(key)).toEqual({ text: '¡Hola!', provider: 'deepl' });
  });

  it('treats an entry of another shape as a miss', async () => {
    const key = translationCacheKey({ text: randomUUID(), source: 'en', target: 'es' });
    await replicaA.kv.put(key, 'not json');
    expect(await replicaB.get(key)).toBeUndefined();
    await replicaA.kv.put(key, JSON.stringify({ translated: 'x' }));
    expect(await replicaB.get(key)).toBeUndefined();
  });

  it('lets a second replica skip the provider through the translator', async () => {
    let calls = 0;
    const provider: TranslationProvider = {
      name: 'counting',
      supportedPairs: async () => [{ source: 'en', target: 'es' }],
      translate: async ({ text }) => {
        calls++;
        return { text: `es:${text}`, provider: 'counting' };
      },
    };
    const text = `Shared ${randomUUID()}`;
    const settings = { provider: 'counting', glossary: ['Acme'] };
    const a = await translate({ providers: new Map([['counting', provider]]), cache: replicaA }, settings, { text, source: 'en', target: 'es' });
    const b = await translate({ providers: new Map([['counting', provider]]), cache: replicaB }, settings, { text, source: 'en', target: 'es' });
    expect(a).toMatchObject({ fromCache: false, text: `es:${text}` });
    expect(b).toMatchObject({ fromCache: true, text: `es:${text}`, provider: 'counting' });
    expect(calls).toBe(1);
    // An in-process LRU, by contrast, is per replica.
    const c = await translate({ providers: new Map([['counting', provider]]), cache: new LruTranslationCache() }, settings, { text, source: 'en', target: 'es' });
    expect(c).toMatchObject({ fromCache: false });
  });

  it('reports a closed connection as unavailable', async () => {
    const nc = await connect({ servers: nats.url });
    const cache = await NatsKvTranslationCache.open(nc, bucket);
    await nc.close();
    await expect(cache.get(translationCacheKey({ text: 'x', source: 'en', target: 'es' }))).rejects.toMatchObject({ code: 'unavailable' });
  });
});
