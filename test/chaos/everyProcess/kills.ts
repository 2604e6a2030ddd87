/**
 * The kills, in the order the suite makes them: each service SIGKILLed and
 * started again (same env, same ports), the NATS server SIGKILLed and
 * started again on its port and store, and every PostgreSQL connection of
 * the test databases terminated. Each returns when the killed part is ready
 * again: a service's `ready` log line (gRPC serving; the gateway's HTTP
 * listening too), NATS accepting TCP connections, PostgreSQL serving a new
 * connection. With several replicas per service, one replica of each is
 * killed (the relay's lease holder among the conversation replicas, to
 * measure the relay's fail-over) and started again; its detail says which.
 */
import { sleep } from '../../bench/e2e/clock';
import type { ChaosStack } from './chaosStack';

export interface KillTimes {
  killAt: number;
  readyAt: number;
  detail: string;
  /** The lease holder killed: when a relay (the other replica, or the restarted one) held the lease again. */
  relayTakeoverAt?: number;
}

export interface Kill {
  name: string;
  run(): Promise<KillTimes>;
}

const SERVICES = ['gateway', 'conversation', 'routing', 'presence', 'translation', 'survey'] as const;

const RELAY_HOLDS = 'relay holds the lease';
const RELAY_TAKEOVER_WAIT_MS = 30_000;

/** The last line in which a conversation replica's relay said it holds the lease. */
const lastLeaseLine = (stack: ChaosStack) => stack.logs.findLast((l) => l.service === 'conversation' && l.line.includes(RELAY_HOLDS));

/** The conversation replica whose relay last said it holds the lease. */
function relayHolder(stack: ChaosStack): number {
  const line = lastLeaseLine(stack);
  if (!line) throw new Error('no conversation replica has said that its relay holds the lease');
  return line.replica ?? 0;
}

/** When a relay said it holds the lease after `after` (a kill of its holder); undefined if none did in time. */
async function relayTakeover(stack: ChaosStack, after: number): Promise<number | undefined> {
  const until = Date.now() + RELAY_TAKEOVER_WAIT_MS;
  while (Date.now() < until) {
    const line = lastLeaseLine(stack);
    if (line && line.at > after) return line.at;
    await sleep(50);
  }
  return undefined;
}

export function allKills(stack: ChaosStack, natsDownMs: number): Kill[] {
  const several = stack.replicas > 1;
  const services: Kill[] = SERVICES.map((name, i) => {
    // With several replicas: the second of half the services, the first of the others; the relay's holder among the conversations.
    const pick = () => (!several ? 0 : name === 'conversation' ? relayHolder(stack) : i % stack.replicas);
    return {
      name,
      run: async () => {
        const replica = pick();
        const killAt = Date.now();
        const takeover = name === 'conversation' ? relayTakeover(stack, killAt) : undefined;
        await stack.services.kill(name, 'SIGKILL', replica);
        const exitedAt = Date.now();
        await stack.services.restart(name, replica);
        const relayTakeoverAt = await takeover;
        const which = several ? ` replica ${replica} of ${stack.replicas}` : '';
        const relay = takeover ? `; relay lease held again ${relayTakeoverAt === undefined ? 'never' : `after ${relayTakeoverAt - killAt} ms`}` : '';
        return { killAt, readyAt: Date.now(), relayTakeoverAt, detail: `SIGKILL${which}; exited in ${exitedAt - killAt} ms; started again on the same ports${relay}` };
      },
    };
  });
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
