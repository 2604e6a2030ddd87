/**
 * Several regions on one machine, for end-to-end tests: a NATS super-cluster
 * (one cluster per region and a tie-breaker, joined by gateways, an account
 * per region), per region its own event store and metrics database, and the
 * seven services as processes with REGION and REGIONS set. A region listed in
 * `killable` gets a private PostgreSQL server, so that `kill(region)` can stop
 * every process of it, its database included, and `restart(region)` bring it
 * back on the same ports and data.
 */
import { randomBytes } from 'node:crypto';
import { signStaffToken } from '../../scripts/devToken';
import { startNatsSuperCluster, type NatsSuperCluster } from '../../scripts/natsSuperCluster';
import { startStack, type LogLine, type ServiceName, type Stack, type StackOptions } from '../../scripts/stack';
import { freshPostgresDatabase, startPrivatePostgres, type PrivatePostgres, type TestDatabase } from './postgres';

export interface TestRegion {
  name: string;
  stack: Stack;
  gatewayUrl: string;
  eventStoreUrl: string;
  natsUrl: string;
}

export interface TestRegions {
  regions: Map<string, TestRegion>;
  region(name: string): TestRegion;
  nats: NatsSuperCluster;
  /** A staff token for `tenant`, valid in every region (they share the signing secret). */
  token(tenant: string, subject: string, roles?: string[]): string;
  logs: LogLine[];
  /** SIGKILLs every process of the region: its services, its NATS server and (when killable) its database. */
  kill(name: string): Promise<void>;
  /** Starts them again, database and NATS first, on the ports and data they had; resolves once every service is ready. */
  restart(name: string): Promise<void>;
  teardown(): Promise<void>;
}

/** Dependencies first, as startStack starts them: peers must listen before their clients ask. */
const RESTART_ORDER: ServiceName[] = ['conversation', 'presence', 'routing', 'translation', 'survey', 'channels', 'gateway'];

export async function startTestRegions(options: {
  regions: string[];
  /** Regions whose database is a private server that `kill` stops too. */
  killable?: string[];
  /** Added round trip between the regions' NATS gateways. */
  latencyMs?: number;
  extraEnv?: StackOptions['extraEnv'];
}): Promise<TestRegions> {
  const jwtSecret = randomBytes(32).toString('hex');
  const logs: LogLine[] = [];
  const nats = await startNatsSuperCluster({ regions: options.regions, latencyMs: options.latencyMs });
  const databases = new Map<string, { eventStore: TestDatabase; survey: TestDatabase; server?: PrivatePostgres }>();
  const regions = new Map<string, TestRegion>();
  const teardown = async () => {
    await Promise.all([...regions.values()].map((r) => r.stack.stop()));
    await nats.stop();
    for (const db of databases.values()) {
      await db.eventStore.stop();
      if (db.survey !== db.eventStore) await db.survey.stop();
    }
  };
  try {
    for (const name of options.regions) {
      if (options.killable?.includes(name)) {
        // One private server per killable region: both databases on it, so that killing it takes the region's storage down.
        const server = await startPrivatePostgres();
        databases.set(name, { eventStore: server, survey: server, server });
      } else {
        databases.set(name, { eventStore: await freshPostgresDatabase(), survey: await freshPostgresDatabase() });
      }
    }
    await Promise.all(
      options.regions.map(async (name) => {
        const db = databases.get(name)!;
        const natsUrl = nats.regions.get(name)!.url;
        const stack = await startStack({
          natsUrl,
          eventStoreUrl: db.eventStore.url,
          surveyDatabaseUrl: db.survey.url,
          jwtSecret,
          ports: 'free',
          region: name,
          regions: options.regions,
          extraEnv: options.extraEnv,
          logLevel: process.env.E2E_LOG_LEVEL ?? 'info',
          onLine: (l) => {
            logs.push(l);
            if (process.env.E2E_VERBOSE) process.stdout.write(`${name}/${l.service}| ${l.line}\n`);
          },
        });
        regions.set(name, { name, stack, gatewayUrl: stack.gatewayUrl, eventStoreUrl: db.eventStore.url, natsUrl });
      }),
    );
  } catch (err) {
    await teardown();
    throw err;
  }
  const region = (name: string) => {
    const r = regions.get(name);
    if (!r) throw new Error(`no region ${name} (regions: ${[...regions.keys()].join(', ')})`);
    return r;
  };
  return {
    regions,
    region,
    nats,
    logs,
    token: (tenant, subject, roles = ['agent']) => signStaffToken(jwtSecret, { tid: tenant, sub: subject, roles }),
    async kill(name) {
      const { stack } = region(name);
      await Promise.all([...stack.replicas].flatMap(([service, list]) => list.map((_, i) => stack.kill(service, 'SIGKILL', i))));
      await nats.regions.get(name)!.kill('SIGKILL');
      await databases.get(name)!.server?.kill('SIGKILL');
    },
    async restart(name) {
      const { stack } = region(name);
      await databases.get(name)!.server?.restart();
      await nats.regions.get(name)!.restart();
      for (const service of RESTART_ORDER) {
        const count = stack.replicas.get(service)?.length ?? 0;
        await Promise.all(Array.from({ length: count }, (_, i) => stack.restart(service, i)));
      }
    },
    teardown,
  };
}

