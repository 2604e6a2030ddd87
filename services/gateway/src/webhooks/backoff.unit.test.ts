import { DEFAULT_RETRY_SCHEDULE_MS, maxAttempts, retryDelayMs, retrySchedule } from './backoff';
import { matchesEventType, validateEventTypes, validateWebhookUrl } from './webhookRules';

describe('retry backoff', () => {
  it('waits 1 s, 5 s, 30 s, 2 min, 10 min, then gives up after six attempts', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a))).toEqual([1_000, 5_000, 30_000, 120_000, 600_000, undefined]);
    expect(maxAttempts(DEFAULT_RETRY_SCHEDULE_MS)).toBe(6);
  });

  it('spreads delays by at most ±jitter', () => {
    expect(retryDelayMs(2, [100, 1_000], 0.1, () => 0)).toBe(900);
    expect(retryDelayMs(2, [100, 1_000], 0.1, () => 1)).toBe(1_100);
    expect(() => retryDelayMs(0)).toThrow(RangeError);
  });

  it('reads WEBHOOKS_RETRY_SCHEDULE_MS, failing on garbage', () => {
    const field = retrySchedule({ default: [1] });
    expect(field.parse('50, 200', 'V')).toEqual([50, 200]);
    expect(field.parse(undefined, 'V')).toEqual([1]);
    expect(() => field.parse('5s', 'V')).toThrow(/V/);
  });
});

describe('webhook rules', () => {
  it('matches exact types, a context wildcard and *', () => {
    const t = 'contactcenter.conversation.v1.MessagePosted';
    expect(matchesEventType([t], t)).toBe(true);
    expect(matchesEventType(['contactcenter.conversation.v1.*'], t)).toBe(true);
    expect(matchesEventType(['*'], t)).toBe(true);
    expect(matchesEventType(['contactcenter.routing.v1.*', 'contactcenter.conversation.v1.ConversationStarted'], t)).toBe(false);
  });

  it('rejects unknown patterns, too many types and bad URLs, naming the field', () => {
    expect(() => validateEventTypes(['contactcenter.billing.v1.Paid'])).toThrow(expect.objectContaining({ field: 'eventTypes' }));
    expect(() => validateEventTypes(Array.from({ length: 21 }, () => '*'))).toThrow(expect.objectContaining({ field: 'eventTypes' }));
    expect(() => validateWebhookUrl('ftp://example.com/h', true)).toThrow(expect.objectContaining({ field: 'url' }));
    expect(() => validateWebhookUrl('https://user:pw@example.com/h', false)).toThrow(expect.objectContaining({ field: 'url' }));
    expect(() => validateWebhookUrl('http://example.com/h', false)).toThrow(expect.objectContaining({ field: 'url' }));
    // With WEBHOOKS_ALLOW_INSECURE any http URL has the right shape; where it points is the address policy's call.
    expect(validateWebhookUrl('http://example.com/h', true)).toBe('http://example.com/h');
    expect(validateWebhookUrl('http://127.0.0.1:9/h', true)).toBe('http://127.0.0.1:9/h');
    expect(validateWebhookUrl('https://example.com/h', false)).toBe('https://example.com/h');
  });
});
