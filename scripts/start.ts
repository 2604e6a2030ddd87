/**
 * `npm start`: the whole stack on one machine, on embedded defaults.
 * - event store: PGlite under .data/eventstore (EVENT_STORE_URL overrides);
 * - NATS: NATS_URL, else 127.0.0.1:4222 when it answers, else a private
 *   `nats-server -js` with its data under .data/nats;
 * - seven services as separate processes, logs prefixed with their name;
 *   REPLICAS=2 (with a PostgreSQL EVENT_STORE_URL) runs two of each, the
 *   gateways behind a round-robin balancer on the gateway's port;
 *   REGIONS=eu,us runs one region per name (scripts/startRegions.ts).
 * Ctrl-C stops everything cleanly.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signStaffToken } from './devToken';
import { apertiumMissing, startApertiumServer, type ApertiumServer } from './apertiumServer';
import { natsServerBinary, startNatsServer, tcpReachable, type NatsServer } from './natsServer';
import { DEMO_SUPPORT_ADDRESS, seedDemoTenant, type DemoTenant } from './demoTenant';
import { ROOT, startStack, type LogLine, type Stack } from './stack';
import { startLocalRegions, type LocalRegions } from './startRegions';

const DATA = join(ROOT, '.data');
const colors: Record<string, string> = { gateway: '36', conversation: '32', routing: '33', presence: '35', translation: '34', survey: '31' };

function printLine({ service, line }: LogLine) {
  let text = line;
  if (line.startsWith('{')) {
    try {
      const { level, msg, time: _t, service: _s, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      text = `${String(level).padEnd(5)} ${String(msg)}${extra}`;
    } catch {
      // print as is
    }
  }
  process.stdout.write(`\x1b[${colors[service] ?? '0'}m${service.padEnd(12)}\x1b[0m| ${text}\n`);
}

async function resolveNats(): Promise<{ url: string; server?: NatsServer }> {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL };
  if (await tcpReachable('127.0.0.1', 4222)) return { url: 'nats://127.0.0.1:4222' };
  if (!natsServerBinary()) {
    process.stderr.write(
      'No NATS server answers at 127.0.0.1:4222 and no nats-server binary is on PATH.\n' +
        'Install one (Debian/Ubuntu: sudo apt-get install nats-server), or set NATS_URL to a server with JetStream.\n',
    );
    process.exit(69);
  }
  const server = await startNatsServer({ storeDir: join(DATA, 'nats'), port: Number(process.env.NATS_PORT ?? 4222) });
  return { url: server.url, server };
}

/** Apertium APY for offline translation when it is installed; otherwise translation runs off and says so once. */
async function resolveTranslation(): Promise<{ env: Record<string, string>; server?: ApertiumServer }> {
  if (process.env.APERTIUM_URL) return { env: { APERTIUM_URL: process.env.APERTIUM_URL } };
  const missing = apertiumMissing();
  if (missing) return { env: { TRANSLATION_DEFAULT_PROVIDER: 'off' } };
  const server = await startApertiumServer();
  process.stdout.write(`Apertium APY (offline translation) at ${server.url}\n`);
  return { env: { APERTIUM_URL: server.url }, server };
}

function devJwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(DATA, 'dev-jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Builds the widget and the desk; without them the stack still runs (the API), and says so. */
async function buildBrowserApps(): Promise<boolean> {
  try {
    const { buildApps } = await import('../apps/build.mjs');
    await buildApps({ quiet: true });
    return true;
  } catch (err) {
    process.stderr.write(`the widget and the desk were not built (${(err as Error).message}); the API runs without them\n`);
    return false;
  }
}

/** The demo token of a staff member of the demo tenant, with the issuer and audience the gateway requires when it is told to. */
function demoToken(jwtSecret: string, sub: string, roles: string[]): string {
  const registered = { iss: process.env.JWT_ISSUER?.trim() || undefined, aud: process.env.JWT_AUDIENCE?.trim() || undefined };
  return signStaffToken(jwtSecret, { tid: 'demo', sub, roles }, undefined, registered);
}

/** Stops everything (`shutdown(1)`) when a process of `stack` exits while nobody asked it to; `prefix` names its region. */
function stopOnUnexpectedExit(stack: Stack, stopping: () => boolean, shutdown: (code: number) => Promise<void>, prefix = ''): void {
  for (const [name, list] of stack.replicas) {
    for (const proc of list) {
      void proc.exited.then((code) => {
        if (stopping()) return;
        process.stderr.write(`${prefix}${name} exited unexpectedly (code ${code}); stopping everything\n`);
        void shutdown(1);
      });
    }
  }
}

/** `REGIONS=eu,us npm start`: each region its own services, NATS cluster and embedded event store. */
async function mainRegions(regions: string[]) {
  const jwtSecret = devJwtSecret();
  const translation = await resolveTranslation();
  const appsBuilt = await buildBrowserApps();
  let running: LocalRegions | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the regions…\n');
    await running?.stop();
    await translation.server?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    running = await startLocalRegions({
      regions,
      jwtSecret,
      logLevel: process.env.LOG_LEVEL,
      extraEnv: { translation: translation.env, gateway: { SERVE_DEMO_PAGE: 'true' } },
      onLine: (region, l) => printLine({ ...l, line: `[${region}] ${l.line}` }),
    });
  } catch (err) {
    process.stderr.write(`the regions did not start: ${(err as Error).message}\n`);
    await shutdown(1);
    return;
  }
  for (const [region, stack] of running.stacks) stopOnUnexpectedExit(stack, () => stopping, shutdown, `${region}/`);
  const lines: string[] = [''];
  const admin = demoToken(jwtSecret, 'demo-admin', ['admin']);
  for (const [region, stack] of running.stacks) {
    let demo: DemoTenant | undefined;
    try {
      demo = await seedDemoTenant(stack.gatewayUrl, admin);
    } catch (err) {
      process.stderr.write(`the demo tenant was not set up in ${region}: ${(err as Error).message}\n`);
    }
    lines.push(`  Region ${region}: gateway ${stack.gatewayUrl}   (API docs: ${stack.gatewayUrl}/docs), NATS ${running.nats.regions.get(region)!.url.replace(/\/\/[^@]*@/, '//***@')}`);
    if (demo && appsBuilt) {
      lines.push(`    Demo shop page: ${stack.gatewayUrl}/demo/?key=${demo.widgetKey}`);
      lines.push(`    Agent desk (Tom): ${stack.gatewayUrl}/desk/#token=${demoToken(jwtSecret, 'tom', ['agent'])}`);
    }
  }
  // Residency: the demo tenant lives in the first region; visitors from the US and Canada in the second.
  const [home, second] = regions;
  const residency = { homeRegion: home, rules: second ? [{ countries: ['US', 'CA'], region: second }] : [] };
  const put = await fetch(`${running.stacks.get(home!)!.gatewayUrl}/v1/admin/residency`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(residency),
  }).catch((err: Error) => err);
  if (put instanceof Error || !put.ok) process.stderr.write(`the demo tenant's residency was not set: ${put instanceof Error ? put.message : `${put.status} ${await put.text()}`}\n`);
  lines.push(
    '',
    `  The demo tenant is homed in ${home}${second ? `; conversations of visitors from the US and Canada (header cf-ipcountry) live in ${second}` : ''}.`,
    '  A request for a conversation reaching the other region\'s gateway is forwarded to its home region.',
    `  Demo token (tenant "demo", 12 h):`,
    `    export TOKEN=${demoToken(jwtSecret, 'agent-demo', ['agent', 'supervisor', 'admin'])}`,
    '',
    '  Ctrl-C stops everything.',
    '',
  );
  process.stdout.write(lines.join('\n'));
}

async function main() {
  mkdirSync(DATA, { recursive: true });
  const regionNames = (process.env.REGIONS ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  if (regionNames.length > 1) return mainRegions(regionNames);
  const nats = await resolveNats();
  const eventStoreUrl = process.env.EVENT_STORE_URL ?? `pglite://${join(DATA, 'eventstore')}`;
  const replicas = Number(process.env.REPLICAS ?? '1');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    process.stderr.write(`REPLICAS must be a whole number from 1 to 5, got ${JSON.stringify(process.env.REPLICAS)}\n`);
    process.exit(64);
  }
  if (replicas > 1 && eventStoreUrl.startsWith('pglite:')) {
    process.stderr.write('REPLICAS > 1 needs an event store the replicas share: set EVENT_STORE_URL=postgres://… (PGlite is one process\'s).\n');
    process.exit(64);
  }
  const jwtSecret = devJwtSecret();
  const translation = await resolveTranslation();
  // The widget and the desk, which the gateway serves (a build takes well under a second).
  const appsBuilt = await buildBrowserApps();
  let stack: Stack | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the stack…\n');
    await stack?.stop();
    await translation.server?.stop();
    await nats.server?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    stack = await startStack({ natsUrl: nats.url, eventStoreUrl, jwtSecret, ports: 'fixed', replicas, surveyDatabaseUrl: process.env.SURVEY_DATABASE_URL ?? (replicas > 1 ? eventStoreUrl : undefined), onLine: printLine, logLevel: process.env.LOG_LEVEL, extraEnv: { translation: translation.env, gateway: { SERVE_DEMO_PAGE: 'true' } } });
  } catch (err) {
    process.stderr.write(`the stack did not start: ${(err as Error).message}\n`);
    await shutdown(1);
    return;
  }
  stopOnUnexpectedExit(stack, () => stopping, shutdown);
  // The gateway inherits this environment: when it requires an issuer or audience, the demo token carries them.
  const token = demoToken(jwtSecret, 'agent-demo', ['agent', 'supervisor', 'admin']);
  const registeredAs = (sub: string, roles: string[]) => demoToken(jwtSecret, sub, roles);
  let demo: DemoTenant | undefined;
  try {
    demo = await seedDemoTenant(stack.gatewayUrl, registeredAs('demo-admin', ['admin']));
  } catch (err) {
    process.stderr.write(`the demo tenant was not set up: ${(err as Error).message}\n`);
  }
  const demoLines =
    demo && appsBuilt
      ? [
          `  Demo shop page with the chat widget: ${stack.gatewayUrl}/demo/?key=${demo.widgetKey}`,
          `  Agent desk (Tom):                   ${stack.gatewayUrl}/desk/#token=${registeredAs('tom', ['agent'])}`,
          `  Supervisor desk:                    ${stack.gatewayUrl}/desk/#token=${registeredAs('sofia', ['supervisor'])}`,
          '  Open the desk and the shop page side by side, and chat with yourself.',
          `  Email:  send to ${DEMO_SUPPORT_ADDRESS} over smtp://127.0.0.1:${stack.ports.get('channels')?.smtpPort ?? 2525}, e.g.`,
          `    printf 'From: you@example.com\\r\\nSubject: Hello\\r\\n\\r\\nWhere is my order?\\r\\n' | curl -s --url smtp://127.0.0.1:${stack.ports.get('channels')?.smtpPort ?? 2525} --mail-from you@example.com --mail-rcpt ${DEMO_SUPPORT_ADDRESS} -T -`,
          `    Replies ${process.env.SMTP_RELAY_URL ? `go out through ${process.env.SMTP_RELAY_URL.replace(/\/\/[^@]*@/, '//***@')}` : 'are logged by the channels service (set SMTP_RELAY_URL to send them)'}.`,
          `  Messaging-app webhooks: http://127.0.0.1:${stack.ports.get('channels')?.httpPort ?? 8090}/channels/{whatsapp,messenger,instagram}/webhook`,
          '',
        ]
      : [];
  process.stdout.write(
    [
      '',
      ...demoLines,
      `  Gateway:       ${stack.gatewayUrl}   (API docs: ${stack.gatewayUrl}/docs)${replicas > 1 ? `, balanced over ${replicas} gateways` : ''}`,
      `  NATS:          ${nats.url}${nats.server ? ' (started here)' : ''}`,
      `  Event store:   ${eventStoreUrl.replace(/\/\/[^@]*@/, '//***@')}`,
      `  Demo token (tenant "demo", 12 h):`,
      `    export TOKEN=${token}`,
      `    curl -s -H "authorization: Bearer $TOKEN" ${stack.gatewayUrl}/readyz`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

void main();
