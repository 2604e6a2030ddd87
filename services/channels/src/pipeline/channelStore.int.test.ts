/**
 * The channels service's state on real NATS KV: one owner per address or
 * number, tenants listing only their own endpoints, thread keys, bounded
 * References, and a customer's last message time that never moves back.
 */
import { openStateBucket } from '@contactcenter/infra/kv';
import { randomUUID } from 'node:crypto';
import { natsForThisFile } from '../../../../test/support/nats';
import type { ChannelEndpoint } from '../channel/adapter';
import { ChannelStore, type ChannelConversation } from './channelStore';

const nats = natsForThisFile('channel-store-test');

async function freshStore(): Promise<ChannelStore> {
  return new ChannelStore(await openStateBucket(await nats.connect(), `ch_${randomUUID().slice(0, 8)}`, 'channels'));
}

const email = (tenantId: string, endpointId = 'support@shop.example'): ChannelEndpoint => ({ tenantId, channel: 'email', endpointId, queueId: 'email', fromAddress: endpointId });

describe('ChannelStore', () => {
  it('gives an address one owner: another tenant cannot take it, its owner can change it', async () => {
    const store = await freshStore();
    expect(await store.putEndpoint(email('acme'))).toBe(true);
    expect(await store.putEndpoint(email('globex'))).toBe(false);
    expect((await store.findEndpoint('email', 'support@shop.example'))?.tenantId).toBe('acme');
    expect(await store.putEndpoint({ ...email('acme'), queueId: 'vip' })).toBe(true);
    expect((await store.findEndpoint('email', 'support@shop.example'))?.queueId).toBe('vip');
    // The same id on another channel is another endpoint.
    expect(await store.findEndpoint('whatsapp', 'support@shop.example')).toBeUndefined();
  });

  it('lists and deletes only the tenant\'s own endpoints', async () => {
    const store = await freshStore();
    await store.putEndpoint(email('acme', 'help@acme.example'));
    await store.putEndpoint(email('acme', 'billing@acme.example'));
    await store.putEndpoint(email('globex', 'help@globex.example'));
    await store.putEndpoint({ tenantId: 'acme', channel: 'whatsapp', endpointId: '1065403522', queueId: '', appSecret: 's', accessToken: 't' });
    expect((await store.listEndpoints('acme')).map((e) => `${e.channel}/${e.endpointId}`)).toEqual(['email/billing@acme.example', 'email/help@acme.example', 'whatsapp/1065403522']);
    expect(await store.deleteEndpoint('globex', 'email', 'help@acme.example')).toBe(false);
    expect(await store.deleteEndpoint('acme', 'email', 'help@acme.example')).toBe(true);
    expect((await store.listEndpoints('acme')).map((e) => e.endpointId)).toEqual(['billing@acme.example', '1065403522']);
    expect((await store.listEmailEndpoints()).map((e) => e.endpointId).sort()).toEqual(['billing@acme.example', 'help@globex.example']);
  });

  it('finds a conversation by thread key within its tenant only', async () => {
    const store = await freshStore();
    await store.putThread('acme', 'msgid:abc@example.com', 'c-1');
    expect(await store.findThread('acme', 'msgid:abc@example.com')).toBe('c-1');
    expect(await store.findThread('globex', 'msgid:abc@example.com')).toBeUndefined();
  });

  it('keeps the first record of a conversation, References bounded to the first and the latest, and the latest customer time', async () => {
    const store = await freshStore();
    const conversation: ChannelConversation = { tenantId: 'acme', conversationId: 'c-1', channel: 'email', endpointId: 'support@shop.example', customer: 'email:ken@example.com', subject: 'Late', references: [], replyToken: 'abc123' };
    await store.createConversation(conversation);
    expect((await store.createConversation({ ...conversation, replyToken: 'other' })).replyToken).toBe('abc123');
    for (let i = 0; i < 30; i++) await store.addReference('acme', 'c-1', `m${i}@example.com`);
    await store.addReference('acme', 'c-1', 'm29@example.com');
    const refs = (await store.getConversation('acme', 'c-1'))!.references;
    expect(refs).toHaveLength(20);
    expect(refs[0]).toBe('m0@example.com');
    expect(refs.at(-1)).toBe('m29@example.com');
    await store.customerWrote('acme', 'c-1', new Date('2026-01-02T10:00:00Z'));
    await store.customerWrote('acme', 'c-1', new Date('2026-01-01T10:00:00Z'));
    expect((await store.getConversation('acme', 'c-1'))!.customerLastWroteAt).toBe('2026-01-02T10:00:00.000Z');
  });
});
