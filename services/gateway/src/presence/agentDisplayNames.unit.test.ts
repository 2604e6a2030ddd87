import { NotFoundError, UnavailableError } from '@contactcenter/infra';
import { AgentDisplayNames, type FetchDisplayName } from './agentDisplayNames';

describe('AgentDisplayNames', () => {
  let clock = 0;
  const now = () => clock;
  const acme = { tenantId: 'acme' };

  beforeEach(() => {
    clock = 0;
  });

  const counting = (answer: (agentId: string, call: number) => Promise<string | undefined>) => {
    const calls: string[] = [];
    const fetch: FetchDisplayName = async (_call, agentId) => {
      calls.push(agentId);
      return answer(agentId, calls.length);
    };
    return { calls, fetch };
  };

  it('looks a name up once while it is fresh, and again once it is not', async () => {
    const { calls, fetch } = counting(async (_id, n) => (n === 1 ? ' Tom ' : 'Tomás'));
    const names = new AgentDisplayNames({ fetch, ttlMs: 1_000, now });
    expect(await Promise.all([names.displayNameOf(acme, 'tom'), names.displayNameOf(acme, 'tom')])).toEqual(['Tom', 'Tom']);
    clock = 999;
    expect(await names.displayNameOf(acme, 'tom')).toBe('Tom');
    expect(calls).toEqual(['tom']);
    clock = 1_000;
    expect(await names.displayNameOf(acme, 'tom')).toBe('Tomás');
    expect(calls).toEqual(['tom', 'tom']);
  });

  it('keeps tenants apart', async () => {
    const { calls, fetch } = counting(async (id) => id);
    const names = new AgentDisplayNames({ fetch, now });
    await names.displayNameOf(acme, 'tom');
    await names.displayNameOf({ tenantId: 'globex' }, 'tom');
    expect(calls).toEqual(['tom', 'tom']);
  });

  it('answers undefined for a blank name, an unknown agent or a failed lookup, and never throws', async () => {
    const names = new AgentDisplayNames({
      fetch: async (_call, agentId) => {
        if (agentId === 'blank') return '  ';
        if (agentId === 'gone') throw new NotFoundError('agent', agentId);
        throw new UnavailableError('presence is down');
      },
      now,
    });
    expect(await names.displayNameOf(acme, 'blank')).toBeUndefined();
    expect(await names.displayNameOf(acme, 'gone')).toBeUndefined();
    await expect(names.displayNameOf(acme, 'tom')).resolves.toBeUndefined();
  });

  it('retries a failed lookup only after a short pause', async () => {
    const { calls, fetch } = counting(async (_id, n) => {
      if (n === 1) throw new UnavailableError('presence is down');
      return 'Tom';
    });
    const names = new AgentDisplayNames({ fetch, failureTtlMs: 100, now });
    expect(await names.displayNameOf(acme, 'tom')).toBeUndefined();
    clock = 50;
    expect(await names.displayNameOf(acme, 'tom')).toBeUndefined();
    clock = 100;
    expect(await names.displayNameOf(acme, 'tom')).toBe('Tom');
    expect(calls).toHaveLength(2);
  });

  it('forgets the least recently stored names beyond its bound', async () => {
    const { calls, fetch } = counting(async (id) => id);
    const names = new AgentDisplayNames({ fetch, maxEntries: 2, now });
    for (const id of ['a', 'b', 'c', 'c', 'b', 'a']) await names.displayNameOf(acme, id);
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });

  it('does not tie a shared lookup to the first caller\'s request', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const names = new AgentDisplayNames({ fetch: async (call) => (seen.push(call.signal), 'Tom'), now });
    await names.displayNameOf({ ...acme, signal: new AbortController().signal }, 'tom');
    expect(seen).toEqual([undefined]);
  });
});
