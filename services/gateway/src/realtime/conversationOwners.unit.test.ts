import { NotFoundError, UnavailableError } from '@contactcenter/infra';
import { ConversationOwners } from './conversationOwners';

describe('ConversationOwners', () => {
  it('answers learnt conversations without asking, and asks once for concurrent lookups', async () => {
    const fetch = jest.fn(async () => 'bob');
    const owners = new ConversationOwners({ fetch });
    owners.learn('acme', 'c-1', 'alice');
    expect(await owners.customerOf('acme', 'c-1')).toBe('alice');
    expect(await Promise.all([owners.customerOf('acme', 'c-2'), owners.customerOf('acme', 'c-2')])).toEqual(['bob', 'bob']);
    expect(await owners.customerOf('acme', 'c-2')).toBe('bob');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await owners.customerOf('globex', 'c-1')).toBe('bob'); // per tenant
  });

  it('remembers "not found" for a while only, and never caches an outage', async () => {
    let now = 0;
    let answer: () => Promise<string | undefined> = () => Promise.reject(new NotFoundError('conversation', 'c'));
    const owners = new ConversationOwners({ fetch: () => answer(), notFoundTtlMs: 1_000, now: () => now });
    expect(await owners.customerOf('acme', 'c')).toBeUndefined();
    answer = async () => 'alice';
    expect(await owners.customerOf('acme', 'c')).toBeUndefined();
    now = 1_001;
    expect(await owners.customerOf('acme', 'c')).toBe('alice');
    answer = () => Promise.reject(new UnavailableError('down'));
    await expect(owners.customerOf('acme', 'd')).rejects.toBeInstanceOf(UnavailableError);
    answer = async () => 'carol';
    expect(await owners.customerOf('acme', 'd')).toBe('carol');
  });

  it('forgets the least recently used beyond its size', async () => {
    const owners = new ConversationOwners({ fetch: async () => undefined, maxEntries: 2 });
    owners.learn('t', 'a', '1');
    owners.learn('t', 'b', '2');
    await owners.customerOf('t', 'a');
    owners.learn('t', 'c', '3');
    expect(owners.size).toBe(2);
    expect(await owners.customerOf('t', 'a')).toBe('1');
    expect(await owners.customerOf('t', 'c')).toBe('3');
    expect(await owners.customerOf('t', 'b')).toBeUndefined(); // evicted: asked again, and the fetch knows nothing
  });
});

describe('ConversationOwners: what a visitor socket starts from', () => {
  it('peeks without asking, and lists the conversations it knows of a customer, forgetting those it evicts', async () => {
    let asked = 0;
    const owners = new ConversationOwners({ fetch: async () => (asked++, 'zed'), maxEntries: 3 });
    owners.learn('acme', 'c-1', 'alice');
    owners.learn('acme', 'c-2', 'alice');
    owners.learn('globex', 'c-1', 'alice');
    expect(owners.peek('acme', 'c-1')).toBe('alice');
    expect(owners.peek('acme', 'c-9')).toBeUndefined();
    expect(asked).toBe(0);
    expect(owners.conversationsOf('acme', 'alice').sort()).toEqual(['c-1', 'c-2']);
    expect(owners.conversationsOf('globex', 'alice')).toEqual(['c-1']);
    owners.learn('acme', 'c-3', 'bob'); // the oldest (acme c-1) goes
    expect(owners.conversationsOf('acme', 'alice')).toEqual(['c-2']);
    expect(owners.conversationsOf('acme', 'bob')).toEqual(['c-3']);
    await owners.customerOf('acme', 'c-4');
    expect(owners.conversationsOf('acme', 'zed')).toEqual(['c-4']);
  });
});
