/**
 * What the end-to-end bench runs with: BENCH_E2E_* variables, read once when
 * this module loads; a bad value stops the run naming the variable.
 */
import { randomUUID } from 'node:crypto';

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return Number(raw);
};

// Read in this order so that, of several bad values, the same one is named first as always.
const steadySeconds = positive('BENCH_E2E_SECONDS', 30);
const rate = positive('BENCH_E2E_RATE', 40);

export const settings = {
  /** The steady phase: `rate` messages/s for `steadySeconds`. */
  steadySeconds,
  rate,
  agents: Math.round(positive('BENCH_E2E_AGENTS', 4)),
  /** Conversations per phase at least; more at high rates so that none gets more than `perConversationRate` messages/s. */
  conversations: Math.round(positive('BENCH_E2E_CONVERSATIONS', 24)),
  perConversationRate: positive('BENCH_E2E_PER_CONVERSATION_RATE', 4),
  /** The ceiling search: from `ceilingStart` messages/s, × `stepFactor` per step of `stepSeconds`, at most `maxSteps` steps. */
  stepSeconds: positive('BENCH_E2E_STEP_SECONDS', 10),
  stepFactor: positive('BENCH_E2E_STEP_FACTOR', 1.25),
  ceilingStart: positive('BENCH_E2E_CEILING_START', rate * 1.25),
  maxSteps: Math.round(positive('BENCH_E2E_MAX_STEPS', 16)),
  /** A step fails when its p99 is over this. */
  p99LimitMs: positive('BENCH_E2E_P99_LIMIT_MS', 1_000),
  /** How long after the last POST answer an accepted message may still arrive on its agent's socket. */
  drainMs: positive('BENCH_E2E_DRAIN_MS', 10_000),
  warmupSeconds: positive('BENCH_E2E_WARMUP_SECONDS', 5),
  /** No ceiling step starts once the run is this old (seconds): keeps the default run under ~5 minutes. */
  budgetSeconds: positive('BENCH_E2E_BUDGET_S', 240),
  /** The gateway's visitor rate limits, per key and per IP, far above the offered load. */
  rateLimitPerMinute: Math.round(positive('BENCH_E2E_RATE_LIMIT', 1_000_000)),
  /** A fresh tenant per run, so that nothing another run left behind counts. */
  tenant: `e2e-${randomUUID().slice(0, 8)}`,
  queue: 'bench',
  /** Idle sockets opened on the gateway for the steady phase run again beside them. */
  idleVisitorSockets: Math.round(positive('BENCH_E2E_IDLE_VISITORS', 5_000)),
  idleStaffSockets: Math.round(positive('BENCH_E2E_IDLE_STAFF', 200)),
  /** Chat capacity of each agent: presence's maximum per channel. */
  agentCapacity: 100,
};
