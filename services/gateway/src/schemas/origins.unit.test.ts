import { ConfigError, ValidationError } from '@contactcenter/infra';
import { MAX_ALLOWED_ORIGINS, normalizeOrigin, originList, parseAllowedOrigins } from './origins';

describe('normalizeOrigin', () => {
  it.each([
    ['https://shop.example.com', 'https://shop.example.com'],
    ['https://Shop.Example.COM', 'https://shop.example.com'],
    ['HTTPS://shop.example.com:443', 'https://shop.example.com'],
    ['https://shop.example.com:8443', 'https://shop.example.com:8443'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('accepts %s as %s', (raw, origin) => {
    expect(normalizeOrigin(raw)).toBe(origin);
  });

  it.each([
    'https://shop.example.com/',
    'https://shop.example.com/path',
    'https://shop.example.com?x=1',
    'https://shop.example.com#top',
    'https://user:pw@shop.example.com',
    'https://*.example.com',
    '*',
    'null',
    'shop.example.com',
    'ftp://shop.example.com',
    'javascript://x',
    'https://',
    'https://shop.example.com:99999',
    'https://shop example.com',
    ' https://shop.example.com',
    `https://${'a'.repeat(300)}.com`,
  ])('refuses %j', (raw) => {
    expect(normalizeOrigin(raw)).toBeUndefined();
  });
});

describe('parseAllowedOrigins', () => {
  it('normalizes and deduplicates', () => {
    expect(parseAllowedOrigins(['https://a.example', 'https://A.example:443', 'http://localhost:3000'])).toEqual(['https://a.example', 'http://localhost:3000']);
  });

  it('names the first bad entry', () => {
    expect(() => parseAllowedOrigins(['https://a.example', 'https://b.example/'])).toThrow(expect.objectContaining({ field: 'allowedOrigins[1]' }) as unknown as ValidationError);
  });

  it(`refuses more than ${MAX_ALLOWED_ORIGINS}`, () => {
    const many = Array.from({ length: MAX_ALLOWED_ORIGINS + 1 }, (_, i) => `https://s${i}.example`);
    expect(() => parseAllowedOrigins(many)).toThrow(ValidationError);
  });
});

describe('originList (config)', () => {
  it('parses a comma-separated list, empty meaning none', () => {
    expect(originList().parse(' https://desk.example.com , https://admin.example.com ', 'CORS_STAFF_ORIGINS')).toEqual(['https://desk.example.com', 'https://admin.example.com']);
    expect(originList().parse(undefined, 'CORS_STAFF_ORIGINS')).toEqual([]);
  });

  it('fails naming the variable', () => {
    expect(() => originList().parse('https://desk.example.com/app', 'CORS_STAFF_ORIGINS')).toThrow(ConfigError);
    expect(() => originList().parse('https://desk.example.com/app', 'CORS_STAFF_ORIGINS')).toThrow(/^CORS_STAFF_ORIGINS: /);
  });
});
