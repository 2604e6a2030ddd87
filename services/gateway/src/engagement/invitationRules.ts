import { primaryLanguage } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';

/** A tenant's rule for inviting a visitor to chat, evaluated on what the widget reports. */
export interface InvitationRule {
  ruleId: string;
  /** Page URL pattern; `*` matches any run of characters ("https://shop.example/checkout*"). */
  urlPattern: string;
  /** The visitor has been on the page at least this long (0: any). */
  minTimeOnPageSeconds: number;
  /** The visitor has viewed at least this many pages of the site in this visit, this one included (0: any). */
  minPagesViewed: number;
  /** The cart is worth at least this much in the rule's currency (0: any). */
  minCartValue: number;
  currency: string;
  /** The invitation text per BCP 47 language; `en` or the first one is the fallback. */
  messages: Record<string, string>;
  /** Queue the conversation goes to when the visitor accepts. */
  queueId: string;
}

/** What the widget reports about the visitor's page. */
export interface PageActivity {
  url: string;
  timeOnPageSeconds: number;
  /** Pages of the site viewed in this visit, this one included. */
  pagesViewed: number;
  cartValue: number;
  currency: string;
  language: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCY = /^[A-Z]{3}$/;

/** @throws ValidationError naming the first bad field (`rules[i].…`). */
export function validateRules(rules: InvitationRule[]): InvitationRule[] {
  // How many a tenant may have is its limit (TENANT_MAX_INVITATION_RULES), enforced by InvitationStore.putRules.
  const ids = new Set<string>();
  return rules.map((r, i) => {
    const f = (name: string) => `rules[${i}].${name}`;
    if (!ID.test(r.ruleId)) throw new ValidationError(f('ruleId'), 'must be 1-64 letters, digits, "-" or "_"');
    if (ids.has(r.ruleId)) throw new ValidationError(f('ruleId'), `rule ${JSON.stringify(r.ruleId)} is listed twice`);
    ids.add(r.ruleId);
    if (r.urlPattern.length === 0 || r.urlPattern.length > 500) throw new ValidationError(f('urlPattern'), 'must be 1-500 characters');
    if (!(r.minTimeOnPageSeconds >= 0 && r.minTimeOnPageSeconds <= 86_400)) throw new ValidationError(f('minTimeOnPageSeconds'), 'must be 0 to 86400');
    if (!(Number.isInteger(r.minPagesViewed) && r.minPagesViewed >= 0 && r.minPagesViewed <= 1_000)) throw new ValidationError(f('minPagesViewed'), 'must be a whole number from 0 to 1000');
    if (!(r.minCartValue >= 0)) throw new ValidationError(f('minCartValue'), 'must be 0 or more');
    if (r.minCartValue > 0 && !CURRENCY.test(r.currency)) throw new ValidationError(f('currency'), 'an ISO 4217 code such as "EUR" is required with minCartValue');
    const texts = Object.entries(r.messages);
    if (texts.length === 0) throw new ValidationError(f('messages'), 'at least one message is required');
    for (const [lang, text] of texts) if (text.trim() === '' || text.length > 500) throw new ValidationError(f(`messages.${lang}`), 'must be 1-500 characters');
    if (r.queueId !== '' && !ID.test(r.queueId)) throw new ValidationError(f('queueId'), 'must be 1-64 letters, digits, "-" or "_"');
    return r;
  });
}

/**
 * Whether `url` matches a pattern where `*` stands for any run of characters.
 * Linear: the first piece is a prefix, the last a suffix, and the ones
 * between are found in order, leftmost first (which is never wrong for `*`).
 * A regular expression of `.*`s would backtrack: a tenant's `*a*a*b` against
 * a visitor's 2 KB URL blocked the event loop for seconds.
 */
export function wildcardMatches(pattern: string, url: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return url === pattern;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (url.length < first.length + last.length || !url.startsWith(first) || !url.endsWith(last)) return false;
  let at = first.length;
  const end = url.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = url.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The first rule the activity satisfies, in the tenant's order; undefined when none. */
export function matchRule(rules: readonly InvitationRule[], activity: PageActivity): InvitationRule | undefined {
  return rules.find(
    (r) =>
      wildcardMatches(r.urlPattern, activity.url) &&
      activity.timeOnPageSeconds >= r.minTimeOnPageSeconds &&
      activity.pagesViewed >= r.minPagesViewed &&
      (r.minCartValue === 0 || (activity.currency === r.currency && activity.cartValue >= r.minCartValue)),
  );
}

/** The rule's message in the visitor's language, else English, else its first. */
export function messageFor(rule: InvitationRule, language: string): string {
  const primary = primaryLanguage(language);
  return rule.messages[language] ?? rule.messages[primary] ?? rule.messages.en ?? Object.values(rule.messages)[0]!;
}
