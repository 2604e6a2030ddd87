import { ValidationError } from './errors';
import { parseRegionList, parseRegionSettings, requireRegionName } from './regions';

/**
 * Typed configuration from the environment, validated once at start.
 * A missing or malformed variable throws a ConfigError naming it; `runMain`
 * turns that into one line on stderr and a non-zero exit.
 *
 * @example
 *   const config = loadConfig({
 *     GRPC_PORT: port({ default: 50051 }),
 *     NATS_URL: natsUrl({ default: 'nats://127.0.0.1:4222' }),
 *   });
 *   config.GRPC_PORT; // number
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * `parsed` holds the fields of the schema parsed before this one (loadConfig
 * passes it), for a setting checked against another; absent when a field is
 * parsed alone (the manifests' checks).
 */
export type Field<T> = { parse: (raw: string | undefined, name: string, parsed?: Readonly<Record<string, unknown>>) => T; describe: string };

type Opts<T> = { default?: T };

function field<T>(describe: string, opts: Opts<T>, parse: (raw: string, name: string) => T): Field<T> {
  return {
    describe,
    parse: (raw, name) => {
      if (raw === undefined || raw.trim() === '') {
        if (opts.default !== undefined) return opts.default;
        throw new ConfigError(name, `is required (${describe})`);
      }
      return parse(raw.trim(), name);
    },
  };
}

export const string = (opts: Opts<string> = {}) => field('a non-empty string', opts, (raw) => raw);

export const optionalString = (): Field<string | undefined> => ({
  describe: 'an optional string',
  parse: (raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()),
});

export const int = (opts: Opts<number> & { min?: number; max?: number } = {}) =>
  field(`an integer${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`, opts, (raw, name) => {
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
    const n = Number(raw);
    if (opts.min !== undefined && n < opts.min) throw new ConfigError(name, `must be ≥ ${opts.min}, got ${n}`);
    if (opts.max !== undefined && n > opts.max) throw new ConfigError(name, `must be ≤ ${opts.max}, got ${n}`);
    return n;
  });

export const port = (opts: Opts<number> = {}) => {
  const f = int({ ...opts, min: 0, max: 65535 });
  return { ...f, describe: 'a TCP port (0-65535)' };
};

export const oneOf = <T extends string>(values: readonly T[], opts: Opts<T> = {}) =>
  field(`one of ${values.join(', ')}`, opts, (raw, name) => {
    if (!values.includes(raw as T)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw as T;
  });

export const bool = (opts: Opts<boolean> = {}) =>
  field('true or false', opts, (raw, name) => {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
  });

/** A URL whose scheme is one of `schemes`. */
export const url = (schemes: readonly string[], opts: Opts<string> = {}) =>
  field(`a URL (${schemes.map((s) => `${s}://`).join(' or ')})`, opts, (raw, name) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL (${schemes.map((s) => `${s}://…`).join(' or ')}), got ${JSON.stringify(raw)}`);
    }
    const scheme = parsed.protocol.replace(/:$/, '');
    if (!schemes.includes(scheme)) {
      throw new ConfigError(name, `scheme must be ${schemes.join(' or ')}, got ${JSON.stringify(scheme)}`);
    }
    return raw;
  });

/** A URL as `url`, or undefined when unset or empty. */
export const optionalUrl = (schemes: readonly string[]): Field<string | undefined> => ({
  describe: `an optional URL (${schemes.map((s) => `${s}://`).join(' or ')})`,
  parse: (raw, name) => (raw === undefined || raw.trim() === '' ? undefined : url(schemes).parse(raw.trim(), name)),
});

/** Comma-separated NATS server URLs, which may carry credentials (`nats://user:pass@host:4222`): an error never shows them. */
export const natsUrl = (opts: Opts<string> = {}) =>
  field('comma-separated nats:// URLs', opts, (raw, name) => {
    for (const part of raw.split(',')) {
      try {
        url(['nats', 'tls', 'ws', 'wss']).parse(part, name);
      } catch (err) {
        // Everything before the last `@` may be a password (even one with a stray `/` or `@`).
        const redacted = part.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1***@');
        if (redacted === part.trim()) throw err;
        throw new ConfigError(name, `must be comma-separated nats:// URLs, got ${JSON.stringify(redacted)}`);
      }
    }
    return raw;
  });

/**
 * A gRPC target `host:port`, `dns:///host:port` (gRPC's DNS resolver named
 * explicitly: over a headless Service it yields every replica's address), or
 * `ipv4:a.b.c.d:port,a.b.c.d:port` (gRPC's static list: replicas on one host,
 * as the replica tests run them). The last two are balanced round-robin.
 */
export const hostPort = (opts: Opts<string> = {}) =>
  field('host:port, dns:///host:port or ipv4:address:port,address:port', opts, (raw, name) => {
    const refuse = () => new ConfigError(name, `must be host:port, dns:///host:port or ipv4:address:port,address:port, got ${JSON.stringify(raw)}`);
    const validPort = (port: string) => Number(port) <= 65535;
    if (raw.startsWith('ipv4:')) {
      const parts = raw.slice('ipv4:'.length).split(',');
      for (const part of parts) {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(part);
        if (!m || m.slice(1, 5).some((octet) => Number(octet) > 255) || !validPort(m[5]!)) throw refuse();
      }
      return raw;
    }
    const m = /^(?:dns:\/\/\/)?([A-Za-z0-9._-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
    if (!m || !validPort(m[2]!)) throw refuse();
    return raw;
  });

export type Schema = Record<string, Field<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * Parses `env` against `schema`. Variables that look like they belong to the
 * schema's prefixes but are not in it are left alone: the environment holds
 * much else.
 */
export function loadConfig<S extends Schema>(schema: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(schema)) out[name] = f.parse(env[name], name, out);
  return Object.freeze(out) as ConfigOf<S>;
}

/** The ValidationError of a pure parser as the ConfigError of the variable `name`. */
function asConfigError(err: unknown, name: string): unknown {
  if (!(err instanceof ValidationError)) return err;
  return new ConfigError(name, err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message);
}

/** A region name (regions.ts): lowercase letters, digits and `-`. */
export const regionName = (opts: Opts<string> = {}) =>
  field('a region name (lowercase letters, digits and "-")', opts, (raw, name) => {
    try {
      return requireRegionName(name, raw);
    } catch (err) {
      throw asConfigError(err, name);
    }
  });

/**
 * Every region of the deployment, checked against the region setting
 * `regionVariable` parsed before it: unset means that region alone. Parsed
 * alone (no `parsed`), only the names are checked, and unset is empty.
 */
export const regionList = (regionVariable: string): Field<readonly string[]> => ({
  describe: `comma-separated region names, ${regionVariable} among them`,
  parse: (raw, name, parsed) => {
    const region = parsed?.[regionVariable];
    try {
      if (typeof region === 'string') return parseRegionSettings(region, raw, { region: regionVariable, regions: name }).regions;
      return raw === undefined || raw.trim() === '' ? [] : parseRegionList(raw, name);
    } catch (err) {
      throw asConfigError(err, name);
    }
  },
});

/** Settings every service shares. */
export const commonConfig = {
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
  NATS_URL: natsUrl({ default: 'nats://127.0.0.1:4222' }),
  /** NATS credentials (the user of a region's account), instead of putting them in NATS_URL; never echoed. */
  NATS_USER: optionalString(),
  NATS_PASSWORD: optionalString(),
  METRICS_PORT: port({ default: 0 }),
  GRPC_PORT: port({ default: 0 }),
  GRPC_HOST: string({ default: '127.0.0.1' }),
  /** Our gRPC server closes each client connection after this long (0: never), so clients re-resolve replicas. */
  GRPC_MAX_CONNECTION_AGE_MS: int({ default: 300_000, min: 0 }),
  REGION: regionName({ default: 'local' }),
  /** Every region of the deployment, comma-separated, REGION among them; default: REGION alone (one region). */
  REGIONS: regionList('REGION'),
  SHUTDOWN_TIMEOUT_MS: int({ default: 10_000, min: 100, max: 600_000 }),
  /** Copies of each JetStream stream and KV bucket this process creates: 1 on one server, 3 on a production cluster. */
  JETSTREAM_REPLICAS: int({ default: 1, min: 1, max: 5 }),
  /** OpenTelemetry collector (OTLP/HTTP): traces are exported to `<url>/v1/traces` only when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']),
};

/** A secret: required, never echoed in errors. */
export const secret = (opts: { minLength: number }) =>
  field<string>(`a secret of at least ${opts.minLength} characters`, {}, (raw, name) => {
    if (raw.length < opts.minLength) throw new ConfigError(name, `must be at least ${opts.minLength} characters long`);
    return raw;
  });

/** A secret that may be absent (e.g. the previous one during a rotation); when set, as `secret`. */
export const optionalSecret = (opts: { minLength: number }): Field<string | undefined> => ({
  describe: `an optional secret of at least ${opts.minLength} characters`,
  parse: (raw, name) => (raw === undefined || raw.trim() === '' ? undefined : secret(opts).parse(raw, name)),
});
