/**
 * The kills, in the order the suite makes them: each service SIGKILLed and
 * started again (same env, same ports), the NATS server SIGKILLed and
 * started again on its port and store, and every PostgreSQL connection of
 * the test databases terminated. Each returns when the killed part is ready
 * again: a service's `ready` log line (gRPC serving; the gateway's HTTP
 * listening too), NATS accepting TCP connections, PostgreSQL serving a new
 * connection.
 */
import { sleep } from '../../bench/e2e/clock';
import type { ChaosStack } from './chaosStack';

export interface KillTimes {
  killAt: number;
  readyAt: number;
  detail: string;
}

export interface Kill {
  name: string;
  run(): Promise<KillTimes>;
}

const SERVICES = ['gateway', 'conversation', 'routing', 'presence', 'translation', 'survey'] as const;

export function allKills(stack: ChaosStack, natsDownMs: number): Kill[] {
  const services: Kill[] = SERVICES.map((name) => ({
    name,
    run: async () => {
      const killAt = Date.now();
      await stack.services.kill(name, 'SIGKILL');
      const exitedAt = Date.now();
      await stack.services.restart(name);
      return { killAt, readyAt: Date.now(), detail: `SIGKILL; exited in ${exitedAt - killAt} ms; started again on the same ports` };
    },
  }));
  const nats: Kill = {
    name: 'nats-server',
    run: async () => {
      const killAt = Date.now();
      await stack.nats.kill('SIGKILL');
      await sleep(natsDownMs);
      await stack.nats.restart();
      return { killAt, readyAt: Date.now(), detail: `SIGKILL; down ${natsDownMs} ms; started again on port ${stack.nats.port} with its store` };
    },
  };
  const database: Kill = {
    name: 'postgres-connections',
    run: async () => {
      const killAt = Date.now();
      const ended = await stack.terminateDatabaseConnections();
      // The server never went away: ready is a new connection being served, which the terminate query just showed.
      return { killAt, readyAt: Date.now(), detail: `pg_terminate_backend ended ${ended} sessions` };
    },
  };
  return [...services, nats, database];
}

/** The kills named in `names` (CHAOS_KILLS), in that order; all of them when empty. */
export function chosenKills(all: Kill[], names: string[]): Kill[] {
  if (names.length === 0) return all;
  return names.map((n) => {
    const kill = all.find((k) => k.name === n);
    if (!kill) throw new Error(`CHAOS_KILLS names ${JSON.stringify(n)}; known: ${all.map((k) => k.name).join(', ')}`);
    return kill;
  });
}
