/**
 * The recovery bounds of issue 19 and the shape of a chaos run, read once
 * from CHAOS_* variables (for experiments; the defaults are the issue's
 * bounds); a bad value stops the run naming the variable.
 */
import { join } from 'node:path';

const number = (name: string, fallback: number, min = 0): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return Number(raw);
};

const busyCores = Math.round(number('CHAOS_BUSY_CORES', 0));

/** After a kill: the next message accepted within this long after the killed process is ready again. */
export const NEXT_ACCEPTED_BOUND_MS = number('CHAOS_NEXT_ACCEPTED_BOUND_MS', 3_000);
/** After a kill: every message accepted before (and just after) it on every agent socket and on SSE within this long after ready. */
export const CAUGHT_UP_BOUND_MS = number('CHAOS_CAUGHT_UP_BOUND_MS', 5_000);
/** After a kill: a conversation started right after ready assigned (AgentAssigned on an agent socket) within this long. */
export const ASSIGNED_BOUND_MS = number('CHAOS_ASSIGNED_BOUND_MS', 5_000);
/** Once the load stops: every retrying client has its answer within this long (the system recovered by itself). */
export const SETTLE_BOUND_MS = number('CHAOS_SETTLE_BOUND_MS', 30_000);

export const chaosSettings = {
  /** Offered visitor messages per second, whatever the answers (open loop). */
  rate: number('CHAOS_RATE', 50, 1),
  /** Conversations the load goes round, each its own visitor session. */
  conversations: Math.round(number('CHAOS_CONVERSATIONS', 10, 1)),
  agents: Math.round(number('CHAOS_AGENTS', 2, 1)),
  /** Steady load before the first kill and between kills. */
  secondsBetweenKills: number('CHAOS_SECONDS_BETWEEN_KILLS', 10, 1),
  /** How long the NATS server stays dead before it is started again. */
  natsDownMs: number('CHAOS_NATS_DOWN_MS', 1_000),
  /** "Accepted shortly after the kill": these messages must catch up too. */
  shortlyAfterKillMs: number('CHAOS_SHORTLY_AFTER_KILL_MS', 1_000),
  /** A POST without an answer within this long is retried with the same key (longer than the gateway's 10 s wait for a key in progress, so that its 409 comes first). */
  postTimeoutMs: number('CHAOS_POST_TIMEOUT_MS', 12_000, 100),
  /** Retry-After is respected up to this long. */
  maxRetryAfterMs: number('CHAOS_MAX_RETRY_AFTER_MS', 10_000, 100),
  /** At the end: how long every accepted message may take to reach every channel. */
  drainMs: number('CHAOS_DRAIN_MS', 45_000),
  /** Processes spinning on a CPU each for the whole run (the busy-machine mode). */
  busyCores,
  /** Which kills, in order (comma-separated names; default all). */
  kills: (process.env.CHAOS_KILLS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
  resultsPath: process.env.CHAOS_RESULTS_PATH || join(__dirname, '..', 'results', busyCores > 0 ? 'recovery-busy.json' : 'recovery.json'),
  tenant: `chaos-${Math.random().toString(36).slice(2, 10)}`,
  queue: 'bench',
  agentCapacity: 100,
};
