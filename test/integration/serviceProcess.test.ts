/**
 * How a service process starts and stops: bad configuration and unreachable
 * dependencies end it with one clear line and a non-zero exit; SIGTERM ends
 * it cleanly with exit 0.
 */
import { ServiceProcess } from '../../scripts/stack';
import { HealthChecker } from '../../infra/src/grpc/health';
import { freshNats, type TestNats } from '../support/nats';
import { runUntilExit } from '../support/processes';

jest.setTimeout(60_000);

let nats: TestNats;
beforeAll(async () => {
  nats = await freshNats();
});
afterAll(async () => {
  await nats.stop();
});

const stderrLines = (output: string[]) => output.filter((l) => !l.startsWith('{'));

describe('service start', () => {
  it.each([
    ['GRPC_PORT', 'not-a-port', /GRPC_PORT: must be an integer/],
    ['NATS_URL', 'http://127.0.0.1:4222', /NATS_URL: scheme must be nats/],
    ['LOG_LEVEL', 'chatty', /LOG_LEVEL: must be one of/],
    ['SHUTDOWN_TIMEOUT_MS', '5', /SHUTDOWN_TIMEOUT_MS: must be ≥ 100/],
    ['REGIONS', 'local,eu,eu', /REGIONS: names the region "eu" twice/],
    ['REGIONS', 'local,EU', /REGIONS: must be a region name .*"EU"/],
  ])('refuses a malformed %s with one line and exit 78', async (variable, value, message) => {
    const { code, output } = await runUntilExit('routing', { NATS_URL: nats.url, [variable]: value });
    expect(code).toBe(78);
    expect(output).toHaveLength(1);
    expect(output[0]).toMatch(/^routing: configuration error: /);
    expect(output[0]).toMatch(message);
  });

  it('refuses a gateway without JWT_SECRET, naming it', async () => {
    const { code, output } = await runUntilExit('gateway', { NATS_URL: nats.url, JWT_SECRET: '' });
    expect(code).toBe(78);
    expect(output).toEqual([expect.stringMatching(/^gateway: configuration error: JWT_SECRET: is required/)]);
  });

  it('stops with one line naming the NATS host when NATS is unreachable', async () => {
    const { code, output } = await runUntilExit('presence', { NATS_URL: 'nats://127.0.0.1:1' });
    expect(code).toBe(69);
    expect(stderrLines(output)).toEqual([expect.stringMatching(/^presence: cannot start: NATS at nats:\/\/127.0.0.1:1 is unreachable/)]);
    expect(output.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('service shutdown', () => {
  it('serves health, then on SIGTERM goes away cleanly with exit 0', async () => {
    const proc = new ServiceProcess('survey', { NATS_URL: nats.url, GRPC_PORT: '0', METRICS_PORT: '0', SHUTDOWN_TIMEOUT_MS: '5000' });
    const { grpcPort, metricsPort } = await proc.ready;
    const health = new HealthChecker(`127.0.0.1:${grpcPort}`);
    expect(await health.check()).toBe('SERVING');
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/process_cpu_user_seconds_total\{service="survey"\}/);
    const started = Date.now();
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await health.check('', 500)).toBe('UNREACHABLE');
    health.close();
    const logged = proc.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; service: string });
    expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining(['ready', 'shutting down', 'stopped']));
    expect(logged.every((l) => l.service === 'survey')).toBe(true);
  });
});

describe('conversation service start', () => {
  it('stops with one line naming the PostgreSQL host when the event store is unreachable', async () => {
    const { code, output } = await runUntilExit('conversation', { NATS_URL: nats.url, EVENT_STORE_URL: 'postgres://cc@127.0.0.1:1/contactcenter' });
    expect(code).toBe(69);
    expect(stderrLines(output)).toEqual([expect.stringMatching(/^conversation: cannot start: .*127\.0\.0\.1:1/)]);
  });

  it('refuses an event store URL of an unknown kind, naming the variable', async () => {
    const { code, output } = await runUntilExit('conversation', { NATS_URL: nats.url, EVENT_STORE_URL: 'mysql://127.0.0.1/x' });
    expect(code).toBe(78);
    expect(output).toEqual([expect.stringMatching(/^conversation: configuration error: EVENT_STORE_URL: scheme must be postgres or/)]);
  });
});
