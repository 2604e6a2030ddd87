/** Settings and small helpers shared by the routing benchmark's phases (see test/bench/routing.bench.ts). */
import { randomUUID } from 'node:crypto';

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
};

export const AGENTS = positive('BENCH_AGENTS', 10_000);
export const CONVERSATIONS = positive('BENCH_CONVERSATIONS', 50_000);
export const SAMPLE = Math.min(positive('BENCH_SAMPLE', 5_000), CONVERSATIONS);
export const CONCURRENCY = positive('BENCH_CONCURRENCY', 64);
/** Routing replicas as processes; with two, the run also checks every capacity guarantee from the events. */
export const REPLICAS = positive('BENCH_ROUTING_REPLICAS', 1);
/**
 * 'arrivals' (default, the figure the issue tracker has followed): agents online first, conversations
 * started and queued while routing assigns, so each assignment also pays for its conversation's start
 * and enqueue. 'backlog': every conversation is queued while the agents are away (and the after-hours
 * bot has greeted each), then the agents come online and assignments are counted from the first of
 * them: routing in front of a Monday-morning backlog, each assignment paying for itself and the bot's
 * handover message. Building that backlog takes the conversation service minutes at the full size.
 */
export const MODE: 'backlog' | 'arrivals' = (() => {
  const raw = process.env.BENCH_MODE ?? 'arrivals';
  if (raw !== 'backlog' && raw !== 'arrivals') throw new Error(`BENCH_MODE must be backlog or arrivals, got ${JSON.stringify(raw)}`);
  return raw;
})();
/** The end-to-end phase ends when no assignment arrived for this long after the last enqueue. */
export const STALL_MS = positive('BENCH_STALL_MS', 15_000);
/** Optional cap on the whole run (seconds): enqueueing and waiting stop there, and the figures cover what was done. */
const DEADLINE_S = process.env.BENCH_DEADLINE_S ? positive('BENCH_DEADLINE_S', 0) : Infinity;
export const benchStarted = performance.now();
export const pastDeadline = () => performance.now() - benchStarted > DEADLINE_S * 1000;

export const CAPACITY = 3;
export const LANGUAGES = ['en', 'es', 'de', 'pt'] as const;
export const SKILLS = ['billing', 'tech', 'sales', 'returns', 'vip'] as const;
export const TENANT = `bench-${randomUUID().slice(0, 8)}`;

/** Deterministic data: the same agents and conversations in every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
export const random = mulberry32(20_240_601);
export const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));
export const log = (line: string) => process.stderr.write(`[routing bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
