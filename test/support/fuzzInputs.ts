/**
 * Inputs for fuzz tests: a seeded PRNG (a failing run reproduces from its
 * seed), hostile strings, bodies no JSON parser accepts, and values that a
 * JSON schema is sure to refuse (so a request built from them can never be
 * valid by chance, whatever else it carries).
 */

/** mulberry32: small, fast, good enough to pick test inputs. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int = (min: number, max: number): number => min + Math.floor(this.next() * (max - min + 1));
  pick = <T>(items: readonly T[]): T => items[Math.floor(this.next() * items.length)]!;
  chance = (p: number): boolean => this.next() < p;
  bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  word = (n = this.int(1, 12)): string => Array.from({ length: n }, () => this.pick([...'abcdefghijklmnopqrstuvwxyz0123456789_-'])).join('');
}

/** Strings that have broken parsers, shells, queries, templates, subjects and renderers somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE conversations; --",
  '" OR ""="',
  '$(reboot)',
  '`id`',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'cc.*.>',
  'a.b.>',
  '{"$gt": ""}',
  '__proto__',
  'constructor',
  '%s%s%s%n',
  '\u0000',
  '\u0000\u0001\u001f\u007f',
  '\u202egnp.exe',
  '\ufeff',
  '\r\nX-Injected: 1',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
  '😀'.repeat(40),
  'Ω≈ç√∫˜µ≤≥÷',
  '\ud800',
  'null',
  'NaN',
  '-1',
  '1e309',
  'A'.repeat(5000),
];

const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat(['\u007f', '\u0085', '\u2028', '\u2029']);

export const hostileString = (rng: Rng): string =>
  rng.chance(0.25) ? `${rng.word()}${rng.pick(CONTROL)}${rng.word()}` : rng.pick(HOSTILE_STRINGS);

/** Any JSON value, small, with hostile strings and odd numbers in it. */
export function junkValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 4 : 6)) {
    case 0: return hostileString(rng);
    case 1: return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -1e308, 1e-308]);
    case 2: return rng.chance(0.5);
    case 3: return null;
    case 4: return rng.word();
    case 5: return Array.from({ length: rng.int(0, 4) }, () => junkValue(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(0, 4) }, () => [rng.chance(0.2) ? hostileString(rng) : rng.word(), junkValue(rng, depth + 1)]));
  }
}

/** Bytes sent as `application/json` that fastify must refuse: not JSON, not UTF-8, or prototype poisoning. */
export function malformedJsonBody(rng: Rng): string | Buffer {
  const cases: (() => string | Buffer)[] = [
    () => rng.pick(['{', '{"a":', '{"a" 1}', "{'a': 1}", '[1,2', 'nul', 'tru', '{"a":1}}', '{"a":1,}', '{"a":01}', '{"a":NaN}', '{"a":Infinity}', '{"a":"\\uZZZZ"}', '{a:1}', ']', '"']),
    () => `{"text":"a${rng.pick(CONTROL.filter((c) => c < ' '))}b"}`, // raw control characters are not allowed in JSON strings
    () => rng.pick(['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":1,"__proto__":{"x":1}}']),
    // 0xFF never occurs in UTF-8: the rest of the bytes may or may not be valid sequences.
    () => Buffer.concat([Buffer.from('{"text":"'), rng.bytes(rng.int(0, 8)).map((b) => b | 0x80), Buffer.from([0xff]), Buffer.from('"}')]),
    () => Buffer.concat([Buffer.from('#'), rng.bytes(rng.int(0, 64))]), // no JSON text starts with '#'
    () => '['.repeat(rng.int(100, 20_000)),
    () => `\ufeff${rng.pick(['{', '[', 'x'])}`,
    () => JSON.stringify(junkValue(rng)).slice(0, -1) + rng.pick([',', ':', '}}', ']]']), // a truncated value plus a stray token
  ];
  return rng.pick(cases)();
}

type Schema = Record<string, unknown>;
const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object'] as const;
const SAMPLE: Record<(typeof JSON_TYPES)[number], unknown> = { string: 'fuzz', number: 1.5, integer: 7, boolean: true, null: null, array: [], object: {} };

function allowsSample(types: readonly string[], sample: (typeof JSON_TYPES)[number]): boolean {
  if (types.includes(sample)) return true;
  return sample === 'integer' && types.includes('number');
}

/**
 * A value `schema` certainly refuses, or undefined when none is certain
 * (`anyOf`, `$ref`, no constraints). Picks among the ways it can fail:
 * another JSON type, a pattern or enum miss, one character too many, a
 * missing required property, an unknown one where none are allowed.
 */
export function violating(schema: Schema | undefined, rng: Rng): { value: unknown } | undefined {
  if (!schema || schema.anyOf || schema.oneOf || schema.allOf || schema.$ref || schema.not) return undefined;
  const options: (() => unknown)[] = [];
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : undefined;
  if (types) {
    const others = JSON_TYPES.filter((t) => !allowsSample(types, t));
    if (others.length) options.push(() => SAMPLE[rng.pick(others)]);
  }
  const onlyType = types?.length === 1 ? types[0] : undefined;
  if (onlyType === 'string') {
    if (typeof schema.pattern === 'string') {
      const re = new RegExp(schema.pattern, 'u');
      const misses = HOSTILE_STRINGS.filter((s) => !re.test(s) && (typeof schema.maxLength !== 'number' || s.length <= (schema.maxLength as number)));
      if (misses.length) options.push(() => rng.pick(misses));
    }
    if (Array.isArray(schema.enum)) options.push(() => `${rng.pick(HOSTILE_STRINGS)}-not-in-enum`);
    if (typeof schema.maxLength === 'number' && schema.maxLength < 20_000) options.push(() => 'x'.repeat((schema.maxLength as number) + 1));
  }
  if ((onlyType === 'number' || onlyType === 'integer') && typeof schema.maximum === 'number') options.push(() => (schema.maximum as number) + 1);
  if ((onlyType === 'number' || onlyType === 'integer') && typeof schema.minimum === 'number') options.push(() => (schema.minimum as number) - 1);
  if (onlyType === 'array' && typeof schema.maxItems === 'number' && schema.maxItems < 1000) options.push(() => Array.from({ length: (schema.maxItems as number) + 1 }, () => junkValue(rng)));
  if (onlyType === 'object') {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const required = (schema.required ?? []) as string[];
    const filler = () => Object.fromEntries(Object.keys(props).filter(() => rng.chance(0.5)).map((k) => [k, junkValue(rng)]));
    if (required.length) {
      options.push(() => {
        const body: Record<string, unknown> = { ...filler() };
        delete body[rng.pick(required)];
        return body;
      });
    }
    if (schema.additionalProperties === false) options.push(() => ({ ...filler(), [`fz_${rng.word()}`]: junkValue(rng) }));
    for (const [name, prop] of Object.entries(props)) {
      const bad = violating(prop, rng);
      if (bad) options.push(() => ({ ...filler(), [name]: bad.value }));
    }
  }
  return options.length ? { value: rng.pick(options)() } : undefined;
}
