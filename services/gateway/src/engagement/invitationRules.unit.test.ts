import { ValidationError } from '@contactcenter/infra/errors';
import { matchRule, messageFor, validateRules, wildcardMatches, type InvitationRule, type PageActivity } from './invitationRules';

const rule = (over: Partial<InvitationRule> = {}): InvitationRule => ({
  ruleId: 'checkout',
  urlPattern: 'https://shop.example/checkout*',
  minTimeOnPageSeconds: 30,
  minPagesViewed: 0,
  minCartValue: 100,
  currency: 'EUR',
  messages: { en: 'Need a hand with your order?', es: '¿Le ayudamos con su pedido?' },
  queueId: 'sales',
  ...over,
});
const page = (over: Partial<PageActivity> = {}): PageActivity => ({ url: 'https://shop.example/checkout/step-2', timeOnPageSeconds: 45, pagesViewed: 1, cartValue: 150, currency: 'EUR', language: 'es-MX', ...over });

describe('invitation rules', () => {
  it('invites when page, time on page and cart value all match', () => {
    expect(matchRule([rule()], page())?.ruleId).toBe('checkout');
    expect(matchRule([rule()], page({ url: 'https://shop.example/blog' }))).toBeUndefined();
    expect(matchRule([rule()], page({ timeOnPageSeconds: 10 }))).toBeUndefined();
    expect(matchRule([rule()], page({ cartValue: 99.99 }))).toBeUndefined();
    expect(matchRule([rule()], page({ currency: 'USD' }))).toBeUndefined();
  });

  it('invites only after the pages a rule asks for have been viewed in the visit', () => {
    const browsing = rule({ minPagesViewed: 3 });
    expect(matchRule([browsing], page({ pagesViewed: 2 }))).toBeUndefined();
    expect(matchRule([browsing], page({ pagesViewed: 3 }))?.ruleId).toBe('checkout');
  });

  it("takes the first matching rule in the tenant's order, and treats the pattern literally but for *", () => {
    const any = rule({ ruleId: 'any', urlPattern: '*', minCartValue: 0, minTimeOnPageSeconds: 0 });
    expect(matchRule([rule(), any], page())?.ruleId).toBe('checkout');
    expect(matchRule([rule({ urlPattern: 'https://shop.example/a.b' })], page({ url: 'https://shop.example/aXb' }))).toBeUndefined();
  });

  it('matches * as any run of characters, the same as an anchored .* regular expression', () => {
    expect(wildcardMatches('https://shop.example/*/checkout', 'https://shop.example/de/checkout')).toBe(true);
    expect(wildcardMatches('ab*ba', 'aba')).toBe(false); // prefix and suffix may not overlap
    expect(wildcardMatches('a*b*c', 'acb')).toBe(false); // pieces in order
    expect(wildcardMatches('exact', 'exact')).toBe(true);
    expect(wildcardMatches('exact', 'exactly')).toBe(false);
    // Against the regular expression it replaces, on every short pattern and text over a small alphabet.
    const words = (n: number, alphabet: string): string[] => (n === 0 ? [''] : words(n - 1, alphabet).flatMap((w) => [w, ...[...alphabet].map((c) => w + c)]));
    const patterns = [...new Set(words(4, 'ab*'))];
    const texts = [...new Set(words(5, 'ab'))];
    for (const pattern of patterns) {
      const regex = new RegExp(`^${pattern.split('*').join('.*')}$`);
      for (const text of texts) if (wildcardMatches(pattern, text) !== regex.test(text)) throw new Error(`${pattern} on ${text}`);
    }
  });

  it('answers a pattern that makes a regular expression backtrack, against a long URL', () => {
    // With `.*` this took seconds and one more "*a" over a minute, blocking every tenant's requests.
    expect(wildcardMatches('*a*a*a*a*a*a*b', `https://shop.example/${'a'.repeat(2_000)}`)).toBe(false);
  });

  it("speaks the visitor's language when it can", () => {
    expect(messageFor(rule(), 'es-MX')).toBe('¿Le ayudamos con su pedido?');
    expect(messageFor(rule(), 'de')).toBe('Need a hand with your order?');
  });

  it('names the bad field', () => {
    const field = (r: Partial<InvitationRule>) => {
      try {
        validateRules([rule(r)]);
      } catch (err) {
        return (err as ValidationError).field;
      }
      return undefined;
    };
    expect(field({ ruleId: 'a b' })).toBe('rules[0].ruleId');
    expect(field({ minTimeOnPageSeconds: -1 })).toBe('rules[0].minTimeOnPageSeconds');
    expect(field({ minPagesViewed: 1.5 })).toBe('rules[0].minPagesViewed');
    expect(field({ minPagesViewed: 1_001 })).toBe('rules[0].minPagesViewed');
    expect(field({ currency: 'euro' })).toBe('rules[0].currency');
    expect(field({ messages: {} })).toBe('rules[0].messages');
    expect(field({})).toBeUndefined();
    expect(() => validateRules([rule(), rule()])).toThrow('listed twice');
  });
});
