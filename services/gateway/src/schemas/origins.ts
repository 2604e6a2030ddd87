import { ConfigError, ValidationError, type Field } from '@contactcenter/infra';

/** At most this many allowed origins per widget key: a shop has a few sites, not hundreds. */
export const MAX_ALLOWED_ORIGINS = 20;

// scheme://host[:port] and nothing after it: no path (not even "/"), query, fragment or user info.
const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\s*\\]+$/i;

/**
 * The origin as browsers send it in `Origin` (lower-case scheme and host,
 * punycode, no default port), or undefined when `raw` is not exactly an
 * http(s) origin. Wildcards, paths and `null` are refused: an allowed origin
 * is one site, spelled out.
 *
 * @example
 *   normalizeOrigin('https://Shop.example.com:443') // 'https://shop.example.com'
 *   normalizeOrigin('https://shop.example.com/')    // undefined (a path)
 *   normalizeOrigin('https://*.example.com')        // undefined (a wildcard)
 */
export function normalizeOrigin(raw: string): string | undefined {
  if (raw.length > 255 || !ORIGIN_SHAPE.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return url.hostname === '' ? undefined : url.origin;
}

/**
 * Allowed origins as given by an admin, normalized and deduplicated.
 * @throws ValidationError naming the first bad entry.
 */
export function parseAllowedOrigins(values: readonly string[], field = 'allowedOrigins'): string[] {
  if (values.length > MAX_ALLOWED_ORIGINS) throw new ValidationError(field, `at most ${MAX_ALLOWED_ORIGINS} origins`);
  const out = values.map((value, i) => {
    const origin = normalizeOrigin(value);
    if (!origin) throw new ValidationError(`${field}[${i}]`, `must be an origin such as https://shop.example.com (scheme, host, optional port; no path, wildcard or null), got ${JSON.stringify(value).slice(0, 100)}`);
    return origin;
  });
  return [...new Set(out)];
}

/** The JSON schema of `allowedOrigins` in request bodies; parseAllowedOrigins does the real check. */
export const allowedOriginsSchema = {
  type: 'array',
  maxItems: MAX_ALLOWED_ORIGINS,
  items: { type: 'string', maxLength: 255 },
  description: 'Origins (scheme://host[:port]) whose pages may use this widget key from a browser, e.g. ["https://shop.example.com"].',
} as const;

/** A config variable of comma-separated origins (e.g. `CORS_STAFF_ORIGINS`); empty means none. */
export const originList = (): Field<readonly string[]> => ({
  describe: 'comma-separated origins, e.g. https://desk.example.com,https://admin.example.com',
  parse: (raw, name) => {
    if (raw === undefined || raw.trim() === '') return [];
    try {
      return parseAllowedOrigins(raw.split(',').map((s) => s.trim()), name);
    } catch (err) {
      throw new ConfigError(name, (err as Error).message);
    }
  },
});
