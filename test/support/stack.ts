/**
 * The whole stack for an end-to-end test file: a fresh NATS server, a fresh
 * PostgreSQL database as the event store, another as the survey service's
 * metrics database, and the seven services as separate processes on free ports.
 */
import { randomBytes } from 'node:crypto';
import { signStaffToken } from '../../scripts/devToken';
import { startStack, type LogLine, type Stack, type StackOptions } from '../../scripts/stack';
import { freshNats, type TestNats } from './nats';
import { freshPostgresDatabase } from './postgres';

export interface TestStack extends Stack {
  nats: TestNats;
  eventStoreUrl: string;
  /** A staff token for `tenant` (default roles: agent). */
  token(tenant: string, subject: string, roles?: string[]): string;
  /** Every log line the services printed, for assertions and for failures. */
  logs: LogLine[];
  teardown(): Promise<void>;
}

export async function startTestStack(options: { extraEnv?: StackOptions['extraEnv'] } = {}): Promise<TestStack> {
  const nats = await freshNats();
  const pg = await freshPostgresDatabase();
  // The survey service's own database (its metrics), apart from the event store.
  const surveyDb = await freshPostgresDatabase();
  const jwtSecret = randomBytes(32).toString('hex');
  const logs: LogLine[] = [];
  let stack: Stack;
  try {
    stack = await startStack({
      natsUrl: nats.url,
      eventStoreUrl: pg.url,
      surveyDatabaseUrl: surveyDb.url,
      jwtSecret,
      ports: 'free',
      extraEnv: options.extraEnv,
      logLevel: process.env.E2E_LOG_LEVEL ?? 'info',
      onLine: (l) => {
        logs.push(l);
        if (process.env.E2E_VERBOSE) process.stdout.write(`${l.service}| ${l.line}\n`);
      },
    });
  } catch (err) {
    await nats.stop();
    await pg.stop();
    await surveyDb.stop();
    throw err;
  }
  return {
    ...stack,
    nats,
    eventStoreUrl: pg.url,
    logs,
    token: (tenant, subject, roles = ['agent']) => signStaffToken(jwtSecret, { tid: tenant, sub: subject, roles }),
    teardown: async () => {
      await stack.stop();
      await nats.stop();
      await pg.stop();
      await surveyDb.stop();
    },
  };
}
