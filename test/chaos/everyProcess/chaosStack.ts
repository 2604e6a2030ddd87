/**
 * The whole stack for the chaos suite, every part killable: a private NATS
 * server (killed and restarted on its port and store), fresh PostgreSQL
 * databases (event store; survey metrics) whose connections can be
 * terminated, and the seven services as processes (scripts/stack.ts) that can
 * be SIGKILLed and started again with the same env and ports; with
 * `replicas` > 1, that many processes of each service, the gateways behind a
 * round-robin TCP balancer (`gatewayUrl`). Log lines are
 * kept with the time they arrived, to tell afterwards which part stalled.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { NatsServer } from '../../../scripts/natsServer';
import { signStaffToken } from '../../../scripts/devToken';
import { startStack, type LogLine, type ServiceName, type Stack } from '../../../scripts/stack';
import { startPrivateNats } from '../../support/nats';
import { freshPostgresDatabase, type TestDatabase } from '../../support/postgres';

export type TimedLogLine = LogLine & { at: number };

export interface ChaosStack {
  services: Stack;
  /** Processes per service. */
  replicas: number;
  nats: NatsServer;
  eventStoreUrl: string;
  /** Every database the stack uses (event store, survey metrics). */
  databaseUrls: string[];
  gatewayUrl: string;
  logs: TimedLogLine[];
  token(tenant: string, subject: string, roles?: string[]): string;
  /** Terminates every connection to the stack's databases; resolves once a new connection is served again. */
  terminateDatabaseConnections(): Promise<number>;
  teardown(): Promise<void>;
}

const MAX_LOG_LINES = 400_000;

export async function startChaosStack(gatewayEnv: Record<string, string>, replicas = 1): Promise<ChaosStack> {
  const nats = await startPrivateNats();
  const databases: TestDatabase[] = [];
  let services: Stack | undefined;
  const teardown = async () => {
    await services?.stop().catch(() => undefined);
    await nats.stop().catch(() => undefined);
    for (const db of databases) await db.stop().catch(() => undefined);
  };
  try {
    const eventStore = await freshPostgresDatabase();
    databases.push(eventStore);
    const surveyDb = await freshPostgresDatabase();
    databases.push(surveyDb);
    const jwtSecret = randomBytes(32).toString('hex');
    const logs: TimedLogLine[] = [];
    services = await startStack({
      natsUrl: nats.url,
      eventStoreUrl: eventStore.url,
      surveyDatabaseUrl: surveyDb.url,
      jwtSecret,
      ports: 'free',
      replicas,
      logLevel: process.env.CHAOS_LOG_LEVEL ?? 'info',
      extraEnv: { gateway: gatewayEnv },
      onLine: (l) => {
        logs.push({ ...l, at: Date.now() });
        if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
        if (process.env.CHAOS_VERBOSE) process.stdout.write(`${l.service}${replicas > 1 ? `#${l.replica}` : ''}| ${l.line}\n`);
      },
    });
    return {
      services,
      replicas,
      nats,
      eventStoreUrl: eventStore.url,
      databaseUrls: [eventStore.url, surveyDb.url],
      gatewayUrl: services.gatewayUrl,
      logs,
      token: (tenant, subject, roles = ['agent']) => signStaffToken(jwtSecret, { tid: tenant, sub: subject, roles }),
      terminateDatabaseConnections: () => terminateConnections(eventStore.url, [eventStore.url, surveyDb.url]),
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** What an operator's `pg_terminate_backend` does to every session of the databases; the count of sessions ended. */
async function terminateConnections(adminUrl: string, urls: string[]): Promise<number> {
  const names = urls.map((u) => decodeURIComponent(new URL(u).pathname.slice(1)));
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const res = await client.query<{ ended: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
      [names],
    );
    return res.rows.filter((r) => r.ended).length;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type { ServiceName };
