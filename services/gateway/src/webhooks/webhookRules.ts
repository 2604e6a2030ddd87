import { ValidationError } from '@contactcenter/infra';

/** The bounded contexts that publish CloudEvents `contactcenter.<context>.v1.<Type>`. */
export const EVENT_CONTEXTS = ['conversation', 'routing', 'presence', 'translation', 'survey', 'engagement'] as const;
export const MAX_EVENT_TYPES = 20;
export const MAX_DESCRIPTION = 200;
export const MAX_URL_LENGTH = 2048;

const PATTERN = new RegExp(`^contactcenter\\.(${EVENT_CONTEXTS.join('|')})\\.v1\\.(\\*|[A-Z][A-Za-z0-9]{0,63})$`);

/**
 * Checks a webhook's event type subscriptions: `*` (everything of the
 * tenant), `contactcenter.<context>.v1.*` (one context) or one type such as
 * `contactcenter.conversation.v1.MessagePosted`. Duplicates are removed.
 * @throws ValidationError naming `eventTypes`.
 */
export function validateEventTypes(eventTypes: unknown): string[] {
  if (!Array.isArray(eventTypes) || eventTypes.length === 0) throw new ValidationError('eventTypes', 'must be a non-empty array of CloudEvent types or patterns');
  if (eventTypes.length > MAX_EVENT_TYPES) throw new ValidationError('eventTypes', `at most ${MAX_EVENT_TYPES} entries, got ${eventTypes.length}`);
  for (const t of eventTypes) {
    if (typeof t !== 'string' || (t !== '*' && !PATTERN.test(t))) {
      throw new ValidationError('eventTypes', `unknown event type pattern ${JSON.stringify(t)}: use "*", "contactcenter.<${EVENT_CONTEXTS.join('|')}>.v1.*" or "contactcenter.<context>.v1.<EventType>"`);
    }
  }
  return [...new Set(eventTypes as string[])];
}

/** Whether an event of `type` goes to a webhook subscribed to `patterns`. */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * A webhook target's shape: https, or http too when `allowInsecure` (local
 * development and tests). No credentials in the URL. Where it may point is
 * the outbound address policy's call (see outbound/addressPolicy.ts).
 * @throws ValidationError naming `url`.
 */
export function validateWebhookUrl(raw: unknown, allowInsecure: boolean): string {
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) throw new ValidationError('url', `must be a URL of at most ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (err) {
    throw new ValidationError('url', 'is not a valid absolute URL', { cause: err });
  }
  if (parsed.username || parsed.password) throw new ValidationError('url', 'must not contain credentials');
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && allowInsecure)) return parsed.toString();
  throw new ValidationError('url', allowInsecure ? 'must be http or https' : 'must be https');
}

export function validateDescription(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > MAX_DESCRIPTION || /[\0-\x1f]/.test(raw)) throw new ValidationError('description', `must be text of at most ${MAX_DESCRIPTION} characters`);
  return raw;
}
