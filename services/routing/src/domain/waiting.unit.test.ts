import { MAX_EFFECTIVE_PRIORITY, PRIORITY_LOW, PRIORITY_NORMAL, PRIORITY_URGENT } from './policy';
import { effectivePriority, servingOrder, type Waiting } from './waiting';

const NOW = Date.parse('2025-01-06T10:00:00Z');
const SEC = 1_000;
const PRIORITY_HIGH = 3;

const waiting = (conversationId: string, over: Partial<Waiting> = {}): Waiting => ({
  tenantId: 't1',
  conversationId,
  queueId: 'support',
  teamId: '',
  channel: 'chat',
  language: 'en',
  priority: PRIORITY_NORMAL,
  queuedAt: NOW,
  ...over,
});

const aging = (agingSeconds: number) => ({ agingSeconds });

describe('effectivePriority', () => {
  it('is the priority itself without a policy or without aging', () => {
    const w = waiting('c1', { queuedAt: NOW - 3_600 * SEC });
    expect(effectivePriority(w, undefined, NOW)).toBe(PRIORITY_NORMAL);
    expect(effectivePriority(w, aging(0), NOW)).toBe(PRIORITY_NORMAL);
  });

  it('rises one level per aging_seconds waited', () => {
    const at = (waitedMs: number) => effectivePriority(waiting('c1', { queuedAt: NOW - waitedMs }), aging(60), NOW);
    expect(at(0)).toBe(2);
    expect(at(59_999)).toBe(2);
    expect(at(60_000)).toBe(3);
    expect(at(119_999)).toBe(3);
    expect(at(120_000)).toBe(4);
    expect(at(179_000)).toBe(4);
  });

  it(`is capped at ${MAX_EFFECTIVE_PRIORITY}`, () => {
    expect(effectivePriority(waiting('c1', { priority: PRIORITY_URGENT, queuedAt: NOW - 4 * 60 * SEC }), aging(60), NOW)).toBe(MAX_EFFECTIVE_PRIORITY);
    expect(effectivePriority(waiting('c1', { priority: PRIORITY_URGENT, queuedAt: NOW - 3 * 60 * SEC }), aging(60), NOW)).toBe(7);
    expect(effectivePriority(waiting('c1', { priority: PRIORITY_LOW, queuedAt: NOW - 86_400 * SEC }), aging(1), NOW)).toBe(MAX_EFFECTIVE_PRIORITY);
  });

  it('does not age a conversation whose queuedAt lies in the future', () => {
    expect(effectivePriority(waiting('c1', { queuedAt: NOW + 600 * SEC }), aging(60), NOW)).toBe(PRIORITY_NORMAL);
  });
});

describe('servingOrder', () => {
  const serve = (line: Waiting[], agingSeconds = 0, now = NOW) => [...line].sort(servingOrder(() => aging(agingSeconds), now)).map((w) => w.conversationId);

  it('serves higher priority first', () => {
    const line = [waiting('low', { priority: PRIORITY_LOW }), waiting('urgent', { priority: PRIORITY_URGENT }), waiting('normal', { priority: PRIORITY_NORMAL })];
    expect(serve(line)).toEqual(['urgent', 'normal', 'low']);
  });

  it('serves first come first within equal priority, whatever the input order', () => {
    const line = [waiting('third', { queuedAt: NOW - 10 * SEC }), waiting('first', { queuedAt: NOW - 30 * SEC }), waiting('second', { queuedAt: NOW - 20 * SEC })];
    expect(serve(line)).toEqual(['first', 'second', 'third']);
    expect(serve([...line].reverse())).toEqual(['first', 'second', 'third']);
  });

  it('settles a tie on arrival by the conversation id', () => {
    expect(serve([waiting('c-b'), waiting('c-a'), waiting('c-c')])).toEqual(['c-a', 'c-b', 'c-c']);
  });

  it('lets an aged normal conversation overtake a fresh high one', () => {
    const line = [waiting('fresh-high', { priority: PRIORITY_HIGH, queuedAt: NOW }), waiting('old-normal', { priority: PRIORITY_NORMAL, queuedAt: NOW - 60 * SEC })];
    expect(serve(line, 0)).toEqual(['fresh-high', 'old-normal']);
    expect(serve(line, 61)).toEqual(['fresh-high', 'old-normal']);
    // Aged to high, it ties on priority and came first.
    expect(serve(line, 60)).toEqual(['old-normal', 'fresh-high']);
    // Aged to urgent, it also goes ahead of a fresh urgent one.
    const withUrgent = [...line, waiting('fresh-urgent', { priority: PRIORITY_URGENT, queuedAt: NOW })];
    expect(serve(withUrgent, 30)).toEqual(['old-normal', 'fresh-urgent', 'fresh-high']);
  });

  it("ages each conversation by its own queue's policy", () => {
    const fast = waiting('fast-aging', { queueId: 'fast', queuedAt: NOW - 120 * SEC });
    const slow = waiting('slow-aging', { queueId: 'slow', queuedAt: NOW - 300 * SEC, priority: PRIORITY_HIGH });
    const order = [slow, fast].sort(servingOrder((w) => (w.queueId === 'fast' ? aging(30) : undefined), NOW)).map((w) => w.conversationId);
    // fast: 2 + 4 levels = 6; slow: 3, no aging.
    expect(order).toEqual(['fast-aging', 'slow-aging']);
  });
});
