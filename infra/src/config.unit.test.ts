import { ConfigError, bool, commonConfig, hostPort, int, loadConfig, natsUrl, oneOf, port, secret, string, url } from './config';

const schema = {
  GRPC_PORT: port({ default: 50051 }),
  NATS_URL: natsUrl({ default: 'nats://127.0.0.1:4222' }),
  PEER: hostPort({ default: '127.0.0.1:50052' }),
  LEVEL: oneOf(['info', 'debug'] as const, { default: 'info' }),
  DEBUG_SQL: bool({ default: false }),
  NAME: string(),
};

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies defaults and parses types', () => {
    const c = loadConfig(schema, { NAME: 'x', GRPC_PORT: '6000', DEBUG_SQL: 'yes' });
    expect(c).toEqual({ GRPC_PORT: 6000, NATS_URL: 'nats://127.0.0.1:4222', PEER: '127.0.0.1:50052', LEVEL: 'info', DEBUG_SQL: true, NAME: 'x' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{}, 'NAME', /is required/],
    [{ NAME: 'x', GRPC_PORT: 'eighty' }, 'GRPC_PORT', /must be an integer/],
    [{ NAME: 'x', GRPC_PORT: '70000' }, 'GRPC_PORT', /≤ 65535/],
    [{ NAME: 'x', NATS_URL: 'http://host:4222' }, 'NATS_URL', /scheme must be/],
    [{ NAME: 'x', NATS_URL: 'nats://a:1,not a url' }, 'NATS_URL', /must be a URL/],
    [{ NAME: 'x', PEER: 'localhost' }, 'PEER', /host:port/],
    [{ NAME: 'x', LEVEL: 'loud' }, 'LEVEL', /one of info, debug/],
    [{ NAME: 'x', DEBUG_SQL: 'maybe' }, 'DEBUG_SQL', /true or false/],
  ])('names the bad variable for %j', (env, variable, reason) => {
    const err = errorOf(() => loadConfig(schema, env));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).toMatch(reason);
  });

  it('never echoes a secret that is too short', () => {
    const err = errorOf(() => loadConfig({ JWT_SECRET: secret({ minLength: 32 }) }, { JWT_SECRET: 'hunter2' }));
    expect(err.variable).toBe('JWT_SECRET');
    expect(err.message).not.toContain('hunter2');
  });

  it('checks integer bounds and URL schemes', () => {
    expect(errorOf(() => loadConfig({ N: int({ min: 1 }) }, { N: '0' })).message).toMatch(/≥ 1/);
    expect(loadConfig({ U: url(['postgres', 'pglite']) }, { U: 'pglite://memory' }).U).toBe('pglite://memory');
  });
});

describe('hostPort', () => {
  it.each(['conversation:50051', '10.0.0.7:50051', '[::1]:50051', 'dns:///conversation-headless:50051', 'dns:///conversation-headless.cc.svc.cluster.local:50051', 'ipv4:127.0.0.1:50051,127.0.0.1:50061'])(
    'accepts the gRPC target %s as it is',
    (target) => {
      expect(loadConfig({ PEER: hostPort() }, { PEER: target }).PEER).toBe(target);
    },
  );

  it.each(['dns://conversation:50051', 'dns:///conversation', 'http://conversation:50051', 'dns:///conversation:70000', 'ipv4:127.0.0.1', 'ipv4:127.0.0.1:50051,', 'ipv4:127.0.0.300:50051', 'ipv4:conversation:50051'])('refuses %s, naming the variable', (target) => {
    const err = errorOf(() => loadConfig({ PEER: hostPort() }, { PEER: target }));
    expect(err.variable).toBe('PEER');
    expect(err.message).toMatch(/host:port, dns:\/\/\/host:port or ipv4:address:port,address:port/);
  });
});

describe('REGION and REGIONS (commonConfig)', () => {
  const regionsOf = (env: NodeJS.ProcessEnv) => {
    const c = loadConfig(commonConfig, env);
    return { region: c.REGION, regions: c.REGIONS };
  };

  it('defaults to one region, the one REGION names', () => {
    expect(regionsOf({})).toEqual({ region: 'local', regions: ['local'] });
    expect(regionsOf({ REGION: 'eu' })).toEqual({ region: 'eu', regions: ['eu'] });
    expect(regionsOf({ REGION: 'eu', REGIONS: 'eu, us' })).toEqual({ region: 'eu', regions: ['eu', 'us'] });
  });

  it.each([
    [{ REGION: 'EU' }, 'REGION', /region name/],
    [{ REGION: 'eu', REGIONS: 'eu,us,eu' }, 'REGIONS', /"eu" twice/],
    [{ REGION: 'eu', REGIONS: 'eu,u_s' }, 'REGIONS', /region name.*"u_s"/],
    [{ REGION: 'eu', REGIONS: 'us,ap' }, 'REGIONS', /must include .*"eu"/],
  ])('names the bad setting for %j in one line', (env, variable, reason) => {
    const err = errorOf(() => loadConfig(commonConfig, env));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain('\n');
  });

  it('checks only the names when REGIONS is parsed without REGION (the manifests check)', () => {
    expect(commonConfig.REGIONS.parse(undefined, 'REGIONS')).toEqual([]);
    expect(commonConfig.REGIONS.parse('eu,us', 'REGIONS')).toEqual(['eu', 'us']);
    expect(() => commonConfig.REGIONS.parse('eu,eu', 'REGIONS')).toThrow(ConfigError);
  });
});
