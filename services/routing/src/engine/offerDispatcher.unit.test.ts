import { createLogger } from '@contactcenter/infra';
import { AgentPool } from '../domain/agentPool';
import type { AgentView } from '../domain/agentView';
import type { OfferRecord } from '../domain/offer';
import type { QueuePolicy } from '../domain/policy';
import { agent, NOW, policy, waiting } from '../domain/routingFixtures';
import type { Waiting } from '../domain/waiting';
import { WaitingLine } from '../domain/waitingLine';
import type { Versioned } from '../store/routingStore';
import type { ElsewhereAnswer } from './elsewhereAsks';
import { OfferDispatcher, type DispatchActions } from './offerDispatcher';

const T = 't1';

/** A tenant's lines, agents, offers and queues in memory, and a dispatcher serving them; actions are recorded. */
function setUp(options: { agents?: AgentView[]; queues?: QueuePolicy[]; maxInFlight?: number; dispatch?: (w: Waiting) => Promise<boolean>; elsewhere?: (conversationId: string) => Promise<ElsewhereAnswer> } = {}) {
  let now = NOW;
  const line = new WaitingLine();
  const pool = new AgentPool();
  for (const a of options.agents ?? []) pool.set(a);
  const offers = new Map<string, Versioned<OfferRecord>>();
  const queues = new Map((options.queues ?? [policy()]).map((q) => [q.queueId, q]));
  const done: string[] = [];
  const afterHours: string[] = [];
  let decisions = 0;
  const actions: DispatchActions = {
    dispatch: async (w, _policy, outcome) => {
      done.push(`${w.conversationId}→${outcome.broadcast ? 'all' : outcome.candidates[0]!.agentId}`);
      return options.dispatch ? options.dispatch(w) : true;
    },
    expire: async (o) => void done.push(`expire ${o.value.conversationId}`),
    overflow: async (w, to) => void done.push(`overflow ${w.conversationId}→${to}`),
  };
  const dispatcher = new OfferDispatcher({
    view: {
      lines: () => [[T, line]],
      offer: (_t, id) => offers.get(id),
      offersOf: () => offers.values(),
      definitions: async () => ({ queues, policyOf: (w) => queues.get(w.queueId) }),
      pool: () => pool,
      reserveLocally: (_t, agentId, _c, channel) => {
        const a = pool.get(agentId)!;
        pool.set({ ...a, load: { ...a.load, [channel]: (a.load[channel] ?? 0) + 1 } }, { quiet: true });
      },
      settleLocally: () => undefined,
    },
    actions,
    onAfterHours: (_t, id) => afterHours.push(id),
    elsewhere: options.elsewhere && ((_t, id) => options.elsewhere!(id)),
    elsewhereRetryMs: 30_000,
    logger: createLogger('routing-test', 'silent'),
    now: () => now,
    maxInFlight: options.maxInFlight ?? 32,
    observeDecision: () => decisions++,
  });
  const join = (w: Waiting) => (line.put(w), dispatcher.joined(T, w.conversationId));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  const advance = (ms: number) => (now += ms);
  return { line, pool, offers, dispatcher, done, afterHours, join, settle, advance, now: () => now, decisions: () => decisions };
}

const conv = (id: string, over: Partial<Waiting> = {}) => waiting({ conversationId: id, ...over });

describe('OfferDispatcher', () => {
  it('serves the line in serving order while slots are free, then says the rest wait for room', async () => {
    const s = setUp({ agents: [agent('ana', { capacity: { chat: 1 } }), agent('bo', { capacity: { chat: 1 } })] });
    s.join(conv('late', { queuedAt: NOW - 1_000 }));
    s.join(conv('early', { queuedAt: NOW - 9_000 }));
    s.join(conv('urgent', { queuedAt: NOW - 500, priority: 4 }));
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done).toEqual(['urgent→ana', 'early→bo']);
    expect(s.dispatcher.waitOf(T, 'late')).toMatchObject({ kind: 'wait', afterHours: false, reason: 'every agent on chat is busy or at capacity' });
  });

  it('runs exclusive work on a conversation only while no dispatch of it is under way, and dispatches it no sooner than that work ends', async () => {
    let finishDispatch!: () => void;
    const s = setUp({ agents: [agent('ana', { capacity: { chat: 2 } })], dispatch: () => new Promise<boolean>((r) => (finishDispatch = () => r(true))) });
    s.join(conv('c1'));
    await s.dispatcher.pass();
    expect(s.done).toEqual(['c1→ana']);
    expect(await s.dispatcher.exclusively(T, 'c1', async () => 'ran')).toBeUndefined(); // its dispatch is under way
    finishDispatch();
    await s.settle();
    s.line.remove('c1'); // assigned: the feed takes it out of the line
    s.dispatcher.left(T, 'c1');

    s.join(conv('c2'));
    let finishWork!: () => void;
    const exclusive = s.dispatcher.exclusively(T, 'c2', () => new Promise<string>((r) => (finishWork = () => r('ran'))));
    await s.dispatcher.pass();
    expect(s.done).toEqual(['c1→ana']); // c2 is held by the exclusive work
    finishWork();
    expect(await exclusive).toBe('ran');
    await s.dispatcher.pass();
    expect(s.done).toEqual(['c1→ana', 'c2→ana']);
  });

  it('fills each channel up to the agent\'s capacity on it: 3 chats and 5 emails at once, emails never using chat room', async () => {
    const s = setUp({
      agents: [agent('ana', { capacity: { chat: 3, email: 5 } })],
      queues: [policy(), policy({ queueId: 'email', name: 'Email', channel: 'email' })],
    });
    for (let i = 0; i < 7; i++) s.join(conv(`mail${i}`, { queueId: 'email', channel: 'email', queuedAt: NOW - 60_000 + i }));
    for (let i = 0; i < 5; i++) s.join(conv(`chat${i}`, { queuedAt: NOW - 30_000 + i }));
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done.filter((d) => d.startsWith('chat'))).toEqual(['chat0→ana', 'chat1→ana', 'chat2→ana']);
    expect(s.done.filter((d) => d.startsWith('mail'))).toEqual(['mail0→ana', 'mail1→ana', 'mail2→ana', 'mail3→ana', 'mail4→ana']);
    expect(s.pool.get('ana')!.load).toEqual({ chat: 3, email: 5 });
    expect(s.dispatcher.waitOf(T, 'chat3')).toMatchObject({ kind: 'wait', reason: 'every agent on chat is busy or at capacity' });
    expect(s.dispatcher.waitOf(T, 'mail5')).toMatchObject({ kind: 'wait', reason: 'every agent on email is busy or at capacity' });

    // Emails waiting longer never take chat room: a chat slot freed (the assigned ones left the line) goes to the next chat.
    for (const d of s.done) s.line.remove(d.split('→')[0]!);
    s.pool.set({ ...s.pool.get('ana')!, load: { chat: 2, email: 5 } });
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done.slice(8)).toEqual(['chat3→ana']);
  });

  it('keeps at most maxInFlight dispatches at once and goes on down the line as they finish', async () => {
    const releases: (() => void)[] = [];
    const s = setUp({ agents: [agent('ana', { capacity: { chat: 5 } })], maxInFlight: 1, dispatch: () => new Promise((r) => releases.push(() => r(true))) });
    for (let i = 0; i < 3; i++) s.join(conv(`c${i}`, { queuedAt: NOW - 10_000 + i }));
    const pass = s.dispatcher.pass();
    await s.settle();
    expect(s.done).toEqual(['c0→ana']);
    releases.shift()!();
    await s.settle();
    await s.settle();
    expect(s.done).toEqual(['c0→ana', 'c1→ana']);
    releases.shift()!();
    await s.settle();
    await s.settle();
    releases.shift()?.();
    await pass;
    expect(s.done).toEqual(['c0→ana', 'c1→ana', 'c2→ana']);
  });

  it('still expires offers and moves overflowing conversations when no agent has room', async () => {
    const support = policy({ overflow: { afterSeconds: 60, widen: false, toQueueId: 'backup' } });
    const s = setUp({ agents: [agent('ana', { load: { chat: 2 } })], queues: [support, policy({ queueId: 'backup' })] });
    s.join(conv('overdue', { queuedAt: NOW - 120_000 }));
    s.join(conv('offered', { queuedAt: NOW - 10_000 }));
    const expired: OfferRecord = {
      tenantId: T, conversationId: 'offered', queueId: 'support', channel: 'chat', language: 'en', strategy: 'least_busy', state: 'offered',
      agentIds: ['ana'], reservedFor: 'ana', acceptingAgent: '', declined: [], expiresAt: NOW - 1, queuedAt: NOW - 10_000, decision: null, by: 'r1',
    };
    s.offers.set('offered', { value: expired, revision: 4 });
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done.sort()).toEqual(['expire offered', 'overflow overdue→backup']);
  });

  it('tells the bot once when nobody who could take a conversation is working', async () => {
    const s = setUp({ agents: [agent('ana', { acceptsWork: false, onShift: false })] });
    s.join(conv('c1'));
    s.join(conv('c2'));
    await s.dispatcher.pass();
    await s.dispatcher.pass();
    expect(s.afterHours.sort()).toEqual(['c1', 'c2']);
    expect(s.dispatcher.waitOf(T, 'c1')).toMatchObject({ afterHours: true, reason: 'no agent on chat is working now' });
    expect(s.done).toEqual([]);
  });

  it('judges a requirement nobody meets once per change of the agents, not once per conversation', async () => {
    const s = setUp({ agents: [agent('ana', { languages: ['en'], primaryLanguages: new Set(['en']) })] });
    for (let i = 0; i < 50; i++) s.join(conv(`de${i}`, { language: 'de', queuedAt: NOW - 10_000 + i }));
    await s.dispatcher.pass();
    expect(s.decisions()).toBe(1);
    expect(s.dispatcher.waitOf(T, 'de49')).toMatchObject({ kind: 'wait', excluded: { language: 1 } });
    await s.dispatcher.pass();
    expect(s.decisions()).toBe(1);
    s.pool.set(agent('ana', { languages: ['en', 'de'], primaryLanguages: new Set(['en', 'de']) }));
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done).toEqual(['de0→ana', 'de1→ana']);
  });

  it('does not judge again a conversation nobody took until an agent changes', async () => {
    const s = setUp({ agents: [agent('ana')], dispatch: async () => false });
    s.join(conv('c1'));
    await s.dispatcher.pass();
    await s.settle();
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done).toEqual(['c1→ana']);
    s.pool.set(agent('ana', { lastAssignedAt: NOW }));
    await s.dispatcher.pass();
    await s.settle();
    expect(s.done).toEqual(['c1→ana', 'c1→ana']);
  });

  describe('follow-the-sun', () => {
    const offShift = () => [agent('ana', { acceptsWork: false, onShift: false, unavailableReason: 'off shift' })];

    it('offers an after-hours conversation to the other regions first, and greets it only when none took it', async () => {
      const asked: string[] = [];
      const s = setUp({ agents: offShift(), elsewhere: async (id) => (asked.push(id), id === 'taken' ? 'taken' : 'waits') });
      s.join(conv('taken'));
      s.join(conv('left', { queuedAt: NOW - 1_000 }));
      await s.dispatcher.pass();
      await s.settle();
      expect(asked.sort()).toEqual(['left', 'taken']);
      expect(s.afterHours).toEqual(['left']);
    });

    it('asks again every retry period while the conversation stays after hours, and not once it left the line', async () => {
      const asked: string[] = [];
      const s = setUp({ agents: offShift(), elsewhere: async (id) => (asked.push(id), 'waits') });
      s.join(conv('c1'));
      await s.dispatcher.pass();
      await s.settle();
      await s.dispatcher.pass();
      await s.settle();
      expect(asked).toEqual(['c1']);
      s.advance(30_000);
      await s.dispatcher.pass();
      await s.settle();
      expect(asked).toEqual(['c1', 'c1']);
      expect(s.afterHours).toEqual(['c1']); // greeted once
      s.line.remove('c1');
      s.dispatcher.left(T, 'c1');
      s.advance(30_000);
      await s.dispatcher.pass();
      await s.settle();
      expect(asked).toEqual(['c1', 'c1']);
    });

    it('asks again sooner after a region did not answer (1 s, 2 s, 5 s …), and at the retry period once regions answer', async () => {
      const asked: number[] = [];
      const answers: ElsewhereAnswer[] = ['unanswered', 'unanswered', 'unanswered', 'waits', 'waits'];
      const s = setUp({ agents: offShift(), elsewhere: async () => (asked.push(s.now()), answers.shift() ?? 'waits') });
      s.join(conv('c1'));
      const tick = async (ms: number) => {
        s.advance(ms);
        await s.dispatcher.pass();
        await s.settle();
      };
      await tick(0);
      for (let i = 0; i < 10; i++) await tick(500); // 5 s in half seconds: asked at +1 s, then +2 s later (3 s)
      await tick(0);
      expect(asked.map((t) => t - NOW)).toEqual([0, 1_000, 3_000]);
      for (let i = 0; i < 10; i++) await tick(500); // the third went unanswered too: next after 5 s (8 s)
      expect(asked.map((t) => t - NOW)).toEqual([0, 1_000, 3_000, 8_000]);
      await tick(27_000); // the fourth was answered (nobody on shift): back to the retry period, 30 s after it
      expect(asked).toHaveLength(4);
      await tick(1_000);
      expect(asked.map((t) => t - NOW)).toEqual([0, 1_000, 3_000, 8_000, 38_000]);
      expect(s.afterHours).toEqual(['c1']); // greeted once
    });

    it('greets after hours when asking the other regions failed, and asks again a second later', async () => {
      let asks = 0;
      const s = setUp({ agents: offShift(), elsewhere: async () => (asks++, Promise.reject(new Error('region us did not answer'))) });
      s.join(conv('c1'));
      await s.dispatcher.pass();
      await s.settle();
      expect(s.afterHours).toEqual(['c1']);
      s.advance(1_000);
      await s.dispatcher.pass();
      await s.settle();
      expect(asks).toBe(2);
    });
  });
});
